package signaling_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// TestAForgottenLongPollSaysItEnded: a poll or a send on a long-poll
// connection the server has forgotten answers that it closed
// ("conn_ended"), not with an error a browser would log; an outsider still
// gets 404.
func TestAForgottenLongPollSaysItEnded(t *testing.T) {
	e := newEnv(t, "sqlite")
	var open struct{ Conn string }
	if code := e.api(e.coach, "POST", "/rooms/"+e.roomID+"/poll", "", &open); code != http.StatusCreated {
		t.Fatalf("open: %d", code)
	}
	base := "/rooms/" + e.roomID + "/poll/" + open.Conn
	if code := e.api(e.coach, "DELETE", base, "", nil); code != http.StatusNoContent {
		t.Fatalf("close: %d", code)
	}
	var ans struct {
		Closed string
		Frames []any
	}
	if code := e.api(e.coach, "GET", base+"?after=0", "", &ans); code != http.StatusOK || ans.Closed != "conn_ended" {
		t.Fatalf("a poll of the ended connection: %d %+v", code, ans)
	}
	ans.Closed = ""
	if code := e.api(e.coach, "POST", base, `{"v":1,"type":"ping"}`, &ans); code != http.StatusOK || ans.Closed != "conn_ended" {
		t.Fatalf("a send on the ended connection: %d %+v", code, ans)
	}
	if code := e.api(e.signIn("x@example.com", "client"), "GET", base, "", nil); code != http.StatusNotFound {
		t.Fatalf("an outsider: %d", code)
	}
}

// TestALongPollEndedByTheCoachSaysSoToEveryRequest: once the coach ends the
// session, the client's long poll is told "room_ended"; a poll after the
// server forgot the connection, and a send that crossed that answer, are
// told the same (not "conn_ended",
// which would have the page open a new connection and be refused as if the
// room had never been open).
func TestALongPollEndedByTheCoachSaysSoToEveryRequest(t *testing.T) {
	e := newEnv(t, "sqlite")
	coach, client := e.mustWS(t, e.coach), e.openPoll(t, e.client)
	join(t, coach, nil)
	join(t, client, nil)
	coach.send(t, "room.end", "e1", nil)
	wait(t, client, "room.ended")
	var closed string
	waitUntil(t, 10*time.Second, "the client's poll to close", func() bool {
		client.mu.Lock()
		defer client.mu.Unlock()
		closed = client.closed
		return closed != ""
	})
	if closed != "room_ended" {
		t.Fatalf("the client's poll closed with %q, want room_ended", closed)
	}
	// The poll that said why came with the last frames: the server keeps
	// the connection until a poll takes the close alone, and forgets it then.
	var ans struct{ Closed string }
	after := fmt.Sprintf("?after=%d", client.after)
	for i := 0; i < 2; i++ {
		ans.Closed = ""
		if code := e.api(e.client, "GET", client.base+after, "", &ans); code != http.StatusOK || ans.Closed != "room_ended" {
			t.Fatalf("poll %d after the end: %d %+v, want 200 room_ended", i+1, code, ans)
		}
	}
	ans.Closed = ""
	if code := e.api(e.client, "POST", client.base, `{"v":1,"type":"ping"}`, &ans); code != http.StatusOK || ans.Closed != "room_ended" {
		t.Fatalf("a send after the end: %d %+v, want 200 room_ended", code, ans)
	}
	ans.Closed = ""
	if code := e.api(e.coach, "GET", client.base+"?after=0", "", &ans); code != http.StatusOK || ans.Closed != "conn_ended" {
		t.Fatalf("the coach polling the client's connection: %d %+v, want 200 conn_ended", code, ans)
	}
}
