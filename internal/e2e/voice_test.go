package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rapport/internal/ai"
	"rapport/internal/ai/aitest"
	"rapport/internal/membership/skool/skooltest"
	"rapport/internal/speech"
)

// TestE2EAIInTheCall is the AI co-coach as a participant of a call in
// headless Chromium: the coach's fake microphone plays a spoken WAV; the
// coach brings the AI in (the client's page says so), the AI's captions of
// the coach appear on the client's page, the coach hands the AI the floor,
// and the client's page shows what the AI says and plays its voice. The
// model is a stand-in over HTTP; the speech engines are the local ones.
func TestE2EAIInTheCall(t *testing.T) {
	t.Parallel()
	chromium := skooltest.Chromium(t)
	needSpeech(t)
	ctx, cancel := context.WithTimeout(context.Background(), e2eLimit)
	defer cancel()
	const said = "what should i focus on this week"
	const answer = "tell me more about that"
	dir := t.TempDir()
	grammar, err := speech.Grammar(said, answer)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "phrases.gram"), []byte(grammar), 0o644); err != nil {
		t.Fatal(err)
	}
	wav := spokenWAV(t, dir, said)
	model := aitest.New(t)
	model.Answer(func([]ai.Message) string { return "Tell me more about that." })
	base := startServer(t, "sqlite", "AI_BASE_URL", model.URL, "AI_MODEL", "stand-in",
		"STT_ENGINE", "pocketsphinx", "STT_GRAMMAR", filepath.Join(dir, "phrases.gram"), "TTS_ENGINE", "espeak", "TTS_VOICE", "en-us")
	shots := newShooter(t, "voice")
	speaking := startBrowser(t, ctx, chromium, "use-file-for-fake-audio-capture", wav)
	listening := startBrowser(t, ctx, chromium)

	client := newPerson(t, listening, base, "client", "America/New_York", shots)
	coach := newPerson(t, speaking, base, "coach", "Europe/Berlin", shots)
	_, clientID := linked(t, coach, client)
	roomURL := bookSoon(coach, clientID, "Focus")
	coach.open(roomURL, 200)
	client.open(roomURL, 200)
	for _, p := range []*person{coach, client} {
		p.waitFor(together("websocket"))
		p.waitUpTo(30*time.Second, `document.querySelector("[data-stage]").dataset.media === "connected"`)
	}
	// A voice call: cameras off. What is tested is the AI's hearing and
	// speech; video (the other calls' tests) would only load the SFU, whose
	// packets the AI's audio waits behind when the machine is busy.
	for _, p := range []*person{coach, client} {
		p.do(chromedp.Click(chromedp.CSS(`[data-ctl="cam"]`)))
		p.waitFor(`document.querySelector('[data-ctl="cam"]').getAttribute("aria-pressed") === "false"`)
	}
	coach.waitFor(`!document.querySelector('[data-ai="invite"]').hidden`)
	coach.do(chromedp.Click(chromedp.CSS(`[data-ai="invite"]`)))
	client.waitFor(`!document.querySelector("[data-ai-banner]").hidden && document.querySelector("[data-ai-banner]").textContent.includes("does not hear Cleo")`)
	client.waitFor(`document.querySelector('.person[data-user-id="0"]') !== null`)
	// The coach's microphone says the phrase every 38 s: the AI hears it.
	defer func() {
		if t.Failed() {
			t.Logf("the coach's audio: %s; the client's: %s", eval[string](coach, audioStatsJS, chromedp.EvalAwaitPromise),
				eval[string](client, audioStatsJS, chromedp.EvalAwaitPromise))
		}
	}()
	client.waitUpTo(60*time.Second, `[...document.querySelectorAll(".caption")].some(c => c.textContent === "Carla Coach: `+said+`")`)
	coach.do(chromedp.Click(chromedp.CSS(`[data-ai="floor"]`)))
	client.waitUpTo(30*time.Second, `[...document.querySelectorAll(".caption-ai")].some(c => c.textContent.includes("Tell me more about that."))`)
	client.waitUpTo(20*time.Second, `Number(document.querySelector('.tile[data-user-id="0"]')?.dataset.audio || 0) > 0`)
	client.shot("voice-client")
	coach.shot("voice-coach")
	// The coach keeps no transcript of this session: everyone is told.
	coach.do(chromedp.Click(chromedp.CSS("[data-ai-transcript]")))
	client.waitFor(`document.querySelector("[data-ai-banner]").textContent.includes("No transcript is kept")`)
	for _, p := range []*person{coach, client} {
		p.checkConsole()
	}
}

// spokenWAV writes a WAV for Chromium's fake microphone: six seconds of
// quiet, the phrase, then thirty more (it loops): the AI's answer has the
// quiet to be said in before the coach's microphone talks over it.
func spokenWAV(t *testing.T, dir, phrase string) string {
	t.Helper()
	pcm, err := speech.Espeak{Voice: "en-us", Speed: 140}.Synthesize(context.Background(), phrase)
	if err != nil {
		t.Fatal(err)
	}
	pcm = pcm.Resample(48000)
	samples := append(make([]int16, 6*48000), pcm.Samples...)
	samples = append(samples, make([]int16, 30*48000)...)
	path := filepath.Join(dir, "mic.wav")
	if err := os.WriteFile(path, speech.PCM{Rate: 48000, Samples: samples}.WAV(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// needSpeech finds the local speech engines, or skips (fails under CI).
func needSpeech(t *testing.T) {
	t.Helper()
	for _, bin := range []string{speech.EspeakBin, speech.PocketsphinxBin} {
		if _, err := exec.LookPath(bin); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed (scripts/test-deps.sh installs it)", bin)
			}
			t.Skipf("%s is not installed", bin)
		}
	}
}

// audioStatsJS describes the page's audio sent and received, for a failure.
const audioStatsJS = `(async () => {
	const room = (await import("/static/room/room.js")).room;
	if (!room.call.pc) return "no peer connection";
	const out = [];
	(await room.call.pc.getStats()).forEach(s => {
		if (s.kind !== "audio") return;
		if (s.type === "outbound-rtp") out.push(JSON.stringify({sent: s.packetsSent, bytes: s.bytesSent}));
		if (s.type === "inbound-rtp") out.push(JSON.stringify({received: s.packetsReceived, lost: s.packetsLost,
			concealed: s.concealedSamples, samples: s.totalSamplesReceived, energy: s.totalAudioEnergy}));
		if (s.type === "media-source") out.push(JSON.stringify({level: s.audioLevel, energy: s.totalAudioEnergy, duration: s.totalSamplesDuration}));
	});
	return out.join(" ");
})()`
