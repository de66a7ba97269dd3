// Package skool reads the member lists of Skool communities with Debian's
// Chromium driven by chromedp, behind membership.Scraper. Skool has no API
// for this: the scraper signs in as an admin of both communities, opens
// each one's member administration and reads the members from the JSON the
// Next.js pages embed and fetch, falling back to the visible list.
//
// It behaves like a person at a browser (a real user agent, a normal
// window, pauses, one profile kept from day to day) and stops, rather than
// retries, at anything only a person can answer. Every path, selector and
// data path is in one selectors file (selectors.json, or SKOOL_SELECTORS),
// so that a change on Skool's side is one edit; a failed step names itself
// and leaves a screenshot and the page's HTML in the logs directory.
package skool

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"sync"
	"time"

	"rapport/internal/chromium"
	"rapport/internal/membership"
)

// Account is where the scraper reads and as whom: the SKOOL_ settings.
type Account struct {
	URL             string // Skool's base URL, without a trailing slash
	Email           string // the monitoring account, an admin of both communities
	Password        string
	CoachCommunity  string // the coaches' community slug, like "ultra"
	ClientCommunity string // the clients' community slug, like "vagus"
	Selectors       string // a JSON selectors file; empty: the built-in one
	Headless        bool   // false shows the browser (it needs a display)
	// ChallengeWait is how long the scraper waits for Skool's web firewall
	// to let it through to the sign-in form.
	ChallengeWait time.Duration
}

// Options are how the scraper runs on this machine.
type Options struct {
	// Chromium is the browser's executable; empty: chromium (or
	// chromium-browser, google-chrome) on PATH.
	Chromium string
	// ProfileDir keeps the browser's profile (cookies, local storage) from
	// one run to the next, so that Skool sees a known device; ProfileDir
	// gives the usual one in the data directory.
	ProfileDir string
	// LogsDir receives a screenshot and the HTML of a page where a step
	// failed.
	LogsDir string
	// PauseMin and PauseMax bound the random pauses a person makes between
	// steps (keystrokes take a twentieth of them): SKOOL_PAUSES; tests set
	// them to milliseconds.
	PauseMin, PauseMax time.Duration
	// ElementWait is how long an element or an answer may take to appear
	// before the step fails (SKOOL_ELEMENT_WAIT).
	ElementWait time.Duration
	// Logger is told what the scraper does; nil: slog.Default().
	Logger *slog.Logger
}

// ProfileDir is the usual browser profile directory in RAPPORT_DATA_DIR.
func ProfileDir(dataDir string) string { return filepath.Join(dataDir, "skool-browser") }

// Scraper reads member lists from Skool with one browser, started on the
// first call and signed in once; it implements membership.Scraper.
type Scraper struct {
	cfg  Account
	opts Options
	sel  *Selectors
	log  *slog.Logger

	mu       sync.Mutex // one page at a time
	tab      context.Context
	stop     func() // closes the browser
	signedIn bool
	// refusal is a sign-in refusal or a challenge, returned again rather
	// than tried again.
	refusal error
}

var _ membership.Scraper = (*Scraper)(nil)

// New checks the account and the options and reads the selectors file;
// the browser starts on the first call of Members.
func New(cfg Account, opts Options) (*Scraper, error) {
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}
	opts, err := withDefaults(opts)
	if err != nil {
		return nil, err
	}
	sel, err := LoadSelectors(cfg.Selectors)
	if err != nil {
		return nil, err
	}
	return &Scraper{cfg: cfg, opts: opts, sel: sel, log: opts.Logger}, nil
}

// checkConfig checks what New needs of the account.
func checkConfig(cfg Account) error {
	if cfg.Email == "" || cfg.Password == "" {
		return errors.New("skool: SKOOL_EMAIL and SKOOL_PASSWORD are required")
	}
	if u, err := url.Parse(cfg.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("skool: SKOOL_URL %q is not an http:// or https:// URL", cfg.URL)
	}
	if cfg.ChallengeWait <= 0 {
		return errors.New("skool: the challenge wait (SKOOL_CHALLENGE_WAIT) must be positive")
	}
	return nil
}

// withDefaults fills in the options' defaults and finds the browser.
func withDefaults(o Options) (Options, error) {
	if o.ProfileDir == "" || o.LogsDir == "" {
		return o, errors.New("skool: a profile directory and a logs directory are required")
	}
	if o.PauseMin <= 0 || o.PauseMax < o.PauseMin {
		return o, fmt.Errorf("skool: the pauses (SKOOL_PAUSES) must be a range of positive durations, not %v to %v", o.PauseMin, o.PauseMax)
	}
	if o.ElementWait <= 0 {
		return o, errors.New("skool: the element wait (SKOOL_ELEMENT_WAIT) must be positive")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	path, err := chromium.Find(o.Chromium)
	if err != nil {
		return o, fmt.Errorf("skool: %w", err)
	}
	o.Chromium = path
	return o, nil
}

// Members signs in (once per browser), opens the community's member
// administration and reads every member. Progress, when set, is told how
// many were read so far and the total the page gives (or 0).
func (s *Scraper) Members(ctx context.Context, c membership.Community, progress func(read, total int)) ([]membership.Member, error) {
	slug, err := s.slug(c)
	if err != nil {
		return nil, err
	}
	if progress == nil {
		progress = func(int, int) {}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refusal != nil {
		return nil, s.refusal
	}
	tab, done, err := s.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	start := time.Now()
	members, err := s.community(tab, slug, progress)
	if err != nil {
		return nil, withCause(ctx, err)
	}
	s.log.Info("skool: read the members", "community", slug, "members", len(members), "took", time.Since(start).Round(time.Millisecond))
	return members, nil
}

// slug is the community's name in Skool's addresses.
func (s *Scraper) slug(c membership.Community) (string, error) {
	var slug, setting string
	switch c {
	case membership.Coaches:
		slug, setting = s.cfg.CoachCommunity, "SKOOL_COACH_COMMUNITY"
	case membership.Clients:
		slug, setting = s.cfg.ClientCommunity, "SKOOL_CLIENT_COMMUNITY"
	default:
		return "", fmt.Errorf("skool: no community %q", c)
	}
	if slug == "" {
		return "", fmt.Errorf("skool: %s is not set: which community holds the %s", setting, c)
	}
	return slug, nil
}

// withCause adds the caller's reason to an error that came of the
// caller's context ending mid-step.
func withCause(ctx context.Context, err error) error {
	if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		return fmt.Errorf("%w (%w)", err, context.Cause(ctx))
	}
	return err
}

// Close closes the browser, letting it write the profile to disk; it
// waits for a Members call in progress.
func (s *Scraper) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stop == nil {
		return nil
	}
	s.stop()
	s.stop, s.tab = nil, nil
	return nil
}
