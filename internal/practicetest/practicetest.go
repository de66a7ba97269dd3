// Package practicetest sets up a small practice on a running Rapport
// server for tests, through its HTTP API as people would: a coach and a
// client signed in with the developer sign-in, the client's invitation
// accepted, an appointment booked, and the headers that let Go clients of
// the room protocol into its room.
package practicetest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"
)

// DevToken opens the developer sign-in of the tests' servers (32 bytes or
// more, as the token a server keeps in its data directory).
const DevToken = "a-developer-sign-in-token-for-the-tests"

// SignIn signs email in with role through the developer sign-in and
// returns a client that carries the session's cookie.
func SignIn(t testing.TB, base, email, role string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.PostForm(base+"/auth/dev", url.Values{"email": {email}, "role": {role}, "token": {DevToken}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("dev sign-in: %d", res.StatusCode)
	}
	return c
}

// InviteAndAccept has coach invite email and client, signed in with it,
// accept through the API; it returns the client's ID.
func InviteAndAccept(t testing.TB, base string, coach, client *http.Client, email string) int64 {
	t.Helper()
	var c, me struct{ ID int64 }
	Do(t, coach, "GET", base+"/api/v1/me", "", 200, &c)
	Do(t, coach, "POST", base+"/api/v1/clients", fmt.Sprintf(`{"email":%q}`, email), 202, nil)
	Do(t, client, "POST", fmt.Sprintf("%s/api/v1/invitations/%d/accept", base, c.ID), "", 200, nil)
	Do(t, client, "GET", base+"/api/v1/me", "", 200, &me)
	return me.ID
}

// Do sends a JSON request, fails t unless the answer has status, and
// decodes the answer into into (when not nil).
func Do(t testing.TB, c *http.Client, method, u, body string, status int, into any) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != status {
		t.Fatalf("%s %s: %d, want %d: %s", method, u, res.StatusCode, status, b)
	}
	if into != nil {
		if err := json.Unmarshal(b, into); err != nil {
			t.Fatal(err)
		}
	}
}

// Room is a booked appointment's room and who may enter it.
type Room struct {
	AppointmentID int64
	RoomID        string
	// CoachID and ClientID are the two people's user IDs.
	CoachID, ClientID int64
	// Coach, Client and AI are the headers of the three seats: the coach's
	// and the client's session cookies, and the AI seat's room token.
	Coach, Client, AI http.Header
}

// Seats returns the headers of the coach, the client and the AI, in order.
func (r *Room) Seats() []http.Header { return []http.Header{r.Coach, r.Client, r.AI} }

// BookRoom signs in a coach and a client (of the given emails), links
// them, and books an appointment starting in five minutes.
func BookRoom(t testing.TB, base, coachEmail, clientEmail string) *Room {
	t.Helper()
	coach := SignIn(t, base, coachEmail, "coach")
	client := SignIn(t, base, clientEmail, "client")
	clientID := InviteAndAccept(t, base, coach, client, clientEmail)
	var me struct{ ID int64 }
	Do(t, coach, "GET", base+"/api/v1/me", "", 200, &me)
	var appt struct {
		ID     int64
		RoomID string `json:"room_id"`
	}
	Do(t, coach, "POST", base+"/api/v1/appointments", fmt.Sprintf(`{"client_id":%d,"starts_at":%q,"duration_minutes":60}`,
		clientID, time.Now().Add(5*time.Minute).UTC().Format(time.RFC3339)), 201, &appt)
	var tok struct{ Token string }
	Do(t, coach, "POST", fmt.Sprintf("%s/api/v1/appointments/%d/agent-token", base, appt.ID), "", 201, &tok)
	return &Room{AppointmentID: appt.ID, RoomID: appt.RoomID, CoachID: me.ID, ClientID: clientID, Coach: CookieHeader(coach, base), Client: CookieHeader(client, base),
		AI: http.Header{"Authorization": {"Bearer " + tok.Token}}}
}

// CookieHeader is the Cookie header hc sends to base.
func CookieHeader(hc *http.Client, base string) http.Header {
	req, _ := http.NewRequest("GET", base, nil)
	h := http.Header{}
	for _, c := range hc.Jar.Cookies(req.URL) {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	return h
}
