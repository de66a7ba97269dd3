package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"rapport/internal/ai"
	"rapport/internal/ai/aitest"
	"rapport/internal/loadtest"
	"rapport/internal/membership/skool/skooltest"
	"rapport/internal/speech"
)

// TestE2EPeerToPeer is a call in headless Chromium in a room whose
// appointment says peer-to-peer: the two browsers connect directly (the
// SFU carries nothing) and each decodes the other's video and audio. When
// the coach brings the AI co-coach in (a participant of the SFU), both move
// to the SFU so that it can hear them. Then, the AI sent out and both
// back, the client comes from a network where direct connections cannot
// get out: after the direct attempt times out, both move to the SFU by
// themselves.
func TestE2EPeerToPeer(t *testing.T) {
	t.Parallel()
	chromium := skooltest.Chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), e2eLimit)
	defer cancel()
	needSpeech(t)
	model := aitest.New(t)
	model.Answer(func([]ai.Message) string { return "Go on." })
	grammar := filepath.Join(t.TempDir(), "phrases.gram")
	g, _ := speech.Grammar("go on", "tell me more about that")
	if err := os.WriteFile(grammar, []byte(g), 0o644); err != nil {
		t.Fatal(err)
	}
	base := startServer(t, "sqlite", "AI_BASE_URL", model.URL, "STT_ENGINE", "pocketsphinx", "STT_GRAMMAR", grammar, "TTS_ENGINE", "espeak", "TTS_VOICE", "en-us")
	shots := newShooter(t, "p2p")
	browser := startBrowser(t, ctx, chromium)

	client := newPerson(t, browser, base, "client", "America/New_York", shots)
	coach := newPerson(t, browser, base, "coach", "Europe/Berlin", shots)
	coachID, clientID := linked(t, coach, client)

	direct := bookSoonWith(coach, clientID, "Direct line", `call_mode: "p2p"`)
	coach.open(direct, 200)
	client.open(direct, 200)
	for _, p := range []*person{coach, client} {
		p.waitFor(together("websocket"))
		p.waitUpTo(30*time.Second, `document.querySelector("[data-stage]").dataset.media === "connected"`)
	}
	coach.waitUpTo(20*time.Second, `document.querySelector('.person[data-user-id="`+clientID+`"] [data-kind=path]')?.textContent === "p2p"`)
	client.waitUpTo(20*time.Second, `document.querySelector('.person[data-user-id="`+coachID+`"] [data-kind=path]')?.textContent === "p2p"`)
	coach.wantMedia(clientID)
	client.wantMedia(coachID)
	coach.waitAsync(10*time.Second, `fetch("/metrics").then(r => r.text()).then(t => t.includes("rapport_sfu_peers 0") && t.includes('rapport_call_participants{path="p2p"} 2'))`)
	coach.shot("p2p-coach")

	// The AI comes in: both go through the SFU, where it hears them.
	coach.do(chromedp.Click(chromedp.CSS(`[data-ai="invite"]`)))
	client.waitFor(`document.querySelector('.person[data-user-id="0"]') !== null`)
	coach.waitUpTo(40*time.Second, `document.querySelector('.person[data-user-id="`+clientID+`"] [data-kind=path]')?.textContent === "sfu-udp"`)
	client.waitUpTo(40*time.Second, `document.querySelector('.person[data-user-id="`+coachID+`"] [data-kind=path]')?.textContent === "sfu-udp"`)
	coach.wantMedia(clientID)
	client.wantMedia(coachID)
	coach.do(chromedp.Click(chromedp.CSS(`[data-ai-coach] [data-ai="dismiss"]`)))
	client.waitUpTo(20*time.Second, `document.querySelector('.person[data-user-id="0"]') === null`)
	coach.open(direct, 200)
	coach.waitFor(together("websocket"))

	// The client moves to a network where its direct connections find no
	// way out, and comes back into the room: both go to the SFU.
	client.blockDirect()
	client.open(direct, 200)
	client.waitFor(together("websocket"))
	coach.waitUpTo(40*time.Second, `document.querySelector('.person[data-user-id="`+clientID+`"] [data-kind=path]')?.textContent === "sfu-udp"`)
	client.waitUpTo(40*time.Second, `document.querySelector('.person[data-user-id="`+coachID+`"] [data-kind=path]')?.textContent === "sfu-udp"`)
	coach.wantMedia(clientID)
	client.wantMedia(coachID)
	coach.shot("p2p-fallback")
	for _, p := range []*person{coach, client} {
		p.checkConsole()
	}
}

// blockDirect puts a person's browser on a network where connections to
// other browsers cannot be made, while the SFU can be reached: a peer
// connection the page marks as peer-to-peer gathers no candidates (TURN
// relays only, and none), so direct ICE never connects.
func (p *person) blockDirect() {
	p.t.Helper()
	_, err := chromedp.Call(p.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: loadtest.BlockDirectJS})
	if err != nil {
		p.t.Fatal(err)
	}
}

// bookSoonWith books as bookSoon does, with more fields of the booking, or
// others in place of its own (JavaScript object members).
func bookSoonWith(coach *person, clientID, title, more string) string {
	type booked struct {
		HTTP    int    `json:"http_status"`
		RoomURL string `json:"room_url"`
	}
	appt := eval[booked](coach, `fetch("/api/v1/appointments", {method: "POST", credentials: "same-origin",
		headers: {"Content-Type": "application/json", Accept: "application/json"},
		body: JSON.stringify({client_id: `+clientID+`, title: "`+title+`", duration_minutes: 30,
			starts_at: new Date(Math.ceil((Date.now() + 3*60000) / 60000) * 60000).toISOString(), `+more+`})})
		.then(async r => ({...(await r.json()), http_status: r.status}))`, chromedp.EvalAwaitPromise)
	if appt.HTTP != 201 || !strings.HasPrefix(appt.RoomURL, "/rooms/") {
		coach.fatalf("booking a session in three minutes: %+v", appt)
	}
	return appt.RoomURL
}
