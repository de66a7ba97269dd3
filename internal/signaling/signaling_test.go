package signaling_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"rapport/internal/app"
)

// transports runs a test over a WebSocket and over long polling.
var transports = map[string]func(e *env, t *testing.T, hc *http.Client) peer{
	"websocket": func(e *env, t *testing.T, hc *http.Client) peer { return e.mustWS(t, hc) },
	"longpoll":  func(e *env, t *testing.T, hc *http.Client) peer { return e.openPoll(t, hc) },
}

func TestTwoJoinAndTheTimerStartsAtTheSecond(t *testing.T) {
	for name, dial := range transports {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, "sqlite")
			coach := dial(e, t, e.coach)
			j1 := join(t, coach, nil)
			if j1.Timer.StartedAt != nil || j1.WaitingFor == nil || j1.WaitingFor.Name != "client" {
				t.Fatalf("first join: %+v", j1)
			}
			client := dial(e, t, e.client)
			j2 := join(t, client, nil)
			if j2.Timer.StartedAt == nil || len(j2.Participants) != 2 || j2.WaitingFor != nil {
				t.Fatalf("second join: %+v", j2)
			}
			var timer struct {
				StartedAt time.Time `json:"started_at"`
			}
			wait(t, coach, "timer").decode(t, &timer)
			if !timer.StartedAt.Equal(*j2.Timer.StartedAt) {
				t.Fatalf("the two clocks disagree: %v and %v", timer.StartedAt, j2.Timer.StartedAt)
			}
			wait(t, coach, "participant.joined")
		})
	}
}

func TestChatRoundTrip(t *testing.T) {
	for name, dial := range transports {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, "sqlite")
			coach, client := dial(e, t, e.coach), dial(e, t, e.client)
			join(t, coach, nil)
			join(t, client, nil)
			coach.send(t, "chat.send", "m1", map[string]string{"client_id": "c-1", "body": "see https://example.com <b>now</b>"})
			ack := wait(t, coach, "chat.ack")
			var a struct {
				Seq       int64 `json:"seq"`
				MessageID int64 `json:"message_id"`
			}
			ack.decode(t, &a)
			if ack.ID != "m1" || a.Seq != 1 || a.MessageID == 0 {
				t.Fatalf("ack %+v %+v", ack, a)
			}
			var m struct {
				Body       string
				SenderName string `json:"sender_name"`
			}
			wait(t, client, "chat.message").decode(t, &m)
			if m.Body != "see https://example.com <b>now</b>" || m.SenderName != "coach" {
				t.Fatalf("message %+v", m)
			}
			for _, bad := range []struct{ data map[string]string }{
				{map[string]string{"client_id": "c-2", "body": "   "}},
				{map[string]string{"client_id": "c-3", "body": strings.Repeat("x", 4001)}},
				{map[string]string{"body": "no id"}},
			} {
				coach.send(t, "chat.send", "bad", bad.data)
				if f := wait(t, coach, "error"); f.ID != "bad" {
					t.Fatalf("error frame %+v", f)
				}
			}
		})
	}
}

func TestReconnectGetsWhatItMissedExactlyOnce(t *testing.T) {
	e := newEnv(t, "sqlite")
	coach := e.mustWS(t, e.coach)
	join(t, coach, nil)
	client := e.mustWS(t, e.client)
	j := join(t, client, nil)
	for i := 1; i <= 3; i++ {
		coach.send(t, "chat.send", fmt.Sprint(i), map[string]string{"client_id": fmt.Sprint("a", i), "body": fmt.Sprint("before ", i)})
		wait(t, client, "chat.message")
	}
	client.close()
	wait(t, coach, "participant.left")
	for i := 4; i <= 6; i++ {
		coach.send(t, "chat.send", fmt.Sprint(i), map[string]string{"client_id": fmt.Sprint("a", i), "body": fmt.Sprint("missed ", i)})
		wait(t, coach, "chat.ack")
	}
	again := e.mustWS(t, e.client)
	j2 := join(t, again, map[string]int64{"session_id": j.Session.ID, "last_seq": 3})
	if len(j2.Messages) != 3 || j2.Messages[0].Seq != 4 || j2.Messages[2].Body != "missed 6" {
		t.Fatalf("missed: %+v", j2.Messages)
	}
	coach.send(t, "chat.send", "7", map[string]string{"client_id": "a7", "body": "after"})
	var m struct{ Seq int64 }
	wait(t, again, "chat.message").decode(t, &m)
	if m.Seq != 7 {
		t.Fatalf("next live message has seq %d: a missed one came twice", m.Seq)
	}
}

