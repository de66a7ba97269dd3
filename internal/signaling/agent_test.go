package signaling_test

import (
	"fmt"
	"net/http"
	"testing"
)

// TestAgentTakesTheAISeat: with the token its coach asked for, a program
// joins as the AI co-coach, a third participant, and its words are kind "ai".
func TestAgentTakesTheAISeat(t *testing.T) {
	e := newEnv(t, "sqlite")
	tok := e.agentToken(t)
	ai, _, err := e.dialAgent(t, tok)
	if err != nil {
		t.Fatal(err)
	}
	defer ai.close()
	j := join(t, ai, nil)
	if j.You.UserID != 0 || j.Timer.StartedAt != nil || j.WaitingFor != nil {
		t.Fatalf("AI join: %+v", j)
	}
	coach := e.mustWS(t, e.coach)
	if jc := join(t, coach, nil); jc.Timer.StartedAt != nil || len(jc.Participants) != 2 {
		t.Fatalf("the AI counted as a person: %+v", jc)
	}
	client := e.mustWS(t, e.client)
	if jc := join(t, client, nil); jc.Timer.StartedAt == nil || len(jc.Participants) != 3 {
		t.Fatalf("three in the room: %+v", jc)
	}
	ai.send(t, "chat.send", "a1", map[string]string{"client_id": "ai-1", "body": "Shall we recap?"})
	wait(t, ai, "chat.ack")
	for _, p := range []peer{coach, client} {
		var m struct {
			Kind       string
			SenderName string `json:"sender_name"`
			SenderID   int64  `json:"sender_id"`
		}
		wait(t, p, "chat.message").decode(t, &m)
		if m.Kind != "ai" || m.SenderName != "AI co-coach" || m.SenderID != 0 {
			t.Fatalf("AI message: %+v", m)
		}
	}
}

func TestAgentTokenIsTheCoachsToGive(t *testing.T) {
	e := newEnv(t, "sqlite")
	var list struct{ Items []struct{ ID int64 } }
	e.api(e.client, "GET", "/api/v1/appointments", "", &list)
	path := fmt.Sprintf("/api/v1/appointments/%d/agent-token", list.Items[0].ID)
	if code := e.api(e.client, "POST", path, "", nil); code != http.StatusForbidden {
		t.Errorf("client asks: %d", code)
	}
	if code := e.api(e.signIn("c2@example.com", "coach"), "POST", path, "", nil); code != http.StatusNotFound {
		t.Errorf("another coach asks: %d", code)
	}
	_, res, err := e.dialAgent(t, "not-a-token")
	if err == nil || res.StatusCode != http.StatusUnauthorized {
		t.Errorf("bad token: %v %v", err, res)
	}
	// A token opens its own room only.
	tok := e.agentToken(t)
	second := e.inviteAndAccept(e.signIn("second@example.com", "client"), "second@example.com")
	var other struct {
		RoomID string `json:"room_id"`
	}
	e.api(e.coach, "POST", "/api/v1/appointments", fmt.Sprintf(`{"client_id":%d,"starts_at":"2031-01-01T10:00:00Z","duration_minutes":30}`, second), &other)
	e.roomID = other.RoomID
	if _, res, err := e.dialAgent(t, tok); err == nil || res.StatusCode != http.StatusNotFound {
		t.Errorf("token of another room: %v %v", err, res)
	}
}
