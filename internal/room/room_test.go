package room_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/chat"
	"rapport/internal/coaching"
	"rapport/internal/notify"
	"rapport/internal/protocol"
	"rapport/internal/room"
	"rapport/internal/store"
	"rapport/internal/store/storetest"
)

// fakeConn records the frames a room sends it.
type fakeConn struct {
	mu     sync.Mutex
	frames []map[string]any
	full   bool
	closed string
	got    chan struct{}
}

func newConn() *fakeConn { return &fakeConn{got: make(chan struct{}, 1000)} }

func (c *fakeConn) Send(f *protocol.Frame) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.full || c.closed != "" {
		return c.closed != "" // a closed conn swallows; a full one says so
	}
	var m map[string]any
	json.Unmarshal(f.Bytes(), &m)
	c.frames = append(c.frames, m)
	select {
	case c.got <- struct{}{}:
	default:
	}
	return true
}

func (c *fakeConn) Close(reason string) {
	c.mu.Lock()
	if c.closed == "" {
		c.closed = reason
	}
	c.mu.Unlock()
}

// wait returns the first frame of type typ, waiting up to ten seconds.
func (c *fakeConn) wait(t *testing.T, typ string) map[string]any {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		c.mu.Lock()
		for i, f := range c.frames {
			if f["type"] == typ {
				c.frames = append(c.frames[:i:i], c.frames[i+1:]...)
				c.mu.Unlock()
				return f
			}
		}
		c.mu.Unlock()
		select {
		case <-c.got:
		case <-time.After(10 * time.Millisecond):
		case <-deadline:
			t.Fatalf("no %q frame; have %v", typ, c.types())
		}
	}
}

// waitUntil polls cond until it holds, failing the test after ten seconds
// (a bound against a hang, not a guess at how long it takes).
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: gave up after 10 s", what)
		}
	}
}

// barrier waits until the room has done all it was asked before now, as
// to conn: by, another member, starts typing, which the room tells conn
// after whatever it sent conn before (one loop per room, frames in order).
func barrier(t *testing.T, by *room.Seat, conn *fakeConn) {
	t.Helper()
	by.Typing(true)
	conn.wait(t, "typing")
	by.Typing(false)
	conn.wait(t, "typing")
}

func (c *fakeConn) count(typ string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, f := range c.frames {
		if f["type"] == typ {
			n++
		}
	}
	return n
}

func (c *fakeConn) types() []any {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []any
	for _, f := range c.frames {
		out = append(out, f["type"])
	}
	return out
}

func (c *fakeConn) closedWith() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

