package multinode

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"rapport/internal/practicetest"
)

// TestNoticesAndSignOutsReachEveryNode: the coach's open page on node a
// hears that the client waits in the room, which the client reached
// through node b; the client signing out on node c closes their room
// connection on b at once.
func TestNoticesAndSignOutsReachEveryNode(t *testing.T) {
	t.Parallel()
	p := newPractice(t, true)
	a, b, c := p.startReady("a"), p.startReady("b"), p.startReady("c")
	room := practicetest.BookRoom(t, a.URL, "coach@example.com", "client@example.com")
	events := openEvents(t, a.URL, room.Coach)
	ws := joinRaw(t, b.URL, room.RoomID, room.Client)
	select {
	case ev := <-events:
		if !strings.Contains(ev, `"room.waiting"`) {
			t.Fatalf("the coach's page got %s, want room.waiting", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the coach's page on a did not hear that the client waits (through b)")
	}
	req, _ := http.NewRequest("POST", c.URL+"/auth/logout", nil)
	for k, v := range room.Client {
		req.Header[k] = v
	}
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for {
		if _, _, err := ws.Read(ctx); err != nil {
			if got := websocket.CloseStatus(err); got != 4004 {
				t.Fatalf("the client's room connection ended with %v (%d), want 4004, signed out", err, got)
			}
			return
		}
	}
}

// openEvents opens a person's notice stream (the page's /events) at base
// and hands over each notice's data.
func openEvents(t *testing.T, base string, header http.Header) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/events", nil)
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("/events: HTTP %d", res.StatusCode)
	}
	out := make(chan string, 16)
	go func() {
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				out <- data
			}
		}
	}()
	return out
}

// joinRaw joins the room at base over a bare WebSocket and waits for
// "joined".
func joinRaw(t *testing.T, base, roomID string, header http.Header) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/rooms/"+roomID+"/signal", &websocket.DialOptions{HTTPHeader: header})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	if err := ws.Write(ctx, websocket.MessageText, []byte(`{"v":1,"type":"join","id":"j","data":{}}`)); err != nil {
		t.Fatal(err)
	}
	for {
		_, b, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("join: %v", err)
		}
		var f struct{ Type string }
		json.Unmarshal(b, &f)
		if f.Type == "joined" {
			return ws
		}
	}
}
