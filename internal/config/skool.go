package config

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Skool is the membership sync: how the scraper reaches Skool and reads the
// member lists of the two paid communities, and how the nightly sync turns
// them into roles.
type Skool struct {
	URL             string // Skool's base URL, without a trailing slash
	Email           string // the monitoring account, an admin of both communities
	Password        string
	CoachCommunity  string // the coaches' community slug, like "ultra"
	ClientCommunity string // the clients' community slug, like "vagus"
	Selectors       string // a JSON selectors file; empty: the built-in one
	Headless        bool   // false shows the browser (it needs a display)
	Chromium        string // the browser binary; empty: looked for on PATH
	// ChallengeWait is how long the scraper waits for Skool's web firewall
	// to let it through to the sign-in form.
	ChallengeWait time.Duration
	// PauseMin and PauseMax bound the human pauses between the scraper's
	// steps.
	PauseMin, PauseMax time.Duration
	// ElementWait is how long a page element may take before the step
	// fails.
	ElementWait time.Duration
	// GraceDays is how long a cancelled coach keeps the coach role.
	GraceDays int
	// SafetyThreshold is the fraction of today's members a list must hold
	// for the sync to apply it: a list much shorter than the last one is
	// more likely a scraping fault than a mass exodus.
	SafetyThreshold float64
	// MonitoringEnabled turns the nightly sync on.
	MonitoringEnabled bool
	SyncTime          string         // the time of day of the nightly sync, HH:MM
	SyncZone          *time.Location // the zone SyncTime is in
}

// Configured reports whether a monitoring account is set.
func (s Skool) Configured() bool { return s.Email != "" }

// NextSync is the first sync time strictly after t.
func (s Skool) NextSync(t time.Time) time.Time {
	return nextDaily(s.SyncTime, s.SyncZone, t)
}

// DefaultSkoolURL is where Skool lives.
const DefaultSkoolURL = "https://www.skool.com"

// skoolSettings are the Skool sync's environment variables.
var skoolSettings = []Setting{
	{Name: "SKOOL_URL", Default: DefaultSkoolURL, Help: "Skool's base URL (tests point it at a stand-in)"},
	{Name: "SKOOL_EMAIL", Help: "the Skool account that reads the member lists; an admin of both communities. No sync when empty"},
	{Name: "SKOOL_PASSWORD", Help: "its password", Secret: true},
	{Name: "SKOOL_COACH_COMMUNITY", Help: "the slug of the coaches' community, as in skool.com/<slug>: its members are coaches"},
	{Name: "SKOOL_CLIENT_COMMUNITY", Help: "the slug of the clients' community: its members are clients"},
	{Name: "SKOOL_SELECTORS", Help: "a JSON file of the pages' paths, selectors and data paths, to follow a change on Skool's side; empty: the built-in one"},
	{Name: "RAPPORT_CHROMIUM", Help: "the Chromium or Chrome binary that reads Skool; empty: chromium, chromium-browser or google-chrome on PATH"},
	{Name: "SKOOL_HEADLESS", Default: "true", Help: "false shows the browser while it reads Skool (needs a display); PLAYWRIGHT_HEADLESS is read too"},
	{Name: "SKOOL_CHALLENGE_WAIT", Default: "3m", Help: "how long to wait for Skool's web firewall check before the sign-in form appears"},
	{Name: "SKOOL_ELEMENT_WAIT", Default: "30s", Help: "how long a page element may take to appear before the step fails"},
	{Name: "SKOOL_PAUSES", Default: "700ms-2500ms", Help: "the range of the human pauses between the scraper's steps, like 700ms-2500ms"},
	{Name: "SKOOL_GRACE_DAYS", Default: "7", Help: "days a cancelled coach keeps the coach role (0-365)"},
	{Name: "SKOOL_SAFETY_THRESHOLD", Default: "0.8", Help: "a member list shorter than this fraction of the last one is not applied (0-1)"},
	{Name: "MONITORING_ENABLED", Default: "false", Help: "true runs the Skool sync every night; needs SKOOL_EMAIL, SKOOL_PASSWORD and both communities"},
	{Name: "SKOOL_SYNC_TIME", Default: "03:00", Help: "when the nightly sync runs, HH:MM"},
	{Name: "SKOOL_SYNC_TZ", Default: "UTC", Help: "the time zone of SKOOL_SYNC_TIME, like Europe/Berlin"},
}

