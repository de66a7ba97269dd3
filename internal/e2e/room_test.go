package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// roomE2E drives a live room with the coach and the client of runE2E: a
// session booked to start in a few minutes (so that its room is open), the
// dashboard notice when the coach enters first, both in the room over
// WebSockets with the same timer and a chat both ways, and then the same
// again with the client's WebSocket blocked in the browser, so that the page
// falls back to long polling by itself.
func roomE2E(browser context.Context, coach, client *person, clientID string) *person {
	t := coach.t
	t.Helper()
	coachID := eval[string](coach, `document.body.dataset.user || ""`)
	if coachID == "" || clientID == "" {
		t.Fatalf("the layout does not mark the signed-in user (coach %q, client %q)", coachID, clientID)
	}

	const title = "Quick check-in"
	roomURL := bookSoon(coach, clientID, title)

	for _, p := range []*person{coach, client} {
		// Both tabs count as focused, as two windows side by side would:
		// the unread marker then depends on the chat panel only.
		if _, err := chromedp.Call(p.ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
			t.Fatalf("%s: emulate focus: %v", p.name, err)
		}
	}

	// The client has the dashboard open (and has clicked on it: browsers
	// play sound only after a gesture) when the coach enters the room.
	client.open("/dashboard", 200)
	client.wantText(".next", title)
	client.waitFor(`document.body.dataset.events === "open"`)
	client.do(chromedp.Click(chromedp.CSS("main h1")))

	coach.open(roomURL, 200)
	coach.waitFor(`document.body.dataset.transport === "websocket" && document.querySelector("[data-stage]").dataset.call === "waiting"`)
	coach.wantText("[data-stage-msg]", "Waiting for Cleo Client")
	coach.wantText("[data-stage-msg]", "has Rapport open")
	coach.wantText(".conn", "Connected")
	coach.wantText(`.person[data-user-id="`+clientID+`"][data-present="false"]`, "Cleo Client")
	coach.wantText("[data-timer]", "starts when Cleo Client joins")
	coach.waitFor(apart(".tile-self", "[data-setup-check]"))
	coach.shot("room-coach-waiting")

	client.waitFor(`!!document.querySelector(".toast[data-room-id]")`)
	client.wantText(".toast", "Carla Coach is waiting in your room")
	client.wantText(".toast", title)
	if href := eval[string](client, `document.querySelector(".toast a").getAttribute("href")`); href != roomURL {
		t.Errorf("the toast's Join link goes to %q, want %q", href, roomURL)
	}
	if chime := eval[string](client, `document.body.dataset.chime || ""`); chime != "played" {
		t.Errorf("the notice's chime: %q, want played", chime)
	}
	client.waitFor(`document.getAnimations().length === 0`) // the toast has slid in
	client.shot("dashboard-room-waiting")
	client.click(".toast a", 200)
	client.wantPath(roomURL)

	// Both in the room over WebSockets: each sees the other, and the same timer.
	for _, p := range []*person{coach, client} {
		p.waitFor(together("websocket"))
		p.waitFor(`!!document.querySelector("[data-timer]").dataset.startedAt`)
	}
	coach.wantText(`.person[data-user-id="`+clientID+`"][data-present="true"]`, "Here")
	client.wantText(`.person[data-user-id="`+coachID+`"][data-present="true"]`, "Here")
	client.wantText(`.tile[data-user-id="`+coachID+`"]`, "Carla Coach")
	sameTimer(coach, client)

	// The chat, both ways: a link becomes a link, HTML stays text.
	const hello = "Welcome, Cleo! The notes are at https://example.com/notes?id=7."
	const html = "<b>html</b> stays <i>text</i> & so on"
	coach.say(hello)
	client.wantMessage(hello, "Carla Coach")
	// While the client types, the coach sees it.
	client.do(chromedp.SendKeys(chromedp.CSS("#chat-input"), html))
	coach.waitFor(`document.querySelector("[data-typing]").textContent === "Cleo Client is typing…"`)
	client.pressEnter()
	client.waitAcked(html)
	coach.wantMessage(html, "Cleo Client")
	coach.waitFor(`document.querySelector("[data-typing]").textContent === ""`)
	link := eval[map[string]string](client, `(() => {
		const a = [...document.querySelectorAll(".msg-theirs .msg-body a")].at(-1);
		return a ? {href: a.getAttribute("href"), text: a.textContent, rel: a.rel, target: a.target} : {};
	})()`)
	if link["href"] != "https://example.com/notes?id=7" || link["text"] != "https://example.com/notes?id=7" ||
		link["rel"] != "noopener noreferrer nofollow" || link["target"] != "_blank" {
		t.Errorf("the link in the coach's message renders as %v", link)
	}
	if n := eval[int](coach, `document.querySelectorAll(".chat-log b, .chat-log i").length`); n != 0 {
		t.Errorf("the coach's chat has %d <b>/<i> elements: a message was rendered as HTML", n)
	}
	// A message of two lines: Shift+Enter breaks the line, Enter sends.
	client.do(chromedp.Focus(chromedp.CSS("#chat-input")))
	client.do(chromedp.KeyEvent("Two lines:"), chromedp.KeyEvent("\r", chromedp.KeyModifiers(chromedp.ModifierShift)),
		chromedp.KeyEvent("the second one"))
	client.pressEnter()
	coach.wantMessage("Two lines:\nthe second one", "Cleo Client")

	// The unread marker: the client hides the chat and the coach writes.
	if n := eval[string](coach, `document.querySelector("[data-chat]").dataset.unread`); n != "0" {
		t.Errorf("the coach, chat in view, has %s unread messages", n)
	}
	client.do(chromedp.Click(chromedp.CSS("[data-chat-toggle]")))
	client.waitFor(`document.querySelector("[data-chat]").dataset.open === "false"`)
	const ping = "Are you still there?"
	coach.say(ping)
	client.waitFor(`document.querySelector("[data-chat]").dataset.unread === "1"`)
	client.wantText("[data-unread]", "1 new")
	if title := eval[string](client, `document.title`); !strings.HasPrefix(title, "(1) ") {
		t.Errorf("with one unread message the client's title is %q", title)
	}
	client.do(chromedp.Click(chromedp.CSS("[data-chat-toggle]")))
	client.waitFor(`document.querySelector("[data-chat]").dataset.unread === "0"`)
	if ok := eval[bool](client, `document.querySelector(".chat-marker")?.nextElementSibling?.querySelector(".msg-body")?.textContent === `+jsString(ping)); !ok {
		t.Error("the client's chat has no 'New messages' marker before the message that came while it was hidden")
	}
	client.wantMessage(ping, "Carla Coach")
	client.say("Yes! Here.")
	coach.wantMessage("Yes! Here.", "Cleo Client")
	coach.shot("room-coach")
	client.shot("room-client")
	dark := func(p *person, on bool) {
		var features []*emulation.MediaFeature
		if on {
			features = []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}
		}
		if _, err := chromedp.Call(p.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: features}); err != nil {
			p.fatalf("emulate the color scheme: %v", err)
		}
	}
	dark(coach, true)
	coach.shot("room-coach-dark")
	dark(coach, false)

	// The coach opens the room in a second tab: it takes over, and the
	// first tab says so and does not reconnect; the client sees no change.
	tab := coach.newTab("coach-second-tab")
	tab.open(roomURL, 200)
	tab.waitFor(together("websocket"))
	coach.waitFor(`document.body.dataset.roomState === "replaced"`)
	coach.wantText("[data-stage-msg]", "another tab")
	client.wantText(`.person[data-user-id="`+coachID+`"]`, "Here")
	tab.checkConsole()
	tab.close()
	client.waitFor(`document.querySelector("[data-stage]").dataset.call === "waiting"`)
	client.wantText("[data-stage-msg]", "Carla Coach lost their connection")
	coach.do(chromedp.Click(chromedp.CSS("[data-rejoin]")))
	for _, p := range []*person{coach, client} {
		p.waitFor(together("websocket"))
	}
	sameTimer(coach, client)
	coach.say("Back in the first tab.")
	client.wantMessage("Back in the first tab.", "Carla Coach")

	// On a phone: one column, the chat below the stage, nothing sideways.
	client.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	client.waitFor(`document.querySelector("[data-chat]").getBoundingClientRect().top >= document.querySelector("[data-stage]").getBoundingClientRect().bottom`)
	if w := eval[int](client, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("on a 390 px wide phone the room is %d px wide (it scrolls sideways)", w)
	}
	client.shot("room-phone")
	client.desktop()

	// Both leave; the call session stays open for a minute.
	client.do(chromedp.Click(chromedp.CSS("[data-leave]")))
	client.waitFor(`document.body.dataset.roomState === "left"`)
	// The coach stayed: the page that left says so, not "not here yet".
	client.wantText(`.person[data-user-id="`+coachID+`"]`, "Was here when you left")
	coach.waitFor(`document.querySelector("[data-stage]").dataset.call === "waiting"`)
	coach.wantText("[data-stage-msg]", "Cleo Client left the room")
	coach.do(chromedp.Click(chromedp.CSS("[data-leave]")))
	coach.waitFor(`document.body.dataset.roomState === "left"`)
	coach.wantText("[data-stage-msg]", "You left the room")

	// Again with the client on a network that blocks WebSockets: its
	// browser goes through a proxy that refuses them (CDP's URL blocking and
	// request interception do not apply to WebSocket handshakes). The page
	// tries the WebSocket, fails twice, and falls back to long polling by
	// itself. The coach's page is sent to long polling with ?transport=longpoll.
	proxy := newWSBlockingProxy(t)
	email := client.email
	client = newPerson(t, browser, client.base, "client-behind-proxy", "America/New_York", client.shots,
		func(p *target.CreateBrowserContextParams) {
			p.ProxyServer = proxy.URL()
			p.ProxyBypassList = "<-loopback>" // Chromium skips proxies for loopback unless told
		})
	client.signIn(email, "", "client", false)
	client.expectConsole("WebSocket connection to 'ws://")
	if _, err := chromedp.Call(client.ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		t.Fatalf("%s: emulate focus: %v", client.name, err)
	}
	client.open(roomURL, 200)
	client.waitFor(`document.body.dataset.transport === "longpoll" && document.querySelector("[data-stage]").dataset.call === "waiting"`)
	client.wantText("[data-stage-msg]", "Waiting for Carla Coach")
	if n := eval[int](client, `Number(document.querySelector("section.room").dataset.wsFailures || 0)`); n < 2 {
		t.Errorf("the client's page fell back to long polling after %d WebSocket failures, want 2", n)
	}
	if n := proxy.refused(); n < 2 {
		t.Errorf("the proxy refused %d WebSockets, want the page to have tried twice", n)
	}
	// The top bar says "Connected" in plain words; how, technically, is
	// under Connection details.
	client.wantText(".conn", "Connected")
	client.do(chromedp.Click(chromedp.CSS("[data-details] summary")))
	client.waitFor(`document.querySelector("[data-details]").open && document.querySelector("section.room").dataset.tech === "open"`)
	client.wantText("[data-conn-details]", "long polling")
	// The session goes on: its chat so far is there, each message once.
	for _, m := range []string{hello, html, ping} {
		client.wantMessage(m, "")
	}
	client.shot("room-client-longpoll-waiting")

	coach.open(roomURL+"?transport=longpoll", 200)
	for _, p := range []*person{coach, client} {
		p.waitFor(together("longpoll"))
	}
	sameTimer(coach, client)
	const overPoll = "Over long polling now: does this still arrive?"
	client.say(overPoll)
	coach.wantMessage(overPoll, "Cleo Client")
	coach.say("It does, and so does this.")
	client.wantMessage("It does, and so does this.", "Carla Coach")
	coach.wantMessage(hello, "")
	client.shot("room-client-longpoll")

	// The client's network drops out. A message written meanwhile waits,
	// greyed; the coach writes too. When the network is back the page
	// rejoins where it was: its message is stored once, and it gets the
	// coach's exactly once.
	client.expectConsole("502 (Bad Gateway)")
	proxy.outage(true)
	client.waitFor(`document.body.dataset.roomState === "reconnecting"`)
	client.wantText(".conn", "Reconnecting")
	const offline = "Written while my network was down."
	client.do(chromedp.SendKeys(chromedp.CSS("#chat-input"), offline))
	client.pressEnter()
	client.waitFor(`[...document.querySelectorAll(".msg-mine.is-pending .msg-body")].some(b => b.textContent === ` + jsString(offline) + `)`)
	const meanwhile = "Written while you were away."
	coach.say(meanwhile)
	client.shot("room-client-reconnecting")
	proxy.outage(false)
	client.eval(`document.querySelector("[data-conn-retry]:not([hidden])")?.click()`)
	client.waitFor(together("longpoll"))
	client.waitAcked(offline)
	coach.wantMessage(offline, "Cleo Client")
	client.wantMessage(meanwhile, "Carla Coach")
	sameTimer(coach, client)

	// A reload while a message is still sending does not lose it: the tab
	// keeps it in sessionStorage, the new page shows it as sending again and
	// sends it (with its client_id) once it is in the room. Only the room's
	// connection is down, so that the page itself reloads.
	proxy.pollOutage(true)
	client.waitFor(`document.body.dataset.roomState === "reconnecting"`)
	const reloaded = "Written just before a reload."
	client.do(chromedp.SendKeys(chromedp.CSS("#chat-input"), reloaded))
	client.pressEnter()
	pendingJS := `[...document.querySelectorAll(".msg-mine.is-pending .msg-body")].filter(b => b.textContent === ` + jsString(reloaded) + `).length === 1`
	client.waitFor(pendingJS)
	resp, err := chromedp.RunResponse(client.ctx, chromedp.Reload())
	client.loaded(resp, err, "reload "+roomURL, 200)
	client.waitFor(pendingJS)
	proxy.pollOutage(false)
	client.eval(`document.querySelector("[data-conn-retry]:not([hidden])")?.click()`)
	client.waitFor(together("longpoll"))
	client.waitAcked(reloaded)
	coach.wantMessage(reloaded, "Cleo Client")
	client.wantMessage(meanwhile, "Carla Coach")
	if n := eval[int](client, `sessionStorage.length`); n != 0 {
		t.Errorf("the client's tab still stores %d outboxes after its message was stored", n)
	}
	// Stored once: the session's history has it once.
	stored := eval[int](coach, `(async () => {
		const sid = document.querySelector(".chat-log .msg[data-key]").dataset.key.split(":")[0];
		const r = await fetch("/api/v1/sessions/" + sid + "/messages?limit=200", {headers: {Accept: "application/json"}});
		return (await r.json()).items.filter(m => m.body === `+jsString(reloaded)+`).length;
	})()`, chromedp.EvalAwaitPromise)
	if stored != 1 {
		t.Errorf("the message sent across a reload is stored %d times, want once", stored)
	}

	client.do(chromedp.Click(chromedp.CSS("[data-leave]")))
	client.waitFor(`document.body.dataset.roomState === "left"`)
	// The coach stayed: the page that left says so, not "not here yet".
	client.wantText(`.person[data-user-id="`+coachID+`"]`, "Was here when you left")
	coach.waitFor(`document.querySelector("[data-stage]").dataset.call === "waiting"`)
	coach.wantText("[data-stage-msg]", "Cleo Client left the room")
	endSessionE2E(coach, client, roomURL)
	return client
}

