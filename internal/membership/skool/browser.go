package skool

import (
	"context"
	_ "embed"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// stealthJS runs before every page's own scripts: it makes the automated
// browser answer like the one a person uses.
//
//go:embed js/stealth.js
var stealthJS string

// The window and languages of a common desktop browser.
const (
	windowWidth    = 1440
	windowHeight   = 900
	acceptLanguage = "en-US,en;q=0.9"
)

// begin starts the browser on the first call and returns a context for one
// call's steps on its tab, which ends when the caller's context does.
func (s *Scraper) begin(ctx context.Context) (context.Context, func(), error) {
	if ctx.Err() != nil {
		return nil, nil, fmt.Errorf("skool: %w", context.Cause(ctx))
	}
	if s.tab == nil {
		if err := s.start(); err != nil {
			return nil, nil, err
		}
	}
	tab, cancel := context.WithCancelCause(s.tab)
	stop := context.AfterFunc(ctx, func() { cancel(context.Cause(ctx)) })
	return tab, func() { stop(); cancel(nil) }, nil
}

// start launches Chromium on the persistent profile and disguises its tab.
func (s *Scraper) start() error {
	if err := os.MkdirAll(s.opts.ProfileDir, 0o700); err != nil {
		return fmt.Errorf("skool: create the browser profile: %w", err)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), s.allocatorOptions()...)
	tab, cancelTab := chromedp.NewContext(allocCtx)
	// Killing the process first (cancelAlloc) lets cancelTab return even
	// when the graceful close did not finish.
	stop := func() { closeBrowser(tab); cancelAlloc(); cancelTab() }
	// The first run starts the browser; it must not carry a deadline.
	if err := chromedp.Do(tab); err != nil {
		// No graceful close of a browser that may not have started: it
		// would leave cancelTab waiting for it forever.
		cancelAlloc()
		cancelTab()
		hint := ""
		if !s.cfg.Headless {
			hint = " (SKOOL_HEADLESS=false shows the browser: it needs a display)"
		}
		return fmt.Errorf("skool: start Chromium (%s)%s: %w", s.opts.Chromium, hint, err)
	}
	if err := disguise(tab); err != nil {
		stop()
		return fmt.Errorf("skool: set up the browser's user agent: %w", err)
	}
	s.tab, s.stop = tab, stop
	return nil
}

// allocatorOptions are Chromium's flags: a normal window, English, no
// automation banner or navigator.webdriver, and the kept profile.
func (s *Scraper) allocatorOptions() []chromedp.ExecAllocatorOption {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(s.opts.Chromium),
		chromedp.UserDataDir(s.opts.ProfileDir),
		// The sandbox needs privileges containers rarely give; the browser
		// visits only Skool.
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.WindowSize(windowWidth, windowHeight),
		chromedp.Flag("lang", "en-US"),
		chromedp.Flag("accept-lang", "en-US,en"),
		chromedp.Flag("enable-automation", false),
		chromedp.Flag("disable-blink-features", "AutomationControlled"),
	)
	if ua := launchUserAgent(s.opts.Chromium); ua != "" {
		opts = append(opts, chromedp.UserAgent(ua))
	}
	if !s.cfg.Headless {
		opts = append(opts, chromedp.VisibleWindow)
	}
	return opts
}

// launchUserAgent is the user agent Chromium starts with, for the requests
// that the tab's override does not reach (the favicon, workers): the same
// windowed Chromium as disguise gives the tab. It reads the version from
// `chromium --version` ("Chromium 156.0.8078.73 built on Debian"), and is
// empty when that fails.
func launchUserAgent(chromium string) string {
	out, err := exec.Command(chromium, "--version").Output()
	if err != nil {
		return ""
	}
	for _, field := range strings.Fields(string(out)) {
		if field != "" && field[0] >= '0' && field[0] <= '9' && strings.Contains(field, ".") {
			return userAgent("Chrome/" + field).UserAgent
		}
	}
	return ""
}

// closeBrowser asks Chromium to close, so that it writes the profile
// (cookies included) to disk, and gives it a few seconds.
func closeBrowser(tab context.Context) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		ctx, cancel := context.WithTimeout(tab, 10*time.Second)
		defer cancel()
		_ = chromedp.Cancel(ctx) // the browser is going away either way
	}()
	select {
	case <-done:
	case <-time.After(12 * time.Second):
	}
}

// disguise gives the tab the user agent of the same Chromium with a
// window (headless Chromium says "HeadlessChrome"), its client hints and
// languages, and the stealth script.
func disguise(tab context.Context) error {
	v, err := chromedp.CallBrowser(tab, browser.GetVersion, cdp.Empty{})
	if err != nil {
		return fmt.Errorf("read the browser's version: %w", err)
	}
	_, err = chromedp.Call(tab, emulation.SetUserAgentOverride, userAgent(v.Product))
	if err != nil {
		return fmt.Errorf("override the user agent: %w", err)
	}
	_, err = chromedp.Call(tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: stealthJS})
	if err != nil {
		return fmt.Errorf("add the stealth script: %w", err)
	}
	return nil
}

// userAgent is what Chromium on a Linux desktop sends, for the product
// the browser reports (like HeadlessChrome/156.0.8078.108).
func userAgent(product string) emulation.SetUserAgentOverrideParams {
	_, version, _ := strings.Cut(product, "/")
	major, _, _ := strings.Cut(version, ".")
	if major == "" {
		major, version = "140", "140.0.0.0"
	}
	brands := []*emulation.UserAgentBrandVersion{
		{Brand: "Chromium", Version: major}, {Brand: "Not=A?Brand", Version: "24"},
	}
	return emulation.SetUserAgentOverrideParams{
		UserAgent:      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/" + major + ".0.0.0 Safari/537.36",
		AcceptLanguage: acceptLanguage,
		Platform:       "Linux x86_64",
		UserAgentMetadata: &emulation.UserAgentMetadata{
			Brands:          brands,
			FullVersionList: []*emulation.UserAgentBrandVersion{{Brand: "Chromium", Version: version}, {Brand: "Not=A?Brand", Version: "24.0.0.0"}},
			Platform:        "Linux",
			Architecture:    "x86",
			Bitness:         "64",
		},
	}
}

// pause waits as long as a person might between two steps.
func (s *Scraper) pause(ctx context.Context) error {
	return sleep(ctx, randomIn(s.opts.PauseMin, s.opts.PauseMax))
}

// keyPause waits between two keystrokes: a twentieth of a pause.
func (s *Scraper) keyPause(ctx context.Context) error {
	return sleep(ctx, randomIn(s.opts.PauseMin/20, s.opts.PauseMax/20))
}

func randomIn(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + rand.N(hi-lo+1)
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