// skool reads the SKOOL_ settings and MONITORING_ENABLED.
func (r *reader) skool() Skool {
	s := Skool{
		URL:               strings.TrimSuffix(r.value("SKOOL_URL"), "/"),
		Email:             r.str("SKOOL_EMAIL"),
		Password:          r.secret("SKOOL_PASSWORD"),
		CoachCommunity:    r.slug("SKOOL_COACH_COMMUNITY"),
		ClientCommunity:   r.slug("SKOOL_CLIENT_COMMUNITY"),
		Selectors:         r.readableFile("SKOOL_SELECTORS"),
		Headless:          r.headless(),
		Chromium:          r.str("RAPPORT_CHROMIUM"),
		ChallengeWait:     r.duration("SKOOL_CHALLENGE_WAIT", time.Second, 30*time.Minute),
		GraceDays:         r.intRange("SKOOL_GRACE_DAYS", 0, 365),
		SafetyThreshold:   r.fraction("SKOOL_SAFETY_THRESHOLD"),
		MonitoringEnabled: r.boolean("MONITORING_ENABLED"),
		SyncTime:          r.clock("SKOOL_SYNC_TIME"),
		SyncZone:          r.zone("SKOOL_SYNC_TZ"),
	}
	s.PauseMin, s.PauseMax = r.pauses("SKOOL_PAUSES")
	s.ElementWait = r.duration("SKOOL_ELEMENT_WAIT", time.Second, 5*time.Minute)
	r.httpURL("SKOOL_URL", s.URL)
	r.checkSkool(s)
	return s
}

// pauses reads a range of durations like 700ms-2500ms.
func (r *reader) pauses(name string) (time.Duration, time.Duration) {
	v := r.value(name)
	lo, hi, ok := strings.Cut(v, "-")
	a, errA := time.ParseDuration(strings.TrimSpace(lo))
	b, errB := time.ParseDuration(strings.TrimSpace(hi))
	if !ok || errA != nil || errB != nil || a <= 0 || b < a || b > time.Minute {
		r.fail(name, "must be a range of durations like 700ms-2500ms (the second no shorter, at most a minute), not %q", v)
		return 0, 0
	}
	return a, b
}

// checkSkool checks the Skool settings together.
func (r *reader) checkSkool(s Skool) {
	switch {
	case s.Email != "" && s.Password == "":
		r.fail("SKOOL_PASSWORD", "required with SKOOL_EMAIL")
	case s.Email == "" && s.Password != "":
		r.fail("SKOOL_EMAIL", "required with SKOOL_PASSWORD: the account to sign in with")
	case s.Email != "" && !strings.Contains(s.Email, "@"):
		r.fail("SKOOL_EMAIL", "%q is not an email address", s.Email)
	case s.CoachCommunity != "" && s.CoachCommunity == s.ClientCommunity:
		r.fail("SKOOL_CLIENT_COMMUNITY", "must differ from SKOOL_COACH_COMMUNITY (%q)", s.CoachCommunity)
	}
	if !s.MonitoringEnabled {
		return
	}
	for _, req := range []struct{ name, v string }{
		{"SKOOL_EMAIL", s.Email}, {"SKOOL_PASSWORD", s.Password},
		{"SKOOL_COACH_COMMUNITY", s.CoachCommunity}, {"SKOOL_CLIENT_COMMUNITY", s.ClientCommunity},
	} {
		if req.v == "" {
			r.fail(req.name, "required with MONITORING_ENABLED=true")
		}
	}
}

// slugPattern is the shape of a community's name in Skool's URLs.
var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// slug reads a community slug: the part after skool.com/ in its address.
func (r *reader) slug(name string) string {
	v := strings.ToLower(r.str(name))
	if v != "" && !slugPattern.MatchString(v) {
		r.fail(name, "must be a community's slug, the part after skool.com/ in its address (letters, digits and -), not %q", v)
		return ""
	}
	return v
}

// readableFile reads the path of a file that must exist.
func (r *reader) readableFile(name string) string {
	v := r.str(name)
	if v == "" {
		return ""
	}
	f, err := os.Open(v)
	if err != nil {
		r.fail(name, "cannot read %s: %v", v, errors.Unwrap(err))
		return ""
	}
	f.Close()
	return v
}

// headless reads SKOOL_HEADLESS, else PLAYWRIGHT_HEADLESS (the original
// program's name for it), else SKOOL_HEADLESS's default.
func (r *reader) headless() bool {
	if v := r.str("PLAYWRIGHT_HEADLESS"); v != "" && r.str("SKOOL_HEADLESS") == "" {
		return r.parseBool("PLAYWRIGHT_HEADLESS", v)
	}
	return r.boolean("SKOOL_HEADLESS")
}

// clock reads a time of day, HH:MM.
func (r *reader) clock(name string) string {
	v := r.value(name)
	h, m, ok := parseClock(v)
	if !ok {
		r.fail(name, "must be a time of day, HH:MM from 00:00 to 23:59, not %q", v)
		return ""
	}
	return fmt.Sprintf("%02d:%02d", h, m)
}

// parseClock parses HH:MM (or H:MM).
func parseClock(v string) (hour, minute int, ok bool) {
	hs, ms, found := strings.Cut(v, ":")
	h, errH := strconv.Atoi(hs)
	m, errM := strconv.Atoi(ms)
	if !found || errH != nil || errM != nil || len(hs) > 2 || len(ms) != 2 || h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, 0, false
	}
	return h, m, true
}

// zone reads an IANA time zone name.
func (r *reader) zone(name string) *time.Location {
	v := r.value(name)
	loc, err := time.LoadLocation(v)
	if err != nil || v == "Local" {
		r.fail(name, "must be an IANA time zone like Europe/Berlin or UTC, not %q", v)
		return time.UTC
	}
	return loc
}
