package multinode

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"rapport/internal/cluster/clustertest"
	"rapport/internal/practicetest"
	"rapport/internal/protocol"
	"rapport/internal/roomclient"
	"rapport/internal/store"
)

// seat is one person in a room through a Go client of the room protocol.
type seat struct {
	name string
	c    *roomclient.Client

	mu     sync.Mutex
	got    map[string]int // bodies of the others' messages -> times delivered
	joins  []protocol.Joined
	timers int // "timer" frames
	joined chan struct{}
}

// sit joins the room at base as the person header signs in.
func sit(t *testing.T, name, base, roomID string, header http.Header) *seat {
	t.Helper()
	s := &seat{name: name, got: map[string]int{}, joined: make(chan struct{}, 16)}
	c, err := roomclient.Dial(t.Context(), roomclient.Options{BaseURL: base, RoomID: roomID, Header: header, MaxBackoff: 500 * time.Millisecond,
		OnMessage: func(m roomclient.Message) { s.mu.Lock(); s.got[m.Body]++; s.mu.Unlock() },
		OnFrame: func(typ string) {
			if typ == protocol.TypeTimer {
				s.mu.Lock()
				s.timers++
				s.mu.Unlock()
			}
		},
		OnJoined: func(data json.RawMessage) {
			var j protocol.Joined
			json.Unmarshal(data, &j)
			s.mu.Lock()
			s.joins = append(s.joins, j)
			s.mu.Unlock()
			s.joined <- struct{}{}
		}})
	if err != nil {
		t.Fatalf("%s joins through %s: %v", name, base, err)
	}
	t.Cleanup(c.Close)
	s.c = c
	select { // Dial may return before OnJoined has run
	case <-s.joined:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: no joined", name)
	}
	return s
}

// lastJoin is the seat's newest "joined".
func (s *seat) lastJoin() protocol.Joined {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.joins[len(s.joins)-1]
}

// timed reports whether the seat has been told the call's timer.
func (s *seat) timed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.timers > 0 || (len(s.joins) > 0 && s.joins[len(s.joins)-1].Timer.StartedAt != nil)
}

// times is how often the seat was given body.
func (s *seat) times(body string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.got[body]
}

// waitFor waits for cond, failing after d with what.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// owner is the node that holds the room's lease now.
func (p *practice) owner(t *testing.T, appointmentID int64) string {
	t.Helper()
	id, err := clustertest.Client(t).Get(context.Background(), fmt.Sprintf("%s:room:%d", p.prefix, appointmentID)).Result()
	if err != nil {
		t.Fatalf("the room's owner: %v", err)
	}
	return id
}

// TestOneRoomThroughDifferentNodes: the coach on one node and the client
// on another are in one room, run by one node: each sees the other, the
// call's timer starts for both, and chat goes both ways.
func TestOneRoomThroughDifferentNodes(t *testing.T) {
	t.Parallel()
	p := newPractice(t, true)
	a, b, c := p.startReady("a"), p.startReady("b"), p.startReady("c")
	room := practicetest.BookRoom(t, a.URL, "coach@example.com", "client@example.com")
	coach := sit(t, "coach", b.URL, room.RoomID, room.Coach)
	client := sit(t, "client", c.URL, room.RoomID, room.Client)
	if j := client.lastJoin(); len(j.Participants) != 2 {
		t.Fatalf("the client, joining through c, sees %d people, want the coach (through b) too: %+v", len(j.Participants), j.Participants)
	}
	owner := p.owner(t, room.AppointmentID)
	if !strings.Contains("abc", owner) {
		t.Fatalf("the room is owned by %q", owner)
	}
	waitFor(t, 5*time.Second, "the call's timer did not reach both", func() bool { return coach.timed() && client.timed() })
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if _, err := coach.c.Send(ctx, "from the coach, through b"); err != nil {
		t.Fatal(err)
	}
	if _, err := client.c.Send(ctx, "from the client, through c"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "chat did not go both ways", func() bool {
		return client.times("from the coach, through b") == 1 && coach.times("from the client, through c") == 1
	})
}

// TestASecondNodeWithoutRedisIsRefused: a node without REDIS_URL against
// a database another node serves (alone, or as a cluster's) stops at start
// with a clear message, and the first goes on.
func TestASecondNodeWithoutRedisIsRefused(t *testing.T) {
	t.Parallel()
	for _, first := range []string{"alone", "clustered"} {
		t.Run("after a node "+first, func(t *testing.T) {
			t.Parallel()
			p := newPractice(t, first == "clustered")
			a := p.startReady("a")
			lone := &practice{t: t, databaseURL: p.databaseURL}
			second := lone.start("second")
			select {
			case <-second.done:
			case <-time.After(60 * time.Second):
				t.Fatal("the second node still runs after a minute")
			}
			if second.err == nil || !strings.Contains(second.out.String(), "another Rapport node is serving this database") {
				t.Fatalf("the second node exited with %v, saying:\n%s", second.err, second.out.String())
			}
			a.ready(t)
		})
	}
}

