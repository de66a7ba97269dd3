package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"rapport/internal/config"
	"rapport/internal/mail/mailtest"
	"rapport/internal/membership/skool/skooltest"
	"rapport/internal/server"
	"rapport/internal/server/servertest"
	"rapport/internal/store/storetest"
)

// devToken opens the developer sign-in of the servers the tests start.
const devToken = servertest.DevToken

// e2eLimit bounds one browser test's run, only to stop one that hangs:
// alone each takes 4-60 s; they run two at a time on two cores, where one
// took 200 s beside other builds and tests.
const e2eLimit = 5 * time.Minute

// stepLimit bounds one step in a browser (a click, a page load, a script),
// only to stop one that hangs: the test then fails at that step, with the
// page's state, rather than at e2eLimit without either.
const stepLimit = time.Minute

// TestE2E drives the real server with headless Chromium, on SQLite (the
// store, domain and web tests run every query on PostgreSQL too; the
// browser's journey does not depend on the database): a coach signs in, invites a client and books a session; the
// client signs in and finds it; another client cannot open it; an admin sees
// the users; then coach and client meet in a live room (e2e_room_test.go),
// over WebSockets and again over long polling. Every page is checked for
// console errors (CSP violations included), for its stylesheet, and for times
// that app.js localized, and is saved as a screenshot under
// test-artifacts/<dialect>/.
func TestE2E(t *testing.T) {
	t.Parallel()
	chromium := skooltest.Chromium(t)
	t.Run("sqlite", func(t *testing.T) { runE2E(t, chromium, "sqlite") })
}

