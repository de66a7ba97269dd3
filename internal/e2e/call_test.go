package e2e

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rapport/internal/membership/skool/skooltest"
	"rapport/internal/porttest"
)

// TestE2ECall is a video call in headless Chromium through the SFU, with
// the fake camera and microphone: the coach and the client each decode the
// other's video and hear the other's audio, a shared screen reaches the
// other side, the camera goes off and on, and leaving and rejoining brings
// the media back, then with the client forced through the embedded TURN
// server (relay-only ICE). The database plays no part in media: SQLite only.
//
// It runs alone, before the parallel tests: it checks what a browser short
// of CPU gives up first (a second simulcast layer, video after a rejoin),
// and beside another test's call on two cores it lost one or the other
// in two of thirteen runs.
func TestE2ECall(t *testing.T) {
	chromium := skooltest.Chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), e2eLimit)
	defer cancel()
	base := startServer(t, "sqlite", "TURN_PORT", strconv.Itoa(porttest.Free(t)), "TURN_SECRET", "a-turn-secret-for-tests")
	shots := newShooter(t, "call")
	browser := startBrowser(t, ctx, chromium)

	client := newPerson(t, browser, base, "client", "America/New_York", shots)
	coach := newPerson(t, browser, base, "coach", "Europe/Berlin", shots)
	coachID, clientID := linked(t, coach, client)
	roomURL := bookSoon(coach, clientID, "Video check-in")

	// The coach, alone in the room, sees the setup check: camera, a
	// microphone whose level moves, the call connected, a TURN relay found.
	coach.open(roomURL, 200)
	coach.waitFor(`document.querySelector('[data-check="camera"]').dataset.ok === "true"`)
	coach.waitUpTo(30*time.Second, `document.querySelector('[data-check="connection"]').dataset.ok === "true"`)
	coach.waitFor(`document.querySelector('[data-check="relay"]').dataset.ok === "true"`)
	coach.waitFor(`Number(document.querySelector('[data-check="mic"] .meter').dataset.level) > 0`)
	coach.waitFor(`document.querySelector('[data-check="connection"]').textContent.includes("directly (UDP)")`)
	coach.waitFor(apart(".tile-self", "[data-setup-check]"))
	coach.shot("call-coach-setup-check")
	// On a phone too the self-view stays clear of the setup check, and the
	// devices panel opens where it can be seen whole.
	coach.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	coach.waitFor(apart(".tile-self", "[data-setup-check]"))
	coach.shot("call-coach-setup-check-phone")
	coach.do(chromedp.Click(chromedp.CSS("[data-devices] summary")))
	coach.waitFor(onScreen(".devices-panel"))
	coach.shot("call-coach-devices-phone")
	coach.do(chromedp.Click(chromedp.CSS("[data-devices] summary")))
	coach.waitFor(`!document.querySelector("[data-devices]").open`)
	coach.desktop()
	client.open(roomURL, 200)
	for _, p := range []*person{coach, client} {
		p.waitFor(together("websocket"))
		p.waitUpTo(30*time.Second, `document.querySelector("[data-stage]").dataset.media === "connected"`)
	}
	// Each decodes the other's camera, frame after frame, and hears them.
	coach.wantMedia(clientID)
	client.wantMedia(coachID)
	coach.waitFor(`document.querySelector('.person[data-user-id="` + clientID + `"] [data-kind=path]')?.textContent === "sfu-udp"`)
	// The camera goes out in simulcast layers (the fake camera's 640x480
	// makes Chromium send two of the three; on a machine busy with other
	// tests it may hold one back for a while).
	layersJS := `(async () => {
		const room = (await import("/static/room/room.js")).room;
		const rids = new Set();
		(await room.call.pc.getStats()).forEach(s => { if (s.type === "outbound-rtp" && s.kind === "video" && s.rid && s.bytesSent > 0) rids.add(s.rid); });
		return rids.size;
	})()`
	for deadline := time.Now().Add(30 * time.Second); eval[int](coach, layersJS, chromedp.EvalAwaitPromise) < 2; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the coach's camera does not go out in two simulcast layers or more")
		}
	}
	// Layer switches and the publisher's padding leave no holes: what the
	// SFU forwards arrives with (almost) nothing reported lost.
	for _, p := range []*person{coach, client} {
		loss := eval[float64](p, `(async () => {
			const room = (await import("/static/room/room.js")).room;
			let got = 0, lost = 0;
			(await room.call.pc.getStats()).forEach(s => { if (s.type === "inbound-rtp" && s.kind === "video") { got += s.packetsReceived; lost += s.packetsLost; } });
			return got ? lost / (got + lost) : 1;
		})()`, chromedp.EvalAwaitPromise)
		if loss > 0.02 {
			t.Errorf("%s's received video reports %.1f%% of packets lost on loopback", p.name, 100*loss)
		}
	}
	if hidden := eval[bool](coach, `document.querySelector("[data-setup-check]").hidden`); !hidden {
		t.Error("the setup check stays on the stage with both in the call")
	}
	coach.shot("call-coach")
	client.shot("call-client")
	client.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	client.wantMedia(coachID)
	if w := eval[int](client, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("on a 390 px wide phone the call is %d px wide (it scrolls sideways)", w)
	}
	client.shot("call-client-phone")
	client.desktop()

	// The client shares the screen: the coach gets a tile for it, featured.
	client.do(chromedp.Click(chromedp.CSS(`[data-ctl="screen"]`)))
	client.waitFor(`document.querySelector('[data-ctl="screen"]').getAttribute("aria-pressed") === "true"`)
	screen := `document.querySelector('.tile-screen[data-screen-of="` + clientID + `"]`
	coach.waitFor(screen + ` video')?.videoWidth > 0`)
	coach.waitFor(screen + `')?.hasAttribute("data-featured")`)
	coach.shot("call-coach-screen-share")
	client.do(chromedp.Click(chromedp.CSS(`[data-ctl="screen"]`)))
	coach.waitFor(`!` + screen + `')`)

	// The coach's camera goes off (the client sees the initials) and on.
	coach.do(chromedp.Click(chromedp.CSS(`[data-ctl="cam"]`)))
	client.waitFor(`document.querySelector('.tile[data-user-id="` + coachID + `"]').dataset.video === "false"`)
	coach.do(chromedp.Click(chromedp.CSS(`[data-ctl="cam"]`)))
	client.wantMedia(coachID)

	// The client leaves and comes back: media flows again both ways.
	client.do(chromedp.Click(chromedp.CSS("[data-leave]")))
	client.waitFor(`document.body.dataset.roomState === "left"`)
	coach.waitFor(`document.querySelector("[data-stage]").dataset.call === "waiting"`)
	client.do(chromedp.Click(chromedp.CSS("[data-rejoin]")))
	for _, p := range []*person{coach, client} {
		p.waitFor(together("websocket"))
	}
	coach.wantMedia(clientID)
	client.wantMedia(coachID)

	// The client on a network where only TURN gets through: its page forces
	// relay-only ICE, and its media goes through the embedded TURN server.
	client.open(roomURL+"?relay=1", 200)
	client.waitFor(together("websocket"))
	client.waitUpTo(30*time.Second, `document.querySelector("[data-stage]").dataset.media === "connected"`)
	// Through the TURN server by UDP, or by TCP when the UDP relay's checks
	// lose the race on a machine busy with other tests.
	coach.waitUpTo(30*time.Second, `document.querySelector('.person[data-user-id="`+clientID+`"] [data-kind=path]')?.textContent.startsWith("turn-")`)
	coach.wantMedia(clientID)
	client.wantMedia(coachID)
	client.shot("call-client-relay")
	for _, p := range []*person{coach, client} {
		p.checkConsole()
	}
}