// endSessionE2E: the client, who left, comes back (the room stays open for
// the slot); only the coach has End session, which asks first: Cancel keeps
// the call, End ends it for both, who are told so, and the room is closed
// for good.
func endSessionE2E(coach, client *person, roomURL string) {
	t := coach.t
	t.Helper()
	client.wantText("[data-stage-msg]", "You can come back until the session's time is over")
	client.do(chromedp.Click(chromedp.CSS("[data-rejoin]")))
	for _, p := range []*person{coach, client} {
		p.waitFor(together("longpoll"))
	}
	if n := eval[int](client, `document.querySelectorAll("[data-end-session], [data-end-dialog]").length`); n != 0 {
		t.Errorf("the client's room has %d End session controls", n)
	}
	dialogOpen := `document.querySelector("[data-end-dialog]").open`
	coach.do(chromedp.Click(chromedp.CSS("[data-end-session]")))
	coach.waitFor(dialogOpen)
	coach.wantText("[data-end-dialog]", "End the session for both of you?")
	coach.shot("room-end-session")
	coach.do(chromedp.Click(chromedp.CSS("[data-end-cancel]")))
	coach.waitFor(`!` + dialogOpen)
	coach.say("Cancelled: we carry on.")
	client.wantMessage("Cancelled: we carry on.", "Carla Coach")

	coach.do(chromedp.Click(chromedp.CSS("[data-end-session]")))
	coach.waitFor(dialogOpen)
	coach.do(chromedp.Click(chromedp.CSS("[data-end-confirm]")))
	for _, p := range []*person{coach, client} {
		p.waitFor(`document.body.dataset.roomState === "ended" && !document.querySelector("[data-stage-msg]").hidden`)
		p.wantText("[data-stage-msg]", "The appointment is completed and its room is closed.")
		if eval[bool](p, `!document.querySelector("[data-rejoin]").hidden`) {
			t.Errorf("%s: the ended room offers to rejoin", p.name)
		}
	}
	coach.wantText("[data-stage-msg]", "You ended the session.")
	client.wantText("[data-stage-msg]", "Carla Coach ended the session.")
	client.shot("room-ended-by-coach")
	coach.open(roomURL, 200)
	coach.wantText(".stage", "This appointment is completed; its room is closed.")
}