func runE2E(t *testing.T, chromium, dialect string) {
	ctx, cancel := context.WithTimeout(context.Background(), e2eLimit)
	defer cancel()
	// The practice's emails go to Mailpit, which every test run on the
	// machine shares: the coach and the client have addresses of this
	// run's own.
	mp := mailtest.MustMailpit(t)
	coachEmail, clientEmail := mailtest.Recipient("coach"), mailtest.Recipient("cleo")
	smtpHost, smtpPort, _ := net.SplitHostPort(mp.SMTP)
	base := startServer(t, dialect, "SMTP_HOST", smtpHost, "SMTP_PORT", smtpPort, "MAIL_FROM", "hello@rapport.test",
		"PRACTICE_NAME", "Bright Path")
	shots := newShooter(t, dialect)
	browser := startBrowser(t, ctx, chromium)

	// The coach: sign in through the start page, invite a client, book.
	coach := newPerson(t, browser, base, "coach", "Europe/Berlin", shots)
	coach.signIn(coachEmail, "Carla Coach", "coach", true)
	coach.shot("dashboard-coach")
	coach.wantText("h1", "Hello, Carla Coach")

	coach.open("/clients", 200)
	coach.do(chromedp.SendKeys(chromedp.CSS("form[action='/clients'] #email"), clientEmail),
		chromedp.SendKeys(chromedp.CSS("form[action='/clients'] #name"), "Cleo Client"))
	coach.click("form[action='/clients'] button[type=submit]", 200)
	coach.wantPath("/clients")
	coach.wantText(".flash", "Invitation sent.")
	coach.wantText("table.invitations tbody", "Cleo Client")
	coach.wantText("table.invitations tbody", clientEmail)
	coach.shot("clients")

	// The client, in a browser context of their own, accepts the invitation
	// on their dashboard: only then is she the coach's to book.
	client := newPerson(t, browser, base, "client", "America/New_York", shots)
	client.signIn(clientEmail, "", "client", false)
	client.wantText(".invitation", "Carla Coach ("+coachEmail+") invites you to work with them")
	client.shot("invitation")
	client.click(".invitation form[action$='/accept'] button[type=submit]", 200)
	client.wantPath("/dashboard")
	client.wantText(".flash", "Invitation accepted.")
	client.wantText("ul.people", "Carla Coach")

	coach.open("/appointments/new", 200)
	coach.shot("appointment-new")
	clientID := eval[string](coach, `[...document.querySelectorAll("#client_id option")].find(o => o.textContent.includes(`+jsString(clientEmail)+`))?.value ?? ""`)
	if clientID == "" {
		t.Fatal("the booking form does not offer the invited client")
	}
	if tz := eval[string](coach, `document.querySelector("input[name=tz]").value`); tz != "Europe/Berlin" {
		t.Errorf("the booking form's time zone is %q, want the browser's, Europe/Berlin", tz)
	}
	// datetime-local is typed differently in every locale: set its value
	// from the browser's own clock and zone, two days ahead on the hour.
	startISO := eval[string](coach, `(() => {
		const d = new Date(Date.now() + 2*24*3600*1000);
		d.setMinutes(0, 0, 0);
		const p = n => String(n).padStart(2, "0");
		document.querySelector("#starts_at").value =
			d.getFullYear() + "-" + p(d.getMonth()+1) + "-" + p(d.getDate()) + "T" + p(d.getHours()) + ":00";
		return d.toISOString();
	})()`)
	const title = "Career strategy session"
	coach.do(chromedp.SetValue(chromedp.ID("client_id"), clientID),
		chromedp.SendKeys(chromedp.ID("title"), title),
		chromedp.SetValue(chromedp.ID("duration_minutes"), "5"),
		chromedp.SendKeys(chromedp.ID("notes"), "Bring last year's review."))
	// A duration the service refuses: the form comes back with the error
	// next to the field and everything typed still there.
	coach.click("form.form button[type=submit]", 400)
	coach.expectFailed(base + "/appointments")
	coach.wantText("#duration_minutes ~ .field-error", "between 15 and 240")
	if v := coach.value("#title"); v != title {
		t.Errorf("after a refused booking the title is %q, want %q", v, title)
	}
	if v := coach.value("#notes"); v != "Bring last year's review." {
		t.Errorf("after a refused booking the notes are %q", v)
	}
	if v := coach.value("#client_id"); v != clientID {
		t.Errorf("after a refused booking the client is %q, want %q", v, clientID)
	}
	if v := eval[bool](coach, `document.querySelector("#duration_minutes").getAttribute("aria-invalid") === "true"`); !v {
		t.Error("the refused duration field is not marked aria-invalid")
	}
	coach.shot("appointment-form-error")
	coach.do(chromedp.SetValue(chromedp.ID("duration_minutes"), "45"))
	coach.click("form.form button[type=submit]", 200)
	apptPath := coach.path()
	if !regexp.MustCompile(`^/appointments/\d+$`).MatchString(apptPath) {
		t.Fatalf("after booking the browser is at %s, want /appointments/{id}", apptPath)
	}
	coach.wantText("h1", title)
	coach.wantText(".flash", "Appointment booked.")
	coach.wantText("dl.facts", "Cleo Client")
	coach.wantText("dl.facts", "45 min")
	if got := eval[string](coach, `document.querySelector("dl.facts time").getAttribute("datetime")`); !sameInstant(got, startISO) {
		t.Errorf("the appointment starts at %s, want %s (the time typed in Europe/Berlin)", got, startISO)
	}
	coach.shot("appointment")

	// The room ID comes from the JSON API, with the browser's session.
	roomURL := eval[string](coach, `fetch("/api/v1`+apptPath+`", {headers: {Accept: "application/json"}}).then(r => r.json()).then(a => a.room_url)`, chromedp.EvalAwaitPromise)
	if !strings.HasPrefix(roomURL, "/rooms/") {
		t.Fatalf("the API gives the room URL %q", roomURL)
	}

	coach.open("/appointments", 200)
	coach.wantText("ul.appts", title)
	coach.shot("appointments")
	coach.open(roomURL, 200)
	coach.wantText(".room h1", title)
	coach.wantText(".stage", "Cleo Client")
	coach.shot("room")

	// The client again, on her dashboard.
	client.open("/dashboard", 200)
	client.wantText("h1", "Hello, Cleo Client")
	client.wantUpcoming(title)
	client.wantText(".next", title)
	client.shot("dashboard-client")
	client.open(apptPath, 200)
	client.wantText("h1", title)
	client.wantText("dl.facts", "Carla Coach")
	client.shot("appointment-client")
	client.open("/profile", 200)
	client.wantText("h1", "Your profile")
	client.shot("profile")

	// The dashboard on a phone.
	client.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	client.open("/dashboard", 200)
	if w := eval[int](client, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("on a 390 px wide phone the dashboard is %d px wide (it scrolls sideways)", w)
	}
	client.shot("dashboard-phone")
	client.desktop()

	// Another client does not see the appointment exist.
	other := newPerson(t, browser, base, "other", "", shots)
	other.signIn("olga@example.com", "Olga Other", "client", false)
	other.open(apptPath, 404)
	other.expectFailed(base + apptPath)
	other.wantText(".big-status", "404")
	other.shot("not-found")
	other.open(roomURL, 404)
	other.expectFailed(base + roomURL)

	// An admin manages the users.
	admin := newPerson(t, browser, base, "admin", "", shots)
	admin.signIn("ada@example.com", "Ada Admin", "admin", false)
	admin.open("/users", 200)
	for _, email := range []string{"ada@example.com", coachEmail, clientEmail, "olga@example.com"} {
		admin.wantText("table.table tbody", email)
	}
	admin.shot("users")
	// A role changes only once the admin confirms it: Keep puts it back.
	coaches := `document.querySelectorAll("select[data-current=coach]").length`
	before := eval[int](admin, coaches)
	eval[bool](admin, `(() => { const s = document.querySelector("select[data-current=client]"); s.value = "coach"; return s.dispatchEvent(new Event("change")); })()`)
	admin.waitFor(`!document.querySelector("select[data-current=client] ~ .confirm-role").hidden`)
	admin.wantText(`select[data-current=client] ~ .confirm-role`, "a coach?")
	admin.shot("users-confirm-role")
	admin.do(chromedp.Click(chromedp.CSS(`select[data-current=client] ~ .confirm-role [data-confirm-cancel]`), chromedp.NodeVisible))
	admin.waitFor(`document.querySelector("select[data-current=client] ~ .confirm-role").hidden`)
	admin.open("/users", 200)
	if after := eval[int](admin, coaches); after != before {
		t.Errorf("choosing a role and Keep changed it: %d coaches, then %d", before, after)
	}
	// Your devices: this browser, marked.
	admin.open("/account/devices", 200)
	admin.wantText(".devices", "This device")
	admin.shot("devices")

	// A live room: the coach and the client meet, chat, and see the same timer.
	proxied := roomE2E(browser, coach, client, clientID)

	// Self-booking: the coach's availability and a session type; the client books.
	selfBookingE2E(coach, client, mp)

	for _, p := range []*person{coach, client, other, admin, proxied} {
		p.checkConsole()
	}
}