// apart is true on a page where the elements a and b are both shown and
// do not overlap.
func apart(a, b string) string {
	return `(() => {
		const x = document.querySelector(` + jsString(a) + `)?.getBoundingClientRect(), y = document.querySelector(` + jsString(b) + `)?.getBoundingClientRect();
		return !!x && !!y && x.width > 0 && y.width > 0 && (x.bottom <= y.top || y.bottom <= x.top || x.right <= y.left || y.right <= x.left);
	})()`
}

// onScreen is true on a page where the element is shown whole inside the window.
func onScreen(sel string) string {
	return `(() => {
		const r = document.querySelector(` + jsString(sel) + `)?.getBoundingClientRect();
		return !!r && r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight;
	})()`
}

// wantMedia waits until the tile of user shows video whose decoded frames
// keep growing, and audio with energy.
func (p *person) wantMedia(user string) {
	p.t.Helper()
	failed := p.t.Failed()
	defer func() {
		if !failed && p.t.Failed() {
			p.t.Logf("%s's received video: %s", p.name, eval[string](p, mediaStatsJS, chromedp.EvalAwaitPromise))
		}
	}()
	tile := `document.querySelector('.tile[data-user-id="` + user + `"]')`
	p.waitUpTo(30*time.Second, tile+`?.dataset.video === "true" && Number(`+tile+`.dataset.frames || 0) > 10`)
	first := eval[int](p, `Number(`+tile+`.dataset.frames)`)
	p.waitUpTo(30*time.Second, `Number(`+tile+`.dataset.frames) > `+strconv.Itoa(first+20))
	p.waitUpTo(30*time.Second, `Number(`+tile+`.dataset.audio || 0) > 0`)
}