// bookSoon books, through the JSON API from the coach's browser, a session
// with the client that starts in three minutes (so that its room is open);
// it returns the room's URL.
func bookSoon(coach *person, clientID, title string) string {
	type booked struct {
		HTTP    int    `json:"http_status"`
		RoomURL string `json:"room_url"`
	}
	appt := eval[booked](coach, `fetch("/api/v1/appointments", {method: "POST", credentials: "same-origin",
		headers: {"Content-Type": "application/json", Accept: "application/json"},
		body: JSON.stringify({client_id: `+clientID+`, title: "`+title+`", duration_minutes: 30,
			starts_at: new Date(Math.ceil((Date.now() + 3*60000) / 60000) * 60000).toISOString()})})
		.then(async r => ({...(await r.json()), http_status: r.status}))`, chromedp.EvalAwaitPromise)
	if appt.HTTP != 201 || !strings.HasPrefix(appt.RoomURL, "/rooms/") {
		coach.fatalf("booking a session in three minutes: %+v", appt)
	}
	return appt.RoomURL
}

// wsBlockingProxy is an HTTP proxy that passes plain requests on and
// refuses WebSockets (a CONNECT tunnel or an Upgrade), as some corporate
// networks do. It can also fail everything for a while, like a network
// that drops out.
type wsBlockingProxy struct {
	srv      *httptest.Server
	mu       sync.Mutex
	nref     int
	down     bool
	pollDown bool // only the room's long polls fail
	inflight map[*http.Request]context.CancelFunc
}

