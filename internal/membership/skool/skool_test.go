package skool

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto"
	"github.com/chromedp/chromedp"

	"rapport/internal/membership"
	"rapport/internal/membership/skool/skooltest"
)

// readBoth reads both communities of a stand-in and compares them with
// what it holds.
func readBoth(t *testing.T, opts skooltest.Options) (*Scraper, *skooltest.Site) {
	t.Helper()
	site := skooltest.Start(t, opts)
	s := MustScraper(t, testConfig(site.URL), testOptions(t))
	ctx := testContext(t, 2*time.Minute)
	for _, c := range []struct {
		community membership.Community
		slug      string
	}{{membership.Coaches, skooltest.CoachCommunity}, {membership.Clients, skooltest.ClientCommunity}} {
		var lastRead, lastTotal int
		got, err := s.Members(ctx, c.community, func(read, total int) { lastRead, lastTotal = read, total })
		if err != nil {
			t.Fatalf("%s: %v", c.community, err)
		}
		want := site.Members(c.slug)
		wantSameMembers(t, got, want)
		if lastRead != len(want) || lastTotal != len(want) {
			t.Errorf("%s: progress ended at %d of %d, want %d of %d", c.community, lastRead, lastTotal, len(want), len(want))
		}
	}
	if n := site.SignIns(); n != 1 {
		t.Errorf("signed in %d times, want once for both communities", n)
	}
	return s, site
}

// TestMembers reads both communities exactly, from the pages' JSON and
// from the visible list, paged and scrolled.
func TestMembers(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts skooltest.Options
	}{
		{"JSONPaged", skooltest.Options{PageSize: 10}},
		{"JSONScroll", skooltest.Options{PageSize: 10, Scroll: true}},
		{"ListPaged", skooltest.Options{PageSize: 10, Layout: skooltest.ListOnly}},
		{"ListScroll", skooltest.Options{PageSize: 10, Layout: skooltest.ListOnly, Scroll: true}},
	} {
		t.Run(tc.name, func(t *testing.T) { readBoth(t, tc.opts) })
	}
}

// TestStealth: the browser Skool sees has a desktop user agent, English,
// a normal window and no navigator.webdriver.
func TestStealth(t *testing.T) {
	s, site := readBoth(t, skooltest.Options{})
	for _, ua := range site.UserAgents() {
		if strings.Contains(ua, "Headless") || !strings.Contains(ua, "Chrome/") {
			t.Fatalf("Skool saw the user agent %q", ua)
		}
	}
	type look struct {
		Webdriver     bool     `json:"webdriver"`
		Languages     []string `json:"languages"`
		Width, Height int
		UserAgent     string `json:"userAgent"`
	}
	got, err := eval[look](s.tab, 5*time.Second, `({webdriver: navigator.webdriver, languages: navigator.languages,
		Width: window.innerWidth, Height: window.innerHeight, userAgent: navigator.userAgent})`)
	if err != nil {
		t.Fatal(err)
	}
	if got.Webdriver || len(got.Languages) == 0 || got.Languages[0] != "en-US" || got.Width < 1200 || got.Height < 700 || strings.Contains(got.UserAgent, "Headless") {
		t.Errorf("the page sees %+v", got)
	}
}

// TestChallengeWaitedOut: the firewall's check takes seconds; the scraper
// waits for the sign-in form behind it.
func TestChallengeWaitedOut(t *testing.T) {
	start := time.Now()
	readBoth(t, skooltest.Options{ChallengeFor: 3 * time.Second})
	if took := time.Since(start); took < 3*time.Second {
		t.Errorf("done in %v: the challenge was not shown", took)
	}
}

// TestChallengeTooLong: a check longer than SKOOL_CHALLENGE_WAIT fails the
// step, naming the setting.
func TestChallengeTooLong(t *testing.T) {
	site := skooltest.Start(t, skooltest.Options{ChallengeFor: time.Minute})
	cfg := testConfig(site.URL)
	cfg.ChallengeWait = 1500 * time.Millisecond
	s := MustScraper(t, cfg, testOptions(t))
	_, err := s.Members(testContext(t, time.Minute), membership.Coaches, nil)
	var se *StepError
	if !errors.As(err, &se) || se.Step != "sign in: open the sign-in page" || !strings.Contains(se.Detail, "SKOOL_CHALLENGE_WAIT") {
		t.Fatalf("got %v, want a StepError of the firewall", err)
	}
	wantFiles(t, se)
}