// mediaStatsJS describes the page's received video streams, for a failure.
const mediaStatsJS = `(async () => {
	const room = (await import("/static/room/room.js")).room;
	const link = room.call.link;
	if (link) return "tunnel " + JSON.stringify([...link.decoders.values()].map(d => ({user: d.user, purpose: d.purpose,
		received: d.received, skipped: d.skipped, decoded: d.framesDecoded, waitKey: d.waitKey, decoder: d.decoder.state,
		queue: d.decoder.decodeQueueSize, playing: d.playing}))) + " socket " + link.ws.readyState + " state " + room.call.state;
	if (!room.call.pc) return "no peer connection";
	const out = [];
	(await room.call.pc.getStats()).forEach(s => {
		if (s.type === "inbound-rtp" && s.kind === "video") out.push(JSON.stringify({packets: s.packetsReceived,
			frames: s.framesDecoded, keyframes: s.keyFramesDecoded, plis: s.pliCount, nacks: s.nackCount, width: s.frameWidth,
			lost: s.packetsLost, received: s.framesReceived, dropped: s.framesDropped}));
	});
	return out.join(" ") + " streams from " + JSON.stringify([...room.call.remote.keys()]) + " state " + room.call.state;
})()`

// linked signs in the client (Cleo) and the coach (Carla) on their pages,
// has the coach invite the client and the client accept on her dashboard,
// and returns both user IDs.
func linked(t *testing.T, coach, client *person) (coachID, clientID string) {
	t.Helper()
	client.signIn("cleo@example.com", "Cleo Client", "client", false)
	coach.signIn("coach@example.com", "Carla Coach", "coach", false)
	status := eval[int](coach, `fetch("/api/v1/clients", {method: "POST", headers: {"Content-Type": "application/json"},
		body: JSON.stringify({email: "cleo@example.com"})}).then(r => r.status)`, chromedp.EvalAwaitPromise)
	if status != 202 {
		t.Fatalf("the coach could not invite the client: HTTP %d", status)
	}
	coachID = eval[string](coach, `document.body.dataset.user || ""`)
	client.open("/dashboard", 200)
	client.click(".invitation form[action='/invitations/"+coachID+"/accept'] button[type=submit]", 200)
	client.wantText(".flash", "Invitation accepted.")
	return coachID, eval[string](client, `document.body.dataset.user || ""`)
}