// startServer runs server.Main on a free loopback port with a fresh database and
// the real defaults of every other setting (but extra); it returns the base
// URL.
func startServer(t *testing.T, dialect string, extra ...string) string {
	t.Helper()
	env := map[string]string{"HOST": "127.0.0.1", "PORT": "0", "RAPPORT_DATA_DIR": t.TempDir()}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	if dialect == "postgres" {
		env["DATABASE_URL"] = storetest.URL(t, "postgres")
	}
	m := runMain(t, env)
	if got := m.DB.Dialect.Name(); got != dialect {
		t.Fatalf("the server opened %s, want %s", got, dialect)
	}
	return m.URL()
}

// runMain runs server.Main with the settings env, stopped (and its logged
// errors failing the test) when the test ends.
func runMain(t *testing.T, env map[string]string) *server.Main {
	t.Helper()
	cfg, err := config.Load(func(name string) (string, bool) { v, ok := env[name]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	logs := &serverLog{t: t}
	m := &server.Main{Config: cfg, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})), DevToken: devToken}
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		t.Fatalf("start the server: %v", err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close the server: %v", err)
		}
		if errs := logs.errors(); len(errs) > 0 {
			t.Errorf("the server logged errors:\n%s", strings.Join(errs, "\n"))
		}
	})
	return m
}

// serverLog passes the server's warnings to the test log and keeps its
// errors, which fail the test.
type serverLog struct {
	t    *testing.T
	mu   sync.Mutex
	errs []string
}

func (l *serverLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for line := range strings.Lines(string(p)) {
		if strings.Contains(line, "level=ERROR") {
			l.errs = append(l.errs, strings.TrimSpace(line))
		}
	}
	return l.t.Output().Write(p)
}

func (l *serverLog) errors() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.errs
}