// chatter keeps two seats sending until stopped, and remembers what was
// acknowledged.
type chatter struct {
	mu    sync.Mutex
	acked map[string]int64 // body -> session it was stored in
	stop  chan struct{}
	wg    sync.WaitGroup
}

// chat starts each seat sending a message every interval.
func chat(t *testing.T, every time.Duration, seats ...*seat) *chatter {
	ch := &chatter{acked: map[string]int64{}, stop: make(chan struct{})}
	for _, s := range seats {
		ch.wg.Add(1)
		go func() {
			defer ch.wg.Done()
			for i := 0; ; i++ {
				select {
				case <-ch.stop:
					return
				case <-time.After(every):
				}
				body := fmt.Sprintf("%s %d", s.name, i)
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				ack, err := s.c.Send(ctx, body)
				cancel()
				if err != nil {
					t.Errorf("%s: %v", body, err)
					return
				}
				ch.mu.Lock()
				ch.acked[body] = ack.Message.SessionID
				ch.mu.Unlock()
			}
		}()
	}
	return ch
}

// count is how many messages were acknowledged.
func (ch *chatter) count() int {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	return len(ch.acked)
}

// end stops the senders and waits for their last acknowledgements.
func (ch *chatter) end() {
	close(ch.stop)
	ch.wg.Wait()
}

// checkStoredOnce checks that every acknowledged message is stored exactly
// once, in one session, and reached the other seat.
func checkStoredOnce(t *testing.T, p *practice, ch *chatter, session int64, seats ...*seat) {
	t.Helper()
	db, err := store.Open(context.Background(), p.databaseURL, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stored := map[string]int{}
	for after := int64(0); ; {
		page, err := db.MessagesAfter(context.Background(), session, after, 500)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page {
			stored[m.Body]++
			after = m.Seq
		}
		if len(page) < 500 {
			break
		}
	}
	for body, s := range ch.acked {
		if s != session {
			t.Errorf("%q was stored in session %d, want the call's one session %d", body, s, session)
		}
		if stored[body] != 1 {
			t.Errorf("%q acknowledged, stored %d times", body, stored[body])
		}
	}
	waitFor(t, 10*time.Second, "an acknowledged message did not reach the other seat", func() bool {
		for body := range ch.acked {
			for _, s := range seats {
				if !strings.HasPrefix(body, s.name+" ") && s.times(body) == 0 {
					return false
				}
			}
		}
		return true
	})
}

// TestTheCallOutlivesItsNode: during a chat between a coach and a client
// who reach the nodes through a round-robin proxy, the node that owns
// their room is killed (SIGKILL) or drained (SIGTERM); another node takes
// the room as they reconnect, within five seconds, with the same call
// session and timer, and every acknowledged message is stored exactly
// once.
func TestTheCallOutlivesItsNode(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"killed", "drained"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			p := newPractice(t, true)
			nodes := map[string]*node{}
			for _, id := range []string{"a", "b", "c"} {
				nodes[id] = p.startReady(id)
			}
			front := clustertest.Balance(t, nodes["a"].URL, nodes["b"].URL, nodes["c"].URL)
			room := practicetest.BookRoom(t, front, "coach@example.com", "client@example.com")
			coach := sit(t, "coach", front, room.RoomID, room.Coach)
			client := sit(t, "client", front, room.RoomID, room.Client)
			waitFor(t, 5*time.Second, "the call did not start", func() bool { return coach.timed() && client.timed() })
			before := client.lastJoin()
			ch := chat(t, 150*time.Millisecond, coach, client) // under the chat's 10 a second a person
			waitFor(t, 20*time.Second, "no chat before the failure", func() bool { return ch.count() >= 50 })
			owner := nodes[p.owner(t, room.AppointmentID)]
			for len(coach.joined) > 0 {
				<-coach.joined
			}
			for len(client.joined) > 0 {
				<-client.joined
			}
			failed := time.Now()
			if how == "killed" {
				owner.kill(t)
			} else {
				owner.cmd.Process.Signal(syscall.SIGTERM) // it exits once its rooms have moved
			}
			<-coach.joined
			<-client.joined
			back := time.Since(failed)
			t.Logf("the room %s on %s was back on %s after %s", how, owner.ID, p.owner(t, room.AppointmentID), back)
			if back > 5*time.Second {
				t.Errorf("the room came back %s after its node was %s, want under 5 s", back, how)
			}
			n := ch.count()
			waitFor(t, 20*time.Second, "no chat after the failure", func() bool { return ch.count() >= n+50 })
			ch.end()
			after := client.lastJoin()
			if after.Session.ID != before.Session.ID || before.Timer.StartedAt == nil || after.Timer.StartedAt == nil ||
				!after.Timer.StartedAt.Equal(*before.Timer.StartedAt) {
				t.Errorf("the call's session or timer changed: before %+v %+v, after %+v %+v", before.Session, before.Timer, after.Session, after.Timer)
			}
			checkStoredOnce(t, p, ch, before.Session.ID, coach, client)
			if how == "drained" {
				<-owner.done
				if owner.err != nil {
					t.Errorf("the drained node exited with %v", owner.err)
				}
			}
		})
	}
}