func newWSBlockingProxy(t *testing.T) *wsBlockingProxy {
	p := &wsBlockingProxy{inflight: map[*http.Request]context.CancelFunc{}}
	rp := &httputil.ReverseProxy{
		Rewrite:       func(pr *httputil.ProxyRequest) { pr.Out.Host = pr.In.Host },
		FlushInterval: -1,
		ErrorHandler:  func(w http.ResponseWriter, r *http.Request, err error) { w.WriteHeader(http.StatusBadGateway) },
	}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		switch {
		case r.Method == http.MethodConnect || r.Header.Get("Upgrade") != "":
			p.nref++
			p.mu.Unlock()
			http.Error(w, "WebSockets are not allowed on this network", http.StatusForbidden)
			return
		case p.down, p.pollDown && strings.Contains(r.URL.Path, "/poll"):
			p.mu.Unlock()
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		ctx, cancel := context.WithCancel(r.Context())
		p.inflight[r] = cancel
		p.mu.Unlock()
		defer func() {
			p.mu.Lock()
			delete(p.inflight, r)
			p.mu.Unlock()
			cancel()
		}()
		rp.ServeHTTP(w, r.WithContext(ctx))
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// outage makes the network fail every request (those under way too), or
// work again.
func (p *wsBlockingProxy) outage(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for _, cancel := range p.inflight {
			cancel()
		}
	}
}

// pollOutage makes the room's long polls fail (those under way too), or
// work again; pages still load.
func (p *wsBlockingProxy) pollOutage(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pollDown = down
	if down {
		for r, cancel := range p.inflight {
			if strings.Contains(r.URL.Path, "/poll") {
				cancel()
			}
		}
	}
}

func (p *wsBlockingProxy) URL() string { return p.srv.URL }

func (p *wsBlockingProxy) refused() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.nref
}