// startBrowser starts one headless Chromium with an empty profile; each
// person gets a browser context of their own in it (their own cookies).
// Extra flags are name, value pairs.
func startBrowser(t *testing.T, ctx context.Context, chromium string, extra ...string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Headless,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("lang", "en-US"),
		// Calls: a fake camera (a test pattern) and microphone (a beep),
		// permission prompts answered yes, sound without a gesture, and
		// ICE candidates on loopback (the only network a test machine has).
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("auto-select-desktop-capture-source", "Entire screen"),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.Flag("allow-loopback-in-peer-connection", true),
		chromedp.Flag("disable-features", "Translate,WebRtcHideLocalIpsWithMdns"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	for i := 0; i+1 < len(extra); i += 2 {
		opts = append(opts, chromedp.Flag(extra[i], extra[i+1]))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	browser, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return browser
}

// shooter saves numbered full-page screenshots into test-artifacts/<name>.
type shooter struct {
	dir string
	n   int
}

// shotDirs maps each screenshot directory to the test that writes it: the
// tests run in parallel, and one would empty and renumber another's.
var shotDirs sync.Map

// newShooter empties test-artifacts/<name> for t's screenshots; name is
// t's alone.
func newShooter(t *testing.T, name string) *shooter {
	t.Helper()
	dir := filepath.Join("..", "..", "test-artifacts", name)
	if owner, taken := shotDirs.LoadOrStore(dir, t.Name()); taken && owner != t.Name() {
		t.Fatalf("the screenshots of %s go to %s too", owner, dir)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &shooter{dir: dir}
}

// person is one signed-in browser context.
type person struct {
	t     *testing.T
	name  string
	ctx   context.Context
	base  string
	zone  string // the browser's time zone; "" for the machine's
	email string // whom signIn signed in
	shots *shooter

	mu       sync.Mutex
	problems []consoleProblem
	expected map[string]bool // URLs of pages meant to answer 4xx
	excused  []string        // texts of console entries meant to happen
	// tracedFrames: the page's own VideoFrames are followed (traceFrames),
	// so Chromium's warning, which names none, is left to the tracer.
	tracedFrames bool
}

type consoleProblem struct{ source, url, text string }

// newPerson opens a browser context of its own; opts can give it a proxy.
func newPerson(t *testing.T, browser context.Context, base, name, zone string, shots *shooter, opts ...chromedp.CreateBrowserContextOption) *person {
	t.Helper()
	p := &person{t: t, name: name, base: base, zone: zone, shots: shots, expected: map[string]bool{}}
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext(opts...), chromedp.WithListener(p.listen))
	t.Cleanup(cancel)
	p.ctx = ctx
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("%s: open a tab: %v", name, err)
	}
	if zone != "" {
		if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: zone}); err != nil {
			t.Fatalf("%s: set the time zone: %v", name, err)
		}
	}
	return p
}

// listen keeps console errors and warnings, uncaught exceptions, and
// browser log entries (CSP violations, failed loads) of the tab.
func (p *person) listen(ev any) {
	var pr consoleProblem
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeWarning &&
			ev.Type != runtime.ConsoleAPICalledTypeAssert {
			return
		}
		var args []string
		for _, a := range ev.Args {
			if len(a.Value) > 0 {
				args = append(args, string(a.Value))
			} else {
				args = append(args, a.Description)
			}
		}
		pr = consoleProblem{source: "console." + string(ev.Type), text: strings.Join(args, " ")}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil {
			text += " " + d.Exception.Description
		}
		pr = consoleProblem{source: "exception", url: d.URL, text: text}
	case *cdplog.EventEntryAdded:
		e := ev.Entry
		if e.Level != cdplog.EntryLevelError && e.Level != cdplog.EntryLevelWarning {
			return
		}
		pr = consoleProblem{source: string(e.Source), url: e.URL, text: e.Text}
	default:
		return
	}
	p.mu.Lock()
	p.problems = append(p.problems, pr)
	p.mu.Unlock()
}

// expectFailed says that url answered 4xx on purpose: the browser's
// "failed to load resource" entry for it is no problem.
func (p *person) expectFailed(url string) {
	p.mu.Lock()
	p.expected[url] = true
	p.mu.Unlock()
}