func TestOutsidersAreRefused(t *testing.T) {
	e := newEnv(t, "sqlite")
	outsider := e.signIn("other@example.com", "client")
	otherCoach := e.signIn("coach2@example.com", "coach")
	admin := e.signIn("admin@example.com", "admin")
	anon := &http.Client{}
	for name, hc := range map[string]*http.Client{"outsider": outsider, "other coach": otherCoach, "admin": admin} {
		_, res, err := e.dialWS(t, hc)
		if err == nil || res == nil || res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: WebSocket %v %v", name, err, res)
		}
		if code := e.api(hc, "POST", "/rooms/"+e.roomID+"/poll", "", nil); code != http.StatusNotFound {
			t.Errorf("%s: long poll %d", name, code)
		}
	}
	if code := e.api(anon, "POST", "/rooms/"+e.roomID+"/poll", "", nil); code != http.StatusUnauthorized {
		t.Errorf("anonymous long poll: %d", code)
	}
	_, res, err := e.dialWS(t, anon)
	if err == nil || res == nil || res.StatusCode == http.StatusSwitchingProtocols {
		t.Errorf("anonymous WebSocket: %v", err)
	}
	// Another site's page cannot open the socket with our cookie.
	header := http.Header{"Origin": {"https://evil.example"}}
	for _, c := range e.coach.Jar.Cookies(mustURL(e.url)) {
		header.Add("Cookie", c.Name+"="+c.Value)
	}
	_, res, err = websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(e.url, "http")+"/rooms/"+e.roomID+"/signal",
		&websocket.DialOptions{HTTPHeader: header})
	if err == nil || res == nil || res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin WebSocket: %v %v", err, res)
	}
	// Someone else's long-poll connection is not theirs to read.
	p := e.openPoll(t, e.coach)
	if code := e.api(outsider, "GET", p.base, "", nil); code != http.StatusNotFound {
		t.Errorf("reading another's long poll: %d", code)
	}
}