// TestChangedLayout: after a redesign neither the JSON nor the list is
// where the selectors say; the error names the step and the saved files.
func TestChangedLayout(t *testing.T) {
	site := skooltest.Start(t, skooltest.Options{Layout: skooltest.Changed, PageSize: 10})
	opts := testOptions(t)
	opts.ElementWait = 3 * time.Second // the member list never comes
	s := MustScraper(t, testConfig(site.URL), opts)
	_, err := s.Members(testContext(t, time.Minute), membership.Coaches, nil)
	var se *StepError
	if !errors.As(err, &se) {
		t.Fatalf("got %v, want a StepError", err)
	}
	if se.Step != "find the member list of ultra" || !strings.Contains(se.Detail, ".member-row") {
		t.Errorf("step %q, detail %q", se.Step, se.Detail)
	}
	for _, want := range []string{se.Step, se.Screenshot, se.HTML} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the message %q does not name %q", err, want)
		}
	}
	wantFiles(t, se)
	if errors.Is(err, ErrChallenge) || errors.Is(err, ErrSignIn) {
		t.Errorf("a changed layout is reported as a sign-in problem: %v", err)
	}
}

// wantFiles checks that the screenshot and the page of a failed step were
// saved.
func wantFiles(t *testing.T, se *StepError) {
	t.Helper()
	png, err := os.ReadFile(se.Screenshot)
	if err != nil || len(png) < 8 || string(png[1:4]) != "PNG" {
		t.Errorf("screenshot %q: %v", se.Screenshot, err)
	}
	html, err := os.ReadFile(se.HTML)
	if err != nil || !strings.Contains(string(html), "<html") {
		t.Errorf("page %q: %v", se.HTML, err)
	}
}

// TestTwoFactor: a code sent by email needs a person: ErrChallenge, and
// no second try.
func TestTwoFactor(t *testing.T) {
	site := skooltest.Start(t, skooltest.Options{RequireTwoFactor: true})
	s := MustScraper(t, testConfig(site.URL), testOptions(t))
	ctx := testContext(t, time.Minute)
	_, err := s.Members(ctx, membership.Coaches, nil)
	var se *StepError
	if !errors.Is(err, ErrChallenge) || errors.As(err, &se) {
		t.Fatalf("got %v, want ErrChallenge", err)
	}
	if !strings.Contains(err.Error(), "one-time-code") {
		t.Errorf("the error does not say what the page asked: %v", err)
	}
	if _, err := s.Members(ctx, membership.Clients, nil); !errors.Is(err, ErrChallenge) {
		t.Fatalf("second community: %v, want ErrChallenge again", err)
	}
	if n := site.SignIns(); n != 1 {
		t.Errorf("signed in %d times, want once: a challenge is never retried", n)
	}
}

// TestWrongPassword: refused credentials give ErrSignIn, and no second
// try.
func TestWrongPassword(t *testing.T) {
	site := skooltest.Start(t, skooltest.Options{})
	cfg := testConfig(site.URL)
	cfg.Password = "wrong"
	s := MustScraper(t, cfg, testOptions(t))
	ctx := testContext(t, time.Minute)
	for _, c := range []membership.Community{membership.Coaches, membership.Clients} {
		if _, err := s.Members(ctx, c, nil); !errors.Is(err, ErrSignIn) || !strings.Contains(err.Error(), "Incorrect email or password") {
			t.Fatalf("%s: got %v, want ErrSignIn with Skool's message", c, err)
		}
	}
	if n := site.SignIns(); n != 1 {
		t.Errorf("signed in %d times, want once: a refusal is never retried", n)
	}
}

// TestProfileKept: the next run, on the same profile, is still signed in.
func TestProfileKept(t *testing.T) {
	site := skooltest.Start(t, skooltest.Options{})
	opts := testOptions(t)
	ctx := testContext(t, time.Minute)
	first := MustScraper(t, testConfig(site.URL), opts)
	if _, err := first.Members(ctx, membership.Coaches, nil); err != nil {
		t.Fatal(err)
	}
	first.Close()
	second := MustScraper(t, testConfig(site.URL), opts)
	got, err := second.Members(ctx, membership.Clients, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantSameMembers(t, got, site.Members(skooltest.ClientCommunity))
	if n := site.SignIns(); n != 1 {
		t.Errorf("signed in %d times, want once: the profile keeps the session", n)
	}
}

// TestFiveThousand reads 5,000 members per community, paged as Skool
// pages them, and logs how long it takes.
func TestFiveThousand(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 5,000 members per community")
	}
	members := map[string][]membership.Member{
		skooltest.CoachCommunity:  skooltest.Generate(skooltest.CoachCommunity, 5000),
		skooltest.ClientCommunity: skooltest.Generate(skooltest.ClientCommunity, 5000),
	}
	start := time.Now()
	readBoth(t, skooltest.Options{Members: members, PageSize: 30})
	took := time.Since(start)
	t.Logf("read 2 × 5,000 members (pages of 30) in %v", took.Round(time.Millisecond))
	if took > time.Minute {
		t.Errorf("reading 2 × 5,000 members took %v, want under a minute", took)
	}
}

