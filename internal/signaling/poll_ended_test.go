package signaling_test

import (
	"net/http"
	"testing"
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