func TestTwoTabsOfOnePerson(t *testing.T) {
	e := newEnv(t, "sqlite")
	first := e.mustWS(t, e.coach)
	join(t, first, nil)
	second := e.mustWS(t, e.coach)
	j := join(t, second, nil)
	if len(j.Participants) != 1 {
		t.Fatalf("one person counted %d times", len(j.Participants))
	}
	wait(t, first, "replaced")
	select {
	case code := <-first.closed:
		if code != 4001 {
			t.Fatalf("replaced tab closed with %d", code)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the replaced tab stayed open")
	}
	second.send(t, "ping", "p", nil)
	wait(t, second, "pong")
}

func TestSlowConsumerIsDroppedWhileOthersCarryOn(t *testing.T) {
	e := newEnv(t, "sqlite")
	e.app.Rooms.ChatRate, e.app.Rooms.ChatBurst = 1e6, 1e6
	e.app.Signaling.FrameRate, e.app.Signaling.FrameBurst = 1e6, 1e6
	coach := e.mustWS(t, e.coach)
	join(t, coach, nil)
	slow, _, err := e.dialWS(t, e.client)
	if err != nil {
		t.Fatal(err)
	}
	slow.send(t, "join", "j", nil)
	// The slow client reads its joined frame and then nothing more.
	wait(t, slow, "joined")
	stopReading(t, slow)
	body := strings.Repeat("x", 4000)
	var dropped bool
	for i := 0; i < 5000 && !dropped; i++ {
		coach.send(t, "chat.send", fmt.Sprint(i), map[string]string{"client_id": fmt.Sprint("s", i), "body": body})
		for {
			f, ok := coach.next(t, 3*time.Second)
			if !ok {
				t.Fatalf("the coach got nothing for message %d", i)
			}
			if f.Type == "participant.left" {
				var l struct{ Reason string }
				f.decode(t, &l)
				dropped = l.Reason == "too_slow"
			}
			if f.Type == "chat.ack" {
				break
			}
		}
	}
	if !dropped {
		t.Fatal("a client that stopped reading was never dropped")
	}
	coach.send(t, "chat.send", "after", map[string]string{"client_id": "after", "body": "still here"})
	wait(t, coach, "chat.ack")
}

// stopReading makes a test peer stop taking frames off its socket, so that
// the server's writes back up; reading resumes when the test ends.
func stopReading(t *testing.T, p *wsPeer) {
	close(p.paused)
	t.Cleanup(func() { close(p.resume); p.close() })
}

// TestEmptiedRoomEndsTheSession: once both have left and the grace period
// has passed (on the server's clock), the call session ends with the time
// they were in it.
func TestEmptiedRoomEndsTheSession(t *testing.T) {
	clock := app.NewFixedClock(time.Now())
	e := newEnvAt(t, clock)
	coach, client := e.mustWS(t, e.coach), e.mustWS(t, e.client)
	join(t, coach, nil)
	j := join(t, client, nil)
	clock.Advance(90 * time.Second)
	client.send(t, "leave", "l", nil)
	wait(t, client, "ok")
	coach.close()
	end := clock.Now().Add(e.app.Rooms.Grace)
	waitUntil(t, 10*time.Second, "the emptied room's grace timer", func() bool { return slices.ContainsFunc(clock.Timers(), end.Equal) })
	if e.app.Rooms.Count() != 1 {
		t.Fatal("the room ended as soon as it was empty, without a grace period")
	}
	clock.Advance(e.app.Rooms.Grace)
	waitUntil(t, 10*time.Second, "the room to end", func() bool { return e.app.Rooms.Count() == 0 })
	cs, err := e.app.DB.CallSessionByID(context.Background(), j.Session.ID)
	if err != nil || cs.EndedAt == nil || cs.Duration != 90*time.Second {
		t.Fatalf("session %+v %v, want ended after 90 s", cs, err)
	}
}

func TestBadFramesGetErrorsAndTheConnectionStays(t *testing.T) {
	for name, dial := range transports {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, "sqlite")
			p := dial(e, t, e.coach)
			for _, bad := range []string{`not json`, `{"v":2,"type":"join"}`, `{"v":1}`, `{"v":1,"type":"teleport","id":"x"}`,
				`{"v":1,"type":"chat.send","id":"early","data":{"client_id":"a","body":"b"}}`} {
				if ws, ok := p.(*wsPeer); ok {
					ws.ws.Write(context.Background(), websocket.MessageText, []byte(bad))
				} else {
					pp := p.(*pollPeer)
					pp.e.api(pp.hc, "POST", pp.base, bad, nil)
				}
				wait(t, p, "error")
			}
			p.send(t, "join", "bad", map[string]any{"last_seq": "three"})
			if f := wait(t, p, "error"); f.ID != "bad" {
				t.Fatalf("bad join answered %+v", f)
			}
			join(t, p, nil) // and the connection still works
		})
	}
}

func TestNotifiesTheOtherPersonWaiting(t *testing.T) {
	e := newEnv(t, "sqlite")
	req, _ := http.NewRequest("GET", e.url+"/events", nil)
	res, err := e.client.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatal(err, res)
	}
	defer res.Body.Close()
	got, opened := make(chan string, 1), make(chan struct{})
	go func(opened chan struct{}) {
		buf := make([]byte, 4096)
		var all strings.Builder
		for {
			n, err := res.Body.Read(buf)
			all.Write(buf[:n])
			if opened != nil && (strings.Contains(all.String(), "retry:") || err != nil) { // written once subscribed
				close(opened)
				opened = nil
			}
			if strings.Contains(all.String(), "room.waiting") || err != nil {
				got <- all.String()
				return
			}
		}
	}(opened)
	<-opened // the stream is open before the coach arrives
	coach := e.mustWS(t, e.coach)
	j := join(t, coach, nil)
	if j.WaitingFor == nil {
		t.Fatal("no waiting_for")
	}
	select {
	case s := <-got:
		if !strings.Contains(s, `"room.waiting"`) || !strings.Contains(s, e.roomID) {
			t.Fatalf("stream: %q", s)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("no notice")
	}
}

