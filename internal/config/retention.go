package config

import (
	"strconv"
	"strings"
	"time"
)

// Retention is how long the practice keeps what people said and what the
// audit log recorded, and when the nightly deletion runs. A zero duration
// keeps that data forever.
type Retention struct {
	Chat        time.Duration // room and conversation messages (RETENTION_CHAT)
	Transcripts time.Duration // the AI's transcript lines (RETENTION_TRANSCRIPTS)
	Audit       time.Duration // the audit log's entries (AUDIT_RETENTION)
	Time        string        // the time of day of the nightly run, HH:MM
	Zone        *time.Location
}

// NextRun is the first run time strictly after t.
func (r Retention) NextRun(t time.Time) time.Time {
	return nextDaily(r.Time, r.Zone, t)
}

// retentionSettings are the environment variables of Retention.
var retentionSettings = []Setting{
	{Name: "AUDIT_RETENTION", Default: "730d", Help: "how long the audit log keeps an entry, in days like 730d (or a Go duration of a day or more); 0 or off keeps them forever"},
	{Name: "RETENTION_CHAT", Default: "off", Help: "delete chat messages older than this, like 365d, every night: a room's (those of calls still open stay) and a conversation's, with their files; off keeps them forever"},
	{Name: "RETENTION_TRANSCRIPTS", Default: "off", Help: "delete the AI's transcript lines older than this, like 365d, every night; off keeps them forever"},
	{Name: "RETENTION_TIME", Default: "04:00", Help: "when the nightly deletion runs, HH:MM"},
	{Name: "RETENTION_TZ", Default: "UTC", Help: "the time zone of RETENTION_TIME, like Europe/Berlin"},
}

// retention reads the Retention settings.
func (r *reader) retention() Retention {
	return Retention{
		Chat:        r.keepFor("RETENTION_CHAT"),
		Transcripts: r.keepFor("RETENTION_TRANSCRIPTS"),
		Audit:       r.keepFor("AUDIT_RETENTION"),
		Time:        r.clock("RETENTION_TIME"),
		Zone:        r.zone("RETENTION_TZ"),
	}
}

// keepFor reads how long something is kept: days like 365d, a Go duration
// of a day or more like 720h, or 0 or off for forever (0).
func (r *reader) keepFor(name string) time.Duration {
	v := strings.ToLower(r.value(name))
	d, ok := parseKeep(v)
	if !ok {
		r.fail(name, "must be a number of days like 365d (or a duration of a day or more like 720h), or off, not %q", v)
	}
	return d
}

// parseKeep parses a retention: Nd, a Go duration of at least a day, or
// 0 or off (0: forever). Less than a day is refused: a typo of 365s must
// not delete a practice's chats the next night.
func parseKeep(v string) (time.Duration, bool) {
	const day = 24 * time.Hour
	if v == "0" || v == "off" {
		return 0, true
	}
	if n, found := strings.CutSuffix(v, "d"); found {
		days, err := strconv.Atoi(n)
		if err != nil || days < 1 || days > 100*365 {
			return 0, false
		}
		return time.Duration(days) * day, true
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < day || d > 100*365*day {
		return 0, false
	}
	return d, true
}

// nextDaily is the first time of day clock (HH:MM) in zone strictly after t.
func nextDaily(clock string, zone *time.Location, t time.Time) time.Time {
	hour, minute, _ := parseClock(clock)
	if zone == nil {
		zone = time.UTC
	}
	local := t.In(zone)
	next := time.Date(local.Year(), local.Month(), local.Day(), hour, minute, 0, 0, zone)
	for !next.After(t) {
		local = local.AddDate(0, 0, 1)
		next = time.Date(local.Year(), local.Month(), local.Day(), hour, minute, 0, 0, zone)
	}
	return next
}