// TestChangedLayoutOneEdit: the same redesign is followed by editing the
// selectors file alone (SKOOL_SELECTORS).
func TestChangedLayoutOneEdit(t *testing.T) {
	sel, err := LoadSelectors("")
	if err != nil {
		t.Fatal(err)
	}
	m := &sel.Members
	m.FirstPage = DataPage{List: "props.pageProps.community.roster.entries", Total: "props.pageProps.community.roster.count", More: "props.pageProps.community.roster.next"}
	m.API = DataPage{URL: "/api/v2/communities/{community}/roster?page={page}", List: "roster.entries", Total: "roster.count", More: "roster.next"}
	m.Fields = MemberFields{Name: "profile.displayName", Email: "profile.contact.primaryEmail", Status: "membership.state",
		Joined: "membership.since", AccessEnds: "membership.paidThrough"}
	path := filepath.Join(t.TempDir(), "selectors.json")
	b, err := json.Marshal(sel)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	site := skooltest.Start(t, skooltest.Options{Layout: skooltest.Changed, PageSize: 10})
	cfg := testConfig(site.URL)
	cfg.Selectors = path
	s := MustScraper(t, cfg, testOptions(t))
	got, err := s.Members(testContext(t, time.Minute), membership.Clients, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantSameMembers(t, got, site.Members(skooltest.ClientCommunity))
}

// TestCancelled: a caller that gives up (here while the firewall checks
// the browser) gets its reason, and the browser serves the next call.
func TestCancelled(t *testing.T) {
	site := skooltest.Start(t, skooltest.Options{ChallengeFor: 2 * time.Second})
	s := MustScraper(t, testConfig(site.URL), testOptions(t))
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := s.Members(ctx, membership.Coaches, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want context.DeadlineExceeded", err)
	}
	t.Logf("gave up: %v", err)
	got, err := s.Members(testContext(t, time.Minute), membership.Coaches, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantSameMembers(t, got, site.Members(skooltest.CoachCommunity))
}

// TestVisibleNeedsDisplay: SKOOL_HEADLESS=false without a display says so.
func TestVisibleNeedsDisplay(t *testing.T) {
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	cfg := testConfig("http://127.0.0.1:1")
	cfg.Headless = false
	s := MustScraper(t, cfg, testOptions(t))
	_, err := s.Members(testContext(t, time.Minute), membership.Coaches, nil)
	if err == nil || !strings.Contains(err.Error(), "SKOOL_HEADLESS=false") {
		t.Fatalf("got %v, want an error about the display", err)
	}
}

// TestLaunchUserAgent: Chromium starts with a windowed user agent of its own
// version, so that requests the tab's override misses do not say Headless.
func TestLaunchUserAgent(t *testing.T) {
	ua := launchUserAgent(skooltest.Chromium(t))
	if !strings.Contains(ua, "Chrome/") || strings.Contains(ua, "Headless") || strings.Contains(ua, "Chrome/140.0.0.0") {
		t.Errorf("launch user agent %q", ua)
	}
	if launchUserAgent("/nonexistent/chromium") != "" {
		t.Error("a user agent without a browser")
	}
}

// TestInterruptedNavigation: navigate tries again after an aborted load and
// a tab between documents, and not after any other failure.
func TestInterruptedNavigation(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&chromedp.LoadError{ErrorText: "net::ERR_ABORTED"}, true},
		{fmt.Errorf("navigate: %w", &cdproto.Error{Code: -32000, Message: "Not attached to an active page"}), true},
		{&chromedp.LoadError{ErrorText: "net::ERR_CONNECTION_REFUSED"}, false},
		{&cdproto.Error{Code: -32000, Message: "Cannot navigate to invalid URL"}, false},
		{context.DeadlineExceeded, false},
	} {
		if got := interrupted(c.err); got != c.want {
			t.Errorf("interrupted(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
