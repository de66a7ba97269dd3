package room_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"rapport/internal/ai"
	"rapport/internal/ai/aitest"
	"rapport/internal/chat"
	"rapport/internal/protocol"
	"rapport/internal/room"
)

// withAI gives the fixture's rooms the real co-coach, talking to a
// stand-in model over HTTP.
func (f *fixture) withAI(t *testing.T) *aitest.Server {
	s := aitest.New(t)
	c := ai.NewClient(s.URL, "stand-in", "")
	c.Backoff, c.Timeout = 5*time.Millisecond, time.Second
	f.m.Assistant = &ai.CoCoach{Client: c, Profiles: f.db}
	return s
}

// TestAMentionOfTheAIGetsAStreamedReplyStoredForBoth: "@ai" in a message
// gets the model's reply, streamed to both people as it is written, then
// stored as the AI's message and sent to both; the model is told who is
// who and what was said.
func TestAMentionOfTheAIGetsAStreamedReplyStoredForBoth(t *testing.T) {
	f := newFixture(t)
	s := f.withAI(t)
	s.Answer(func([]ai.Message) string { return "Pick one small step for this week and tell Cora how it went." })
	s.Delay(0, 20*time.Millisecond)
	coachConn, coach, joined := f.join(t, f.coach, protocol.JoinRequest{})
	if st := joined["ai"].(map[string]any); st["enabled"] != true || st["available"] != true {
		t.Fatalf("joined says of the AI %v", st)
	}
	clientConn, client, _ := f.join(t, f.client, protocol.JoinRequest{})
	coach.Chat("r0", "c0", "Welcome back, Cleo.")
	coachConn.wait(t, "chat.ack")
	client.Chat("r1", "c1", "@AI what should I focus on?")
	for _, c := range []*fakeConn{coachConn, clientConn} {
		partial := c.wait(t, "ai.stream")["data"].(map[string]any)
		if partial["done"] == true || !strings.HasPrefix("Pick one small step for this week and tell Cora how it went.", partial["text"].(string)) {
			t.Fatalf("the reply being written: %v", partial)
		}
		var msg map[string]any
		for msg == nil || msg["kind"] != "ai" {
			msg = c.wait(t, "chat.message")["data"].(map[string]any)
		}
		if msg["body"] != "Pick one small step for this week and tell Cora how it went." || msg["sender_name"] != room.AIName {
			t.Fatalf("the AI's message: %v", msg)
		}
	}
	reqs := s.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests to the model for one mention", len(reqs))
	}
	msgs := reqs[0].Messages
	last := msgs[len(msgs)-1]
	if msgs[0].Role != "system" || !strings.Contains(msgs[0].Content, "Cora") || !strings.Contains(msgs[0].Content, "Cleo") ||
		last.Content != "Cleo (client): @AI what should I focus on?" || !strings.Contains(msgs[1].Content, "Welcome back") {
		t.Fatalf("the model was asked %+v", msgs)
	}
	stored, err := f.db.MessagesAfter(context.Background(), sessionOf(t, joined), 0, 10)
	if err != nil || len(stored) != 3 || stored[2].Kind != chat.KindAI || stored[2].SenderID != 0 {
		t.Fatalf("stored %v %v", stored, err)
	}
	client.Chat("r2", "c2", "thanks, mail me at ai@example.com") // not a mention
	clientConn.wait(t, "chat.ack")
	// A mention after it: the AI takes questions in order, so its answer
	// comes after whatever the first could have asked.
	client.Chat("r3", "c3", "@ai one more thing")
	for msg := map[string]any(nil); msg == nil || msg["kind"] != "ai"; {
		msg = clientConn.wait(t, "chat.message")["data"].(map[string]any)
	}
	if reqs := s.Requests(); len(reqs) != 2 || !strings.HasSuffix(reqs[1].Messages[len(reqs[1].Messages)-1].Content, "@ai one more thing") {
		t.Fatalf("a message without @ai asked the model (%d requests)", len(reqs))
	}
}

// TestTheCallGoesOnWhenTheModelIsDown: the room says the AI is
// unavailable and why, stores nothing from it, the chat goes on; when the
// model is back, the room says so and the AI answers.
func TestTheCallGoesOnWhenTheModelIsDown(t *testing.T) {
	f := newFixture(t)
	s := f.withAI(t)
	s.Down(true)
	coachConn, coach, _ := f.join(t, f.coach, protocol.JoinRequest{})
	clientConn, client, _ := f.join(t, f.client, protocol.JoinRequest{})
	coach.Chat("r1", "c1", "@ai summarise please")
	for _, c := range []*fakeConn{coachConn, clientConn} {
		st := c.wait(t, "ai.status")["data"].(map[string]any)
		if st["available"] != false || !strings.Contains(st["message"].(string), "unavailable") {
			t.Fatalf("ai.status %v", st)
		}
	}
	client.Chat("r2", "c2", "no worries, let's go on")
	if m := coachConn.wait(t, "chat.message")["data"].(map[string]any); m["body"] != "no worries, let's go on" {
		t.Fatalf("the chat did not go on: %v", m)
	}
	s.Down(false)
	coach.Chat("r3", "c3", "@ai are you back?")
	if st := clientConn.wait(t, "ai.status")["data"].(map[string]any); st["available"] != true {
		t.Fatalf("ai.status %v", st)
	}
	var msg map[string]any
	for msg == nil || msg["kind"] != "ai" {
		msg = clientConn.wait(t, "chat.message")["data"].(map[string]any)
	}
	if msg["body"] != "You said: "+f.coach.DisplayName()+" (coach): @ai are you back?" {
		t.Fatalf("the AI's answer %v", msg["body"])
	}
}

func sessionOf(t *testing.T, joined map[string]any) int64 {
	t.Helper()
	return int64(joined["session"].(map[string]any)["id"].(float64))
}