// expectConsole says that network entries containing text are meant to
// happen (a WebSocket that a proxy refuses, say).
func (p *person) expectConsole(text string) {
	p.mu.Lock()
	p.excused = append(p.excused, text)
	p.mu.Unlock()
}

func (p *person) checkConsole() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pr := range p.problems {
		if pr.source == string(cdplog.EntrySourceNetwork) && p.expected[pr.url] {
			continue
		}
		if pr.source == string(cdplog.EntrySourceNetwork) && slices.ContainsFunc(p.excused, func(s string) bool { return strings.Contains(pr.text, s) }) {
			continue
		}
		if p.tracedFrames && strings.HasPrefix(pr.text, chromiumFrameWarning) {
			continue
		}
		p.t.Errorf("%s: browser console: %s: %s (%s)", p.name, pr.source, pr.text, pr.url)
	}
}

func (p *person) fatalf(format string, args ...any) {
	p.t.Helper()
	p.t.Fatalf("%s at %s: %s", p.name, p.path(), fmt.Sprintf(format, args...))
}

// step is the context of one step in p's tab, bounded by stepLimit.
func (p *person) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(p.ctx, stepLimit)
}

func (p *person) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := p.step()
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.fatalf("%v\nthe page: %s", err, p.state())
	}
}

func eval[T any](p *person, js string, opts ...chromedp.EvaluateOption) T {
	p.t.Helper()
	ctx, cancel := p.step()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, opts...))
	if err != nil {
		p.fatalf("evaluate %.60q: %v", js, err)
	}
	return v
}

// open loads path and checks the status of the page and the page itself.
func (p *person) open(path string, status int64) {
	p.t.Helper()
	ctx, cancel := p.step()
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(p.base+path))
	p.loaded(resp, err, "open "+path, status)
}

// click clicks sel, waits for the page it leads to, and checks it.
func (p *person) click(sel string, status int64) {
	p.t.Helper()
	ctx, cancel := p.step()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	p.loaded(resp, err, "click "+sel, status)
}

func (p *person) loaded(resp *network.Response, err error, what string, status int64) {
	p.t.Helper()
	if err != nil {
		p.fatalf("%s: %v", what, err)
	}
	if resp == nil {
		p.fatalf("%s: no response", what)
	}
	if resp.Status != status {
		body := eval[string](p, `document.body ? document.body.innerText : ""`)
		p.fatalf("%s: status %d, want %d; the page says:\n%s", what, resp.Status, status, body)
	}
	p.checkPage()
}

// checkPage checks that the stylesheet applies and that app.js rewrote
// every <time> into the browser's time zone.
func (p *person) checkPage() {
	p.t.Helper()
	styled := eval[bool](p, `[...document.styleSheets].some(s => s.href && s.href.endsWith("/static/app.css") && s.cssRules.length > 0)`)
	if !styled {
		p.fatalf("the page has no /static/app.css")
	}
	type timeEl struct {
		Datetime, Format, Text, Title string
	}
	times := eval[[]timeEl](p, `[...document.querySelectorAll("time")].map(e => ({
		datetime: e.getAttribute("datetime") || "", format: e.dataset.format || "", text: e.textContent.trim(), title: e.title}))`)
	for _, te := range times {
		at, err := time.Parse(time.RFC3339, te.Datetime)
		switch {
		case err != nil:
			p.t.Errorf("%s at %s: <time datetime=%q>: %v", p.name, p.path(), te.Datetime, err)
		case te.Text == "":
			p.t.Errorf("%s at %s: <time datetime=%q> is empty", p.name, p.path(), te.Datetime)
		case !sameInstant(te.Title, te.Datetime):
			// app.js sets the title to the ISO time when it rewrites the text.
			p.t.Errorf("%s at %s: <time datetime=%q> was not localized by app.js (title %q, text %q)",
				p.name, p.path(), te.Datetime, te.Title, te.Text)
		case p.zone != "" && te.Format != "date" && te.Text == serverTimeText(at, te.Format):
			p.t.Errorf("%s at %s: <time datetime=%q> still shows the server's UTC text %q in %s",
				p.name, p.path(), te.Datetime, te.Text, p.zone)
		}
	}
}

