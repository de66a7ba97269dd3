package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rapport/internal/ai"
	"rapport/internal/ai/aitest"
	"rapport/internal/membership/skool/skooltest"
)

// TestE2EChatAI is the AI co-coach in the chat, in headless Chromium, with
// a stand-in model over HTTP: the client types a question and presses Ask
// the AI; both see the reply appear as it is written and then as the AI's
// message. With the model down, both are told the AI is unavailable, and
// the chat goes on.
func TestE2EChatAI(t *testing.T) {
	t.Parallel()
	chromium := skooltest.Chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), e2eLimit)
	defer cancel()
	model := aitest.New(t)
	model.Answer(func(m []ai.Message) string {
		return "Start with one small habit, and check in with Carla next week."
	})
	model.Delay(0, 150*time.Millisecond) // two seconds of writing, to be seen
	base := startServer(t, "sqlite", "AI_BASE_URL", model.URL, "AI_MODEL", "stand-in", "AI_TIMEOUT", "2s")
	shots := newShooter(t, "ai")
	browser := startBrowser(t, ctx, chromium)
	client := newPerson(t, browser, base, "client", "America/New_York", shots)
	coach := newPerson(t, browser, base, "coach", "Europe/Berlin", shots)
	_, clientID := linked(t, coach, client)
	roomURL := bookSoon(coach, clientID, "Habits")
	coach.open(roomURL, 200)
	client.open(roomURL, 200)
	for _, p := range []*person{coach, client} {
		p.waitFor(together("websocket"))
		p.waitFor(`!document.querySelector("[data-ask-ai]").hidden`)
	}
	const answer = "Start with one small habit, and check in with Carla next week."
	// The answer shows as it is written; the coach's page remembers seeing
	// it, however briefly a busy machine lets it show.
	eval[chromedp.Void](coach, `new MutationObserver(() => {
		if (document.querySelector(".msg-writing")?.textContent.includes("Start with")) window.sawWriting = true;
	}).observe(document.body, {subtree: true, childList: true, characterData: true})`)
	client.do(chromedp.SendKeys(chromedp.CSS("#chat-input"), "what should I start with?"))
	client.do(chromedp.Click(chromedp.CSS("[data-ask-ai]")))
	client.waitAcked("@ai what should I start with?")
	coach.waitFor(`window.sawWriting === true`)
	for _, p := range []*person{coach, client} {
		p.wantMessage(answer, "AI co-coach")
		p.waitFor(`!document.querySelector(".msg-writing")`)
	}
	if got := model.Requests(); len(got) != 1 || !strings.HasSuffix(got[0].Messages[len(got[0].Messages)-1].Content, "@ai what should I start with?") {
		t.Fatalf("the model was asked %+v", got)
	}
	coach.shot("ai-chat")

	model.Down(true)
	coach.say("@ai anything else?")
	for _, p := range []*person{coach, client} {
		p.waitUpTo(20*time.Second, `!document.querySelector("[data-ai-status]").hidden && document.querySelector("[data-ai-status]").textContent.includes("unavailable")`)
	}
	client.say("Fine, let us go on without it.")
	coach.wantMessage("Fine, let us go on without it.", "Cleo Client")
	client.shot("ai-unavailable")
	for _, p := range []*person{coach, client} {
		p.checkConsole()
	}
}