// together is true on a room page connected over transport with both people in.
func together(transport string) string {
	return `document.body.dataset.transport === ` + jsString(transport) + ` && document.querySelector("[data-stage]").dataset.call === "together"`
}

// waitFor waits until the JavaScript expression is true on the page.
func (p *person) waitFor(js string) {
	p.t.Helper()
	p.waitUpTo(10*time.Second, js)
}

// waitUpTo is waitFor with a time of its own: media takes longer than a
// page when the machine is busy with the rest of the tests.
func (p *person) waitUpTo(d time.Duration, js string) {
	p.t.Helper()
	// The poll's own timeout runs in the page; a deadline here also ends a
	// poll whose page-side timer never fires.
	ctx, cancel := context.WithTimeout(p.ctx, d+5*time.Second)
	defer cancel()
	// chromedp's poll stops for good, neither true nor timed out, when an
	// expression throws after its first try (a tile gone for a moment):
	// one that throws is false here.
	safe := "try { return !!(" + js + "); } catch { return false; }"
	if _, err := chromedp.Run(ctx, chromedp.PollFunction[chromedp.Void]("() => { "+safe+" }",
		chromedp.WithPollingInterval(25*time.Millisecond), chromedp.WithPollingTimeout(d))); err != nil {
		p.fatalf("waiting for %s: %v\nthe page: %s", js, err, p.state())
	}
}

