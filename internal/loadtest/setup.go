// Package loadtest generates load against a running Rapport server on
// loopback, as real clients do, and measures what the server does with it:
// the library behind the rapport-load binary, never linked into the
// server's. It signs its users in through the dev sign-in, so it needs a
// server that offers it (loopback, no OIDC client configured). A load can
// be spread over several processes (Part), each returning a tally that
// the ...ResultOf functions merge into one result.
package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// roomSetup is a room of the load, its index in the whole load, and how
// each of its participants joins: their headers.
type roomSetup struct {
	index  int
	roomID string
	seats  []http.Header
}

// setupRooms signs in a coach and a client for each of the rooms (their
// indices in the whole load), books them a session, and, for a third
// participant, asks for the room's AI seat. It runs workers at a time.
func setupRooms(ctx context.Context, server, token, run string, rooms []int, participants, workers int, progress func(string, int, int, int64)) ([]roomSetup, error) {
	out := make([]roomSetup, len(rooms))
	var done atomic.Int64
	errs := make(chan error, len(rooms))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				rs, err := setupRoom(ctx, server, token, run, rooms[k], participants, "")
				if err != nil {
					errs <- fmt.Errorf("room %d: %w", rooms[k], err)
					continue
				}
				out[k] = rs
				progress("setup", int(done.Add(1)), len(rooms), 0)
			}
		}()
	}
	for k := range rooms {
		select {
		case next <- k:
		case err := <-errs:
			close(next)
			wg.Wait()
			return nil, err
		}
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		return nil, err
	default:
	}
	return out, nil
}

// setupRoom signs in room i's coach and client, links them and books
// their session, with the call mode given (empty: the practice's).
func setupRoom(ctx context.Context, server, token, run string, i, participants int, callMode string) (roomSetup, error) {
	coach, err := devSignIn(ctx, server, token, fmt.Sprintf("lt-%s-coach-%d@example.com", run, i), "coach")
	if err != nil {
		return roomSetup{}, err
	}
	client, err := devSignIn(ctx, server, token, fmt.Sprintf("lt-%s-client-%d@example.com", run, i), "client")
	if err != nil {
		return roomSetup{}, err
	}
	clientID, err := inviteAndAccept(ctx, server, coach, client, fmt.Sprintf("lt-%s-client-%d@example.com", run, i))
	if err != nil {
		return roomSetup{}, err
	}
	var appt struct {
		ID     int64
		RoomID string `json:"room_id"`
	}
	start := time.Now().Add(10 * time.Minute).UTC().Format(time.RFC3339)
	body := fmt.Sprintf(`{"client_id":%d,"title":"Load test","starts_at":%q,"duration_minutes":240,"call_mode":%q}`, clientID, start, callMode)
	if err := call(ctx, coach, "POST", server+"/api/v1/appointments", body, &appt); err != nil {
		return roomSetup{}, err
	}
	rs := roomSetup{index: i, roomID: appt.RoomID, seats: []http.Header{cookies(coach, server), cookies(client, server)}}
	if participants == 3 {
		var tok struct{ Token string }
		if err := call(ctx, coach, "POST", fmt.Sprintf("%s/api/v1/appointments/%d/agent-token", server, appt.ID), "", &tok); err != nil {
			return roomSetup{}, err
		}
		rs.seats = append(rs.seats, http.Header{"Authorization": {"Bearer " + tok.Token}})
	}
	return rs, nil
}

// inviteAndAccept has the coach invite email and the client, signed in with
// it, accept the invitation, as people do; it returns the client's ID.
func inviteAndAccept(ctx context.Context, server string, coach, client *http.Client, email string) (int64, error) {
	var c, me struct{ ID int64 }
	var sent struct{ Status string }
	if err := call(ctx, coach, "GET", server+"/api/v1/me", "", &c); err != nil {
		return 0, err
	}
	if err := call(ctx, coach, "POST", server+"/api/v1/clients", fmt.Sprintf(`{"email":%q}`, email), &sent); err != nil {
		return 0, err
	}
	var accepted struct{ Status string }
	if err := call(ctx, client, "POST", fmt.Sprintf("%s/api/v1/invitations/%d/accept", server, c.ID), "", &accepted); err != nil {
		return 0, err
	}
	err := call(ctx, client, "GET", server+"/api/v1/me", "", &me)
	return me.ID, err
}

// devSignIn signs in through POST /auth/dev with the developer sign-in's
// token and returns a client with the cookie.
func devSignIn(ctx context.Context, server, token, email, role string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	form := url.Values{"email": {email}, "role": {role}, "name": {strings.Split(email, "@")[0]}, "token": {token}}
	req, _ := http.NewRequestWithContext(ctx, "POST", server+"/auth/dev", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("dev sign-in of %s: HTTP %d (is the server on loopback with the dev sign-in on, and --dev-token its token?)", email, res.StatusCode)
	}
	return hc, nil
}

func call(ctx context.Context, hc *http.Client, method, u, body string, into any) error {
	req, _ := http.NewRequestWithContext(ctx, method, u, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	res, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode >= 300 {
		b, _ := io.ReadAll(res.Body)
		return fmt.Errorf("%s %s: HTTP %d: %s", method, u, res.StatusCode, b)
	}
	return json.NewDecoder(res.Body).Decode(into)
}

func cookies(hc *http.Client, server string) http.Header {
	u, _ := url.Parse(server)
	h := http.Header{}
	for _, c := range hc.Jar.Cookies(u) {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	return h
}