func TestHistoryAPI(t *testing.T) {
	e := newEnv(t, "sqlite")
	coach := e.mustWS(t, e.coach)
	j := join(t, coach, nil)
	for i := 1; i <= 7; i++ {
		coach.send(t, "chat.send", fmt.Sprint(i), map[string]string{"client_id": fmt.Sprint(i), "body": fmt.Sprint("m", i)})
		wait(t, coach, "chat.ack")
	}
	var page struct {
		Items []struct {
			Seq  int64
			Body string
		}
		Before int64
	}
	path := fmt.Sprintf("/api/v1/sessions/%d/messages?limit=3", j.Session.ID)
	e.api(e.client, "GET", path, "", &page)
	if len(page.Items) != 3 || page.Items[0].Seq != 5 || page.Items[2].Body != "m7" || page.Before != 5 {
		t.Fatalf("newest page: %+v", page)
	}
	e.api(e.client, "GET", fmt.Sprintf("%s&before=%d", path, page.Before), "", &page)
	if len(page.Items) != 3 || page.Items[0].Seq != 2 {
		t.Fatalf("older page: %+v", page)
	}
	outsider := e.signIn("x@example.com", "client")
	if code := e.api(outsider, "GET", path, "", nil); code != http.StatusNotFound {
		t.Fatalf("outsider reads history: %d", code)
	}
}

var _ sync.Mutex

// TestAppointmentPageShowsEarlierChat: after a call, the appointment page
// carries its chat, as text.
func TestAppointmentPageShowsEarlierChat(t *testing.T) {
	e := newEnv(t, "sqlite")
	coach := e.mustWS(t, e.coach)
	join(t, coach, nil)
	coach.send(t, "chat.send", "1", map[string]string{"client_id": "x1", "body": "notes at https://example.com/plan <script>"})
	wait(t, coach, "chat.ack")
	var list struct{ Items []struct{ ID int64 } }
	e.api(e.client, "GET", "/api/v1/appointments", "", &list)
	res, err := e.client.Get(fmt.Sprintf("%s/appointments/%d", e.url, list.Items[0].ID))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	page := string(b)
	if !strings.Contains(page, `<a href="https://example.com/plan" rel="noopener noreferrer nofollow"`) ||
		!strings.Contains(page, "&lt;script&gt;") || strings.Contains(page, "<script>") {
		t.Fatalf("appointment page chat:\n%s", page)
	}
}

func TestFloodsAreLimitedPerConnection(t *testing.T) {
	e := newEnv(t, "sqlite")
	coach := e.mustWS(t, e.coach)
	join(t, coach, nil)
	client := e.mustWS(t, e.client)
	join(t, client, nil)
	for i := range 300 {
		coach.send(t, "typing", "", map[string]bool{"active": i%2 == 0})
	}
	var e429 struct{ Code string }
	wait(t, coach, "error").decode(t, &e429)
	if e429.Code != "rate_limited" {
		t.Fatalf("flood answered %+v", e429)
	}
	client.send(t, "ping", "p", nil) // the other person is fine
	wait(t, client, "pong")
}

func TestRoomsOpenNearTheirTime(t *testing.T) {
	e := newEnv(t, "sqlite")
	laterID := e.inviteAndAccept(e.signIn("later@example.com", "client"), "later@example.com")
	var later struct {
		RoomID string `json:"room_id"`
	}
	e.api(e.coach, "POST", "/api/v1/appointments", fmt.Sprintf(`{"client_id":%d,"starts_at":%q,"duration_minutes":30}`,
		laterID, time.Now().Add(3*time.Hour).UTC().Format(time.RFC3339)), &later)
	e.roomID = later.RoomID
	if _, res, err := e.dialWS(t, e.coach); err == nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("a room three hours early: %v %v", err, res)
	}
	if code := e.api(e.coach, "POST", "/rooms/"+later.RoomID+"/poll", "", nil); code != http.StatusForbidden {
		t.Fatalf("long poll three hours early: %d", code)
	}
}