// state describes a room page for a failure: its state and transport,
// the stage, the chat, the captions and each person's path ("?" from a
// tab that does not answer).
func (p *person) state() string {
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({room: document.body.dataset.roomState, transport: document.body.dataset.transport,
		stage: document.querySelector("[data-stage]")?.innerText, chat: document.querySelector("[data-chat-log]")?.innerText,
		captions: [...document.querySelectorAll(".caption")].map(c => c.textContent),
		paths: [...document.querySelectorAll(".person [data-kind=path]")].map(e => e.closest(".person")?.dataset.userId + ": " + e.textContent)})`))
	if err != nil {
		return "?"
	}
	return s
}

// say types a message into the chat and sends it with Enter; it waits until
// the server has acknowledged it (no longer shown as pending).
func (p *person) say(text string) {
	p.t.Helper()
	p.do(chromedp.SendKeys(chromedp.CSS("#chat-input"), text))
	p.pressEnter()
	p.waitAcked(text)
}

// waitAcked waits until the server has acknowledged one's message text.
func (p *person) waitAcked(text string) {
	p.t.Helper()
	p.waitFor(`[...document.querySelectorAll(".msg-mine[data-id] .msg-body")].some(b => b.textContent === ` + jsString(text) + `) &&
		!document.querySelector(".msg-mine.is-pending")`)
}

// eval runs JavaScript for its effect.
func (p *person) eval(js string) {
	p.t.Helper()
	eval[any](p, js)
}

// newTab opens another tab in p's browser context (the same person).
func (p *person) newTab(name string) *person {
	p.t.Helper()
	tab := &person{t: p.t, name: name, base: p.base, zone: p.zone, email: p.email, shots: p.shots, expected: map[string]bool{}}
	ctx, cancel := chromedp.NewContext(p.ctx, chromedp.WithListener(tab.listen))
	tab.ctx = ctx
	p.t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		p.fatalf("open a second tab: %v", err)
	}
	return tab
}

// close closes a tab opened with newTab.
func (p *person) close() {
	p.t.Helper()
	if err := chromedp.Cancel(p.ctx); err != nil {
		p.fatalf("close the tab: %v", err)
	}
}

// pressEnter presses Enter in the focused element: a key down and up as a
// keyboard gives them (chromedp's KeyEvent would also type the "\r" as
// text, whatever the page's keydown handler decided).
func (p *person) pressEnter() {
	p.t.Helper()
	for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeKeyDown, input.DispatchKeyEventTypeKeyUp} {
		if _, err := chromedp.Call(p.ctx, input.DispatchKeyEvent, input.DispatchKeyEventParams{Type: typ,
			Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13}); err != nil {
			p.fatalf("press Enter: %v", err)
		}
	}
}

// wantMessage waits for a message from another (from when not "") and
// checks that it is shown exactly once, as text.
func (p *person) wantMessage(text, from string) {
	p.t.Helper()
	sel := `[...document.querySelectorAll(".chat-log .msg")].filter(m => m.querySelector(".msg-body").textContent === ` + jsString(text) + `)`
	p.waitFor(sel + `.length > 0`)
	if n := eval[int](p, sel+`.length`); n != 1 {
		p.t.Errorf("%s: the message %q is shown %d times, want once", p.name, text, n)
	}
	if from != "" {
		if who := eval[string](p, sel+`[0].querySelector(".msg-who").textContent`); who != from {
			p.t.Errorf("%s: the message %q is from %q, want %q", p.name, text, who, from)
		}
	}
}

// sameTimer checks that both pages count from the same start, and show the
// same time within a second.
func sameTimer(a, b *person) {
	t := a.t
	t.Helper()
	startA := eval[string](a, `document.querySelector("[data-timer]").dataset.startedAt`)
	startB := eval[string](b, `document.querySelector("[data-timer]").dataset.startedAt`)
	if startA == "" || startA != startB {
		t.Errorf("the timers start at %q (%s) and %q (%s)", startA, a.name, startB, b.name)
	}
	clock := `document.querySelector("[data-timer-clock]").textContent`
	textA, textB := eval[string](a, clock), eval[string](b, clock)
	secA, secB := clockSeconds(textA), clockSeconds(textB)
	if secA < 0 || secB < 0 || secA-secB > 1 || secB-secA > 1 {
		t.Errorf("the running timers say %q (%s) and %q (%s)", textA, a.name, textB, b.name)
	}
}

// clockSeconds reads "m:ss" or "h:mm:ss"; -1 when it is neither.
func clockSeconds(s string) int {
	parts := strings.Split(strings.TrimSpace(s), ":")
	if len(parts) < 2 || len(parts) > 3 {
		return -1
	}
	total := 0
	for _, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return -1
		}
		total = total*60 + n
	}
	return total
}
