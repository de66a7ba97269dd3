package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"rapport/internal/membership/skool/skooltest"
)

// blockWebRTC puts a person's browser on a network that lets only web
// traffic through: every peer connection its pages make may use TURN
// relays only, and there are none, so ICE never connects (as when UDP and
// TCP to anything but port 443 are blocked). The page itself is not told.
func (p *person) blockWebRTC() {
	p.t.Helper()
	_, err := chromedp.Call(p.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `(() => {
		const Real = RTCPeerConnection;
		function Blocked(cfg) { return new Real({ ...cfg, iceServers: [], iceTransportPolicy: "relay" }); }
		Blocked.prototype = Real.prototype;
		window.RTCPeerConnection = Blocked;
	})()`})
	if err != nil {
		p.t.Fatal(err)
	}
}

// TestE2ETunnel is a call in headless Chromium where WebRTC cannot connect
// for one person: the client's WebRTC finds no way out, falls down the
// chain to the WebSocket media tunnel by itself (WebCodecs both ways), and
// sees and hears the coach, who stays on WebRTC and sees and hears the
// client. Then the client's network is cut mid-call: it comes back on its
// own, down the same chain, with the chat and the timer as they were.
// Last, the coach moves to the tunnel too.
func TestE2ETunnel(t *testing.T) {
	t.Parallel()
	chromium := skooltest.Chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), e2eLimit)
	defer cancel()
	base := startServer(t, "sqlite")
	shots := newShooter(t, "tunnel")
	browser := startBrowser(t, ctx, chromium)

	network := newTCPNetwork(t, base)
	client := newPerson(t, browser, network.URL(), "client", "America/New_York", shots)
	client.blockWebRTC()
	coach := newPerson(t, browser, base, "coach", "Europe/Berlin", shots)
	for _, p := range []*person{coach, client} {
		p.traceFrames()
	}
	coachID, clientID := linked(t, coach, client)
	roomURL := bookSoon(coach, clientID, "Hotel wifi")

	coach.open(roomURL, 200)
	client.open(roomURL, 200)
	for _, cut := range []string{"WebSocket connection to", "net::ERR_"} {
		client.expectConsole(cut) // the network cut below: whatever was under way fails
	}
	for _, p := range []*person{coach, client} {
		p.waitFor(together("websocket"))
		p.waitUpTo(40*time.Second, `document.querySelector("[data-stage]").dataset.media === "connected"`)
	}
	coach.waitUpTo(40*time.Second, `document.querySelector('.person[data-user-id="`+clientID+`"] [data-kind=path]')?.textContent === "tunnel"`)
	client.waitFor(`document.querySelector('.person[data-user-id="` + coachID + `"] [data-kind=path]')?.textContent === "sfu-udp"`)
	coach.wantMedia(clientID)
	client.wantMedia(coachID)
	coach.waitAsync(10*time.Second, `fetch("/metrics").then(r => r.text()).then(t => t.includes('rapport_call_participants{path="tunnel"} 1') && t.includes('rapport_call_participants{path="sfu-udp"} 1'))`)
	coach.shot("tunnel-coach-webrtc")
	client.shot("tunnel-client")

	// The client's network goes away for three seconds mid-call.
	coach.say("Can you hear me?")
	client.wantMessage("Can you hear me?", "Carla Coach")
	started := eval[string](client, `document.querySelector("[data-timer]").dataset.startedAt || ""`)
	if started == "" {
		t.Fatal("the call timer has not started with both in the room")
	}
	network.Cut()
	client.waitUpTo(15*time.Second, `document.body.dataset.roomState !== "open"`)
	time.Sleep(3 * time.Second)
	network.Restore()
	client.waitUpTo(30*time.Second, `document.body.dataset.roomState === "open"`)
	coach.waitUpTo(40*time.Second, `document.querySelector('.person[data-user-id="`+clientID+`"] [data-kind=path]')?.textContent === "tunnel"`)
	coach.wantMedia(clientID)
	client.wantMedia(coachID)
	client.wantMessage("Can you hear me?", "Carla Coach")
	if again := eval[string](client, `document.querySelector("[data-timer]").dataset.startedAt || ""`); again != started {
		t.Fatalf("the call timer started at %s before the cut and %s after", started, again)
	}

	// Both on the tunnel.
	coach.open(roomURL+"?media=tunnel", 200)
	coach.waitFor(together("websocket"))
	client.waitUpTo(30*time.Second, `document.querySelector('.person[data-user-id="`+coachID+`"] [data-kind=path]')?.textContent === "tunnel"`)
	coach.wantMedia(clientID)
	client.wantMedia(coachID)
	coach.waitAsync(10*time.Second, `fetch("/metrics").then(r => r.text()).then(t => t.includes('rapport_call_participants{path="tunnel"} 2'))`)
	coach.shot("tunnel-both")
	for _, p := range []*person{coach, client} {
		p.checkConsole()
	}
}

// waitAsync waits until a promise-valued expression resolves true
// (chromedp's Poll takes no promises).
func (p *person) waitAsync(d time.Duration, js string) {
	p.t.Helper()
	for deadline := time.Now().Add(d); !eval[bool](p, js, chromedp.EvalAwaitPromise); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			p.fatalf("waiting %v for %s", d, js)
		}
	}
}
