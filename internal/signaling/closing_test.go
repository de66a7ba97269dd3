package signaling_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

// wsClosedWith waits for a WebSocket to close and returns its status.
func wsClosedWith(t *testing.T, p *wsPeer) websocket.StatusCode {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case <-p.frames: // drain what came before the close
		case code := <-p.closed:
			return code
		case <-deadline:
			t.Fatal("the connection stayed open 10 s")
			return 0
		}
	}
}

// pollClosedWith waits for a long poll to be closed and returns its reason;
// a poll refused 401 (sent after the session ended) counts as signed_out,
// as the page takes it.
func pollClosedWith(t *testing.T, p *pollPeer) string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-p.frames:
			if !ok {
				p.mu.Lock()
				defer p.mu.Unlock()
				if p.closed == "" && p.status == http.StatusUnauthorized {
					return "signed_out"
				}
				return p.closed
			}
		case <-deadline:
			t.Fatal("the long poll stayed open 10 s")
			return ""
		}
	}
}

// TestSignOutClosesRoomConnections: signing out closes that session's room
// connections at once, long poll and WebSocket, saying why (the page then
// shows "signed out" and does not reconnect), and the room sees the person
// go; the other person stays.
func TestSignOutClosesRoomConnections(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			e := newEnv(t, d)
			ws := e.mustWS(t, e.client)
			join(t, ws, nil)
			poll := e.openPoll(t, e.coach)
			join(t, poll, nil)
			coachID := e.userID(t, e.coach)
			if code := e.api(e.coach, "POST", "/auth/logout", "", nil); code != http.StatusSeeOther {
				t.Fatalf("logout: %d", code)
			}
			if reason := pollClosedWith(t, poll); reason != "signed_out" {
				t.Fatalf("long poll closed with %q", reason)
			}
			for {
				var left struct {
					UserID int64 `json:"user_id"`
				}
				wait(t, ws, "participant.left").decode(t, &left)
				if left.UserID == coachID {
					break
				}
			}
			if code := e.api(e.client, "POST", "/auth/logout", "", nil); code != http.StatusSeeOther {
				t.Fatalf("logout: %d", code)
			}
			if code := wsClosedWith(t, ws); code != 4004 {
				t.Fatalf("WebSocket closed with %d, want 4004 (signed_out)", code)
			}
		})
	}
}

// TestDisableAndRoleChangeCloseRoomConnections: an admin's disable closes
// the person's connections at once, and they cannot come back; a role
// change makes them reconnect, which checks them again.
func TestDisableAndRoleChangeCloseRoomConnections(t *testing.T) {
	e := newEnv(t, "sqlite")
	admin := e.signIn("admin@example.com", "admin")
	clientID := e.userID(t, e.client)
	ws := e.mustWS(t, e.client)
	join(t, ws, nil)
	if code := e.api(admin, "PATCH", fmt.Sprintf("/api/v1/users/%d", clientID), `{"role":"coach"}`, nil); code != http.StatusOK {
		t.Fatalf("role change: %d", code)
	}
	if code := wsClosedWith(t, ws); code != websocket.StatusGoingAway {
		t.Fatalf("after a role change: closed with %d, want 1001 (reconnect)", code)
	}
	ws = e.mustWS(t, e.client) // the page reconnects, checked again
	join(t, ws, nil)
	if code := e.api(admin, "PATCH", fmt.Sprintf("/api/v1/users/%d", clientID), `{"status":"disabled"}`, nil); code != http.StatusOK {
		t.Fatalf("disable: %d", code)
	}
	wsClosedWith(t, ws)
	if _, res, err := e.dialWS(t, e.client); err == nil || res == nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a disabled user dialled the room again: %v %v", res, err)
	}
}

// TestCancelClosesTheRoom: cancelling an appointment closes its live room
// for everyone, and nobody may enter it again.
func TestCancelClosesTheRoom(t *testing.T) {
	e := newEnv(t, "sqlite")
	coach, client := e.mustWS(t, e.coach), e.mustWS(t, e.client)
	join(t, coach, nil)
	join(t, client, nil)
	var list struct{ Items []struct{ ID int64 } }
	e.api(e.coach, "GET", "/api/v1/appointments", "", &list)
	if code := e.api(e.coach, "DELETE", fmt.Sprintf("/api/v1/appointments/%d", list.Items[0].ID), `{"reason":"ill"}`, nil); code != http.StatusOK {
		t.Fatalf("cancel: %d", code)
	}
	for name, p := range map[string]*wsPeer{"coach": coach, "client": client} {
		if code := wsClosedWith(t, p); code != 4003 {
			t.Fatalf("%s closed with %d, want 4003 (room_ended)", name, code)
		}
	}
	if _, res, err := e.dialWS(t, e.coach); err == nil || res == nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("the coach entered a cancelled appointment's room: %v %v", res, err)
	}
}

// TestSessionCheckClosesWhatAnotherProcessEnded: a disable by another
// process (`rapport user disable`) reaches the room connections at the next
// session check, which runs every ping interval.
func TestSessionCheckClosesWhatAnotherProcessEnded(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			e := newEnv(t, d)
			ws := e.mustWS(t, e.client)
			join(t, ws, nil)
			cli := coaching.NewService(e.app.DB, nil) // no hooks: another process
			ctx := app.WithActor(context.Background(), app.Operator)
			disabled := coaching.StatusDisabled
			if _, err := cli.UpdateUser(ctx, e.userID(t, e.client), coaching.UserChange{Status: &disabled}); err != nil {
				t.Fatal(err)
			}
			check, stop := context.WithCancel(context.Background())
			defer stop()
			go e.app.Signaling.RunSessionCheck(check, 20*time.Millisecond)
			if code := wsClosedWith(t, ws); code != 4004 {
				t.Fatalf("closed with %d, want 4004 (signed_out)", code)
			}
		})
	}
}

// TestSignOutClosesTheMediaTunnel: the media tunnel's WebSocket ends with its
// person's session too.
func TestSignOutClosesTheMediaTunnel(t *testing.T) {
	e := newEnv(t, "sqlite")
	c := e.tunnel(t, e.coach)
	if code := e.api(e.coach, "POST", "/auth/logout", "", nil); code != http.StatusSeeOther {
		t.Fatalf("logout: %d", code)
	}
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the media tunnel stayed open 10 s after its person signed out")
	}
}