type fixture struct {
	db            *store.DB
	svc           *coaching.Service
	m             *room.Manager
	clock         *app.FixedClock
	hub           *notify.Hub
	w             *chat.Writer
	coach, client *coaching.User
	appt          *coaching.Appointment
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := storetest.MustOpen(t, "sqlite")
	clock := app.NewFixedClock(time.Date(2030, 3, 4, 9, 0, 0, 0, time.UTC))
	svc := coaching.NewService(db, clock)
	ctx := context.Background()
	coach, _ := svc.DevSignIn(ctx, "coach@example.com", "Cora", app.RoleCoach)
	client, _ := svc.DevSignIn(ctx, "client@example.com", "Cleo", app.RoleClient)
	db.LinkCoachClient(ctx, coach.ID, client.ID, clock.Now())
	appt, err := svc.Book(app.WithActor(ctx, coach.Actor()), coaching.Booking{ClientID: client.ID, Title: "Kickoff",
		StartsAt: clock.Now().Add(10 * time.Minute), Duration: 30 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	w := chat.NewWriter(db, log)
	t.Cleanup(w.Close)
	hub := notify.NewHub()
	m := room.NewManager(svc, db, w, hub, clock, log) // its timers run on clock: a test moves it past them
	return &fixture{db: db, svc: svc, m: m, clock: clock, hub: hub, w: w, coach: coach, client: client, appt: appt}
}

func (f *fixture) join(t *testing.T, u *coaching.User, req protocol.JoinRequest) (*fakeConn, *room.Seat, map[string]any) {
	t.Helper()
	c := newConn()
	h, err := f.m.Join(f.appt, u, c, req, "j1")
	if err != nil {
		t.Fatal(err)
	}
	joined := c.wait(t, "joined")
	if joined["id"] != "j1" {
		t.Fatalf("joined answers %v", joined["id"])
	}
	return c, h, joined["data"].(map[string]any)
}

func TestTimerStartsWithTheSecondPerson(t *testing.T) {
	f := newFixture(t)
	sub := f.hub.Subscribe(f.client.ID) // the client has the dashboard open
	coachConn, _, j := f.join(t, f.coach, protocol.JoinRequest{})
	if j["timer"].(map[string]any)["started_at"] != nil {
		t.Fatal("the timer runs with one person")
	}
	wait := j["waiting_for"].(map[string]any)
	if wait["name"] != "Cleo" || wait["online"] != true {
		t.Fatalf("waiting for %v", wait)
	}
	select {
	case ev := <-sub.C:
		if string(ev) == "" {
			t.Fatal("empty notice")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the client was not told someone is waiting")
	}
	f.clock.Advance(3 * time.Minute)
	_, _, j2 := f.join(t, f.client, protocol.JoinRequest{})
	started := j2["timer"].(map[string]any)["started_at"]
	if started == nil || j2["waiting_for"] != nil || len(j2["participants"].([]any)) != 2 {
		t.Fatalf("second join: %v", j2)
	}
	timer := coachConn.wait(t, "timer")["data"].(map[string]any)
	if timer["started_at"] != started {
		t.Fatalf("clocks disagree: %v vs %v", timer["started_at"], started)
	}
	coachConn.wait(t, "participant.joined")
	want := f.clock.Now().Format(time.RFC3339)
	if started != want {
		t.Fatalf("started at %v, want %v", started, want)
	}
}

func TestChatAckFanOutAndReconnect(t *testing.T) {
	f := newFixture(t)
	coachConn, coach, _ := f.join(t, f.coach, protocol.JoinRequest{})
	clientConn, _, j := f.join(t, f.client, protocol.JoinRequest{})
	session := int64(j["session"].(map[string]any)["id"].(float64))
	for i := 1; i <= 5; i++ {
		coach.Chat(fmt.Sprint("r", i), fmt.Sprint("c", i), fmt.Sprint("hello ", i))
	}
	for i := 1; i <= 5; i++ {
		ack := coachConn.wait(t, "chat.ack")
		msg := clientConn.wait(t, "chat.message")["data"].(map[string]any)
		if ack["id"] != fmt.Sprint("r", i) || msg["body"] != fmt.Sprint("hello ", i) || msg["sender_name"] != "Cora" {
			t.Fatalf("message %d: ack %v, message %v", i, ack, msg)
		}
	}
	if coachConn.count("chat.message") != 0 {
		t.Fatal("the sender got its own message besides the ack")
	}
	// The client drops after seeing seq 2 and reconnects: it gets 3, 4, 5 once.
	conn2, _, j2 := f.join(t, f.client, protocol.JoinRequest{SessionID: session, LastSeq: 2})
	if clientConn.closedWith() != room.ReasonReplaced {
		t.Fatalf("old tab closed with %q", clientConn.closedWith())
	}
	missed := j2["messages"].([]any)
	if len(missed) != 3 || missed[0].(map[string]any)["seq"].(float64) != 3 {
		t.Fatalf("missed %v", missed)
	}
	barrier(t, coach, conn2)
	if conn2.count("chat.message") != 0 {
		t.Fatal("a missed message came twice")
	}
	// A retry of c3 (its ack was lost) is acknowledged, not stored again.
	coach.Chat("again", "c3", "hello 3")
	ack := coachConn.wait(t, "chat.ack")["data"].(map[string]any)
	if ack["seq"].(float64) != 3 {
		t.Fatalf("retry acked as %v", ack)
	}
	barrier(t, coach, conn2)
	if conn2.count("chat.message") != 0 {
		t.Fatal("a retried message was delivered again")
	}
	if last, _ := f.db.LastSeq(context.Background(), session); last != 5 {
		t.Fatalf("stored up to %d, want 5", last)
	}
}

func TestSlowConsumerIsDropped(t *testing.T) {
	f := newFixture(t)
	coachConn, coach, _ := f.join(t, f.coach, protocol.JoinRequest{})
	clientConn, _, _ := f.join(t, f.client, protocol.JoinRequest{})
	clientConn.mu.Lock()
	clientConn.full = true
	clientConn.mu.Unlock()
	coach.Chat("r1", "c1", "are you there?")
	coachConn.wait(t, "chat.ack")
	left := coachConn.wait(t, "participant.left")["data"].(map[string]any)
	if left["reason"] != room.ReasonTooSlow || clientConn.closedWith() != room.ReasonTooSlow {
		t.Fatalf("left %v, closed %q", left, clientConn.closedWith())
	}
	coach.Chat("r2", "c2", "still here")
	coachConn.wait(t, "chat.ack") // the room carries on
}

func TestEmptyRoomEndsTheSessionWithItsDuration(t *testing.T) {
	f := newFixture(t)
	coachConn, coach, _ := f.join(t, f.coach, protocol.JoinRequest{})
	_, client, j := f.join(t, f.client, protocol.JoinRequest{})
	session := int64(j["session"].(map[string]any)["id"].(float64))
	f.clock.Advance(25 * time.Minute)
	client.Leave(room.ReasonLeft)
	coachConn.wait(t, "participant.left")
	f.clock.Advance(2 * time.Minute)
	coach.Leave(room.ReasonLeft)
	if f.m.Count() != 1 {
		t.Fatal("the room ended as soon as it was empty, without a grace period")
	}
	f.passGrace(t)
	f.waitGone(t)
	cs, err := f.db.CallSessionByID(context.Background(), session)
	if err != nil || cs.EndedAt == nil || cs.Duration != 27*time.Minute {
		t.Fatalf("session %+v %v, want 27 minutes", cs, err)
	}
	// Its slot is not over: the appointment stays open for a rejoin.
	a, _ := f.db.AppointmentByID(context.Background(), f.appt.ID)
	if a.Status != coaching.ApptScheduled {
		t.Fatalf("appointment %s", a.Status)
	}
}

func TestRejoinWithinGraceContinuesTheSession(t *testing.T) {
	f := newFixture(t)
	f.m.Grace = time.Hour
	_, coach, j1 := f.join(t, f.coach, protocol.JoinRequest{})
	coach.Leave(room.ReasonLeft)
	_, _, j2 := f.join(t, f.coach, protocol.JoinRequest{})
	if j1["session"].(map[string]any)["id"] != j2["session"].(map[string]any)["id"] {
		t.Fatal("a rejoin within the grace period got a new session")
	}
}

func TestShutdownKeepsTheSessionForTheNextServer(t *testing.T) {
	f := newFixture(t)
	f.m.ChatBurst = 100
	coachConn, coach, j1 := f.join(t, f.coach, protocol.JoinRequest{})
	f.join(t, f.client, protocol.JoinRequest{})
	for i := range 50 {
		coach.Chat(fmt.Sprint(i), fmt.Sprint("m", i), "msg")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	f.m.Shutdown(ctx)
	if coachConn.closedWith() != room.ReasonRestart {
		t.Fatalf("closed with %q", coachConn.closedWith())
	}
	if got := coachConn.count("chat.ack"); got != 50 {
		t.Fatalf("%d of 50 messages acknowledged before the restart", got)
	}
	if _, err := f.m.Join(f.appt, f.coach, newConn(), protocol.JoinRequest{}, "x"); app.ErrorCode(err) != app.EUNAVAILABLE {
		t.Fatalf("join during shutdown: %v", err)
	}
	next := room.NewManager(f.svc, f.db, f.w, f.hub, f.clock, slog.New(slog.NewTextHandler(io.Discard, nil)))
	c := newConn()
	if _, err := next.Join(f.appt, f.coach, c, protocol.JoinRequest{}, "j"); err != nil {
		t.Fatal(err)
	}
	j2 := c.wait(t, "joined")["data"].(map[string]any)
	s1, s2 := j1["session"].(map[string]any), j2["session"].(map[string]any)
	if s1["id"] != s2["id"] || s2["started_at"] == nil || len(j2["messages"].([]any)) != 50 {
		t.Fatalf("after restart: session %v (was %v), %d messages", s2, s1, len(j2["messages"].([]any)))
	}
}

func TestChatRateLimit(t *testing.T) {
	f := newFixture(t)
	coachConn, coach, _ := f.join(t, f.coach, protocol.JoinRequest{})
	for i := range 25 {
		coach.Chat(fmt.Sprint(i), fmt.Sprint("m", i), "quick")
	}
	limited := coachConn.wait(t, "error")["data"].(map[string]any)
	if limited["code"] != "rate_limited" {
		t.Fatalf("error %v", limited)
	}
}

// TestTimerWarnings: the warnings come at their time on the room's clock,
// not a second before, and the call goes on.
func TestTimerWarnings(t *testing.T) {
	for _, tc := range []struct {
		kind string
		at   func(f *fixture) time.Time
	}{
		{"five_minutes", func(f *fixture) time.Time { return f.appt.EndsAt().Add(-5 * time.Minute) }},
		{"ended", func(f *fixture) time.Time { return f.appt.EndsAt() }},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			f := newFixture(t)
			at := tc.at(f)
			f.clock.Advance(at.Add(-time.Minute).Sub(f.clock.Now())) // the call starts a minute before
			coachConn, _, _ := f.join(t, f.coach, protocol.JoinRequest{})
			_, client, _ := f.join(t, f.client, protocol.JoinRequest{})
			if !slices.ContainsFunc(f.clock.Timers(), at.Equal) {
				t.Fatalf("no timer at %v: %v", at, f.clock.Timers())
			}
			f.clock.Advance(time.Minute - time.Second)
			barrier(t, client, coachConn) // whatever the room was asked before is sent first
			if n := coachConn.count("timer.warning"); n != 0 {
				t.Fatalf("%d warnings a second before %s", n, tc.kind)
			}
			f.clock.Advance(time.Second)
			w := coachConn.wait(t, "timer.warning")["data"].(map[string]any)
			if w["kind"] != tc.kind {
				t.Fatalf("warning %v, want %s", w, tc.kind)
			}
			if coachConn.closedWith() != "" {
				t.Fatal("the call was cut at the warning")
			}
		})
	}
}

// TestAISeatHearsTheRoom: the AI's seat gets what everyone gets: the timer,
// presence changes, people leaving.
func TestAISeatHearsTheRoom(t *testing.T) {
	f := newFixture(t)
	aiConn, _, _ := f.join(t, room.AIUser(), protocol.JoinRequest{})
	_, coach, _ := f.join(t, f.coach, protocol.JoinRequest{})
	_, client, _ := f.join(t, f.client, protocol.JoinRequest{})
	aiConn.wait(t, "timer")
	coach.Presence(protocol.Presence{Mic: true, Path: "sfu-udp"})
	aiConn.wait(t, "presence")
	client.Leave(room.ReasonLeft)
	aiConn.wait(t, "participant.left")
}

// TestNewTabGetsTheMessageInFlight: a message sent from a tab that is
// replaced before it is stored reaches the new tab.
func TestNewTabGetsTheMessageInFlight(t *testing.T) {
	f := newFixture(t)
	slow := &slowWriter{release: make(chan struct{}), next: f.w}
	f.m.Chat = slow
	_, coach, _ := f.join(t, f.coach, protocol.JoinRequest{})
	clientConn, _, _ := f.join(t, f.client, protocol.JoinRequest{})
	coach.Chat("r1", "c1", "sent from the old tab")
	waitUntil(t, "the message to reach the writer", func() bool { return slow.waiting() > 0 })
	newTab, _, _ := f.join(t, f.coach, protocol.JoinRequest{})
	close(slow.release)
	if m := newTab.wait(t, "chat.message")["data"].(map[string]any); m["body"] != "sent from the old tab" {
		t.Fatalf("new tab got %v", m)
	}
	clientConn.wait(t, "chat.message")
}

// slowWriter holds messages until released.
type slowWriter struct {
	release chan struct{}
	next    room.ChatWriter
	n       atomic.Int64
}

func (w *slowWriter) Submit(m *chat.Message, done func(*chat.Message, error)) {
	w.n.Add(1)
	go func() { <-w.release; w.next.Submit(m, done) }()
}

func (w *slowWriter) waiting() int64 { return w.n.Load() }

func TestRetriesAreRateLimitedAndPerSender(t *testing.T) {
	f := newFixture(t)
	coachConn, coach, _ := f.join(t, f.coach, protocol.JoinRequest{})
	clientConn, client, _ := f.join(t, f.client, protocol.JoinRequest{})
	coach.Chat("r", "same-id", "from the coach")
	coachConn.wait(t, "chat.ack")
	// The client using the coach's message ID sends a message of its own.
	client.Chat("r", "same-id", "from the client")
	ack := clientConn.wait(t, "chat.ack")["data"].(map[string]any)
	if ack["message"].(map[string]any)["body"] != "from the client" {
		t.Fatalf("the client's message was taken for the coach's: %v", ack)
	}
	for range 30 {
		coach.Chat("again", "same-id", "from the coach")
	}
	if e := coachConn.wait(t, "error")["data"].(map[string]any); e["code"] != "rate_limited" {
		t.Fatalf("retries were not limited: %v", e)
	}
}

// TestPathsCountEachPersonOnce: the people in live rooms are counted by
// the media path their browsers report, one path each, through changes of
// path, a second tab and leaving.
func TestPathsCountEachPersonOnce(t *testing.T) {
	f := newFixture(t)
	_, coach, _ := f.join(t, f.coach, protocol.JoinRequest{})
	clientConn, client, _ := f.join(t, f.client, protocol.JoinRequest{Presence: protocol.Presence{Path: "tunnel"}})
	want := func(w map[string]int) {
		t.Helper()
		waitUntil(t, fmt.Sprintf("paths %v (have %v)", w, f.m.Paths()), func() bool { return maps.Equal(f.m.Paths(), w) })
	}
	want(map[string]int{"none": 1, "tunnel": 1})
	coach.Presence(protocol.Presence{Path: "sfu-udp"})
	want(map[string]int{"sfu-udp": 1, "tunnel": 1})
	coach.Presence(protocol.Presence{Path: "made-up"})
	want(map[string]int{"unknown": 1, "tunnel": 1})
	f.join(t, f.client, protocol.JoinRequest{Presence: protocol.Presence{Path: "turn-tls"}}) // a second tab takes over
	clientConn.wait(t, "replaced")
	want(map[string]int{"unknown": 1, "turn-tls": 1})
	client.Leave(room.ReasonLeft) // the old tab's handle: it no longer speaks for the client
	coach.Leave(room.ReasonLeft)
	want(map[string]int{"turn-tls": 1})
}

// TestCollidingClientIDsAreNotTakenForEachOther: the room remembers client
// IDs by hash; when two share one, the stored message is compared before a
// new message is answered as its retry.
func TestCollidingClientIDsAreNotTakenForEachOther(t *testing.T) {
	room.CollideSentIDs(t)
	f := newFixture(t)
	coachConn, coach, _ := f.join(t, f.coach, protocol.JoinRequest{})
	clientConn, client, _ := f.join(t, f.client, protocol.JoinRequest{})
	sends := []struct {
		h    *room.Seat
		conn *fakeConn
		id   string
		body string
	}{
		{coach, coachConn, "second", "one"},
		{coach, coachConn, "first", "two"},
		{client, clientConn, "first", "three"}, // the coach's ID, not the coach's message
	}
	for i, s := range sends {
		s.h.Chat("r", s.id, s.body)
		ack := s.conn.wait(t, "chat.ack")["data"].(map[string]any)["message"].(map[string]any)
		if ack["body"] != s.body || ack["seq"] != float64(i+1) {
			t.Fatalf("send %d acknowledged as %v", i, ack)
		}
	}
	var sessionID int64
	for _, c := range []*fakeConn{coachConn, clientConn} {
		m := c.wait(t, "chat.message")["data"].(map[string]any)
		sessionID = int64(m["session_id"].(float64))
	}
	stored, err := f.db.MessagesAfter(context.Background(), sessionID, 0, 10)
	if err != nil || len(stored) != 3 {
		t.Fatalf("stored %d messages, want 3: %v", len(stored), err)
	}
}
