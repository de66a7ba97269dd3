package signaling_test

import (
	"strings"
	"testing"
)

// TestPeerToPeerSignalingGoesToTheOtherPersonOnly: a browser's p2p.signal
// reaches the person it names, marked with who sent it; one for somebody
// not in the room, or without data, is an error; and the joined answer
// says the room's call mode.
func TestPeerToPeerSignalingGoesToTheOtherPersonOnly(t *testing.T) {
	e := newEnv(t, "sqlite")
	coach, client := e.mustWS(t, e.coach), e.mustWS(t, e.client)
	coachID, clientID := e.userID(t, e.coach), e.userID(t, e.client)
	join(t, coach, nil)
	client.send(t, "join", "j", nil)
	var j struct {
		CallMode string `json:"call_mode"`
	}
	wait(t, client, "joined").decode(t, &j)
	if j.CallMode != "sfu" {
		t.Fatalf("call mode %q, want the default, sfu", j.CallMode)
	}
	coach.send(t, "p2p.signal", "s1", map[string]any{"to": clientID, "data": map[string]any{"description": map[string]string{"type": "offer", "sdp": "v=0"}}})
	if f := wait(t, coach, "ok"); f.ID != "s1" {
		t.Fatalf("the sender's answer is for %q", f.ID)
	}
	f := wait(t, client, "p2p.signal")
	var got struct {
		From int64 `json:"from"`
		Data struct {
			Description struct{ Type, SDP string }
		} `json:"data"`
	}
	f.decode(t, &got)
	if got.From != coachID || got.Data.Description.Type != "offer" || got.Data.Description.SDP != "v=0" {
		t.Fatalf("the client got %s", f.Data)
	}
	coach.send(t, "p2p.signal", "s2", map[string]any{"to": 987654, "data": map[string]any{}})
	if f := wait(t, coach, "error"); f.ID != "s2" || !strings.Contains(string(f.Data), "not in the room") {
		t.Fatalf("signal to a stranger: %s %s", f.ID, f.Data)
	}
	coach.send(t, "p2p.signal", "s3", map[string]any{"to": clientID})
	if f := wait(t, coach, "error"); f.ID != "s3" || !strings.Contains(string(f.Data), `"to"`) {
		t.Fatalf("signal without data: %s %s", f.ID, f.Data)
	}
}