// serverTimeText is the text the server writes into a <time> (render.go).
func serverTimeText(t time.Time, format string) string {
	layout := map[string]string{"date": "Mon 2 Jan 2006", "time": "15:04"}[format]
	if layout == "" {
		layout = "Mon 2 Jan 2006, 15:04 MST"
	}
	return t.UTC().Format(layout)
}

func sameInstant(a, b string) bool {
	ta, err1 := time.Parse(time.RFC3339, a)
	tb, err2 := time.Parse(time.RFC3339, b)
	return err1 == nil && err2 == nil && ta.Equal(tb)
}

func (p *person) path() string {
	ctx, cancel := p.step()
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "?"
	}
	u, err := url.Parse(loc)
	if err != nil {
		return loc
	}
	return u.Path
}

func (p *person) wantPath(want string) {
	p.t.Helper()
	if got := p.path(); got != want {
		p.fatalf("the browser is at %s, want %s", got, want)
	}
}

// wantText checks that the first element sel matches contains text (any
// text when text is "").
func (p *person) wantText(sel, text string) {
	p.t.Helper()
	got := eval[*string](p, `document.querySelector(`+jsString(sel)+`)?.innerText ?? null`)
	switch {
	case got == nil:
		p.t.Errorf("%s at %s: nothing matches %s", p.name, p.path(), sel)
	case strings.TrimSpace(*got) == "" || !strings.Contains(*got, text):
		p.t.Errorf("%s at %s: %s says %q, want %q in it", p.name, p.path(), sel, *got, text)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// wantUpcoming checks the dashboard lists title under "Upcoming".
func (p *person) wantUpcoming(title string) {
	p.t.Helper()
	got := eval[string](p, `[...document.querySelectorAll("section.card")].find(s => s.querySelector("h2")?.textContent.trim() === "Upcoming")?.innerText ?? "(no Upcoming section)"`)
	if !strings.Contains(got, title) {
		p.t.Errorf("%s: the dashboard's Upcoming says %q, want %q in it", p.name, got, title)
	}
}

// desktop ends a phone emulation. (chromedp.ResetViewport leaves the page
// at the phone's width: it overrides the metrics with zeros rather than
// clearing them.)
func (p *person) desktop() {
	p.t.Helper()
	p.do(chromedp.EmulateViewport(0, 0)) // touch emulation off too
	if _, err := chromedp.Call(p.ctx, emulation.ClearDeviceMetricsOverride, cdp.Empty{}); err != nil {
		p.fatalf("clear the phone emulation: %v", err)
	}
}

func (p *person) value(sel string) string {
	p.t.Helper()
	ctx, cancel := p.step()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		p.fatalf("read the value of %s: %v", sel, err)
	}
	return v
}

func (p *person) shot(name string) {
	p.t.Helper()
	ctx, cancel := p.step()
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.fatalf("screenshot %s: %v", name, err)
	}
	p.shots.n++
	file := filepath.Join(p.shots.dir, fmt.Sprintf("%02d-%s.png", p.shots.n, name))
	if err := os.WriteFile(file, buf, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// signIn signs in with the dev sign-in: through the start page and the
// sign-in page when first is set (with screenshots), else straight away.
func (p *person) signIn(email, name, role string, first bool) {
	p.t.Helper()
	if first {
		// The developer opens the link serve printed first, as its log says.
		p.open("/auth/dev?token="+devToken, 200)
		p.wantPath("/auth/dev")
		p.open("/", 200)
		p.wantPath("/signin")
		p.wantText("h1", "Welcome to Rapport")
		p.shot("signin")
		p.click("a[href^='/auth/dev']", 200)
		p.wantPath("/auth/dev")
		p.shot("dev-signin")
	} else {
		p.open("/auth/dev?token="+devToken, 200)
	}
	p.do(chromedp.SendKeys(chromedp.ID("email"), email))
	if name != "" {
		p.do(chromedp.SendKeys(chromedp.ID("name"), name))
	}
	p.do(chromedp.SetValue(chromedp.ID("role"), role))
	p.click("form[action='/auth/dev'] button[type=submit]", 200)
	p.wantPath("/dashboard")
	if got := eval[string](p, `document.querySelector(".me .badge")?.textContent ?? ""`); got != role {
		p.fatalf("signed in with the role %q, want %q", got, role)
	}
	p.email = email
}
