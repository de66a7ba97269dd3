// Package room is a live call room: who is in it, their presence, the call
// session and its timer (kept by the server), and the chat that is stored
// before anyone is told of it. It knows connections only through the Conn
// interface and media not at all, so it is tested without a network.
//
// A room's state is owned by whichever goroutine holds its mailbox (see
// mailbox.go): one at a time, in the order things happened. A connection's
// reader that brings a frame to an idle room runs the work itself, with no
// hand-over; work posted from elsewhere (a timer, the AI, the chat writer
// when the room is busy) starts a goroutine that runs while there is work,
// so that an idle room holds no goroutine at all. Nothing ever waits on a
// connection: frames are queued, and a connection whose queue is full is
// dropped.
package room

import (
	"context"
	"runtime/debug"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"rapport/internal/app"
	"rapport/internal/chat"
	"rapport/internal/coaching"
	"rapport/internal/protocol"
)

// Close reasons, told to a client whose connection the room ends.
const (
	ReasonReplaced  = "replaced"   // the same person joined from elsewhere
	ReasonTooSlow   = "too_slow"   // the connection could not keep up
	ReasonRestart   = "restarting" // the server is restarting: reconnect
	ReasonLeft      = "left"       // the client said leave
	ReasonGone      = "gone"       // the connection ended
	ReasonRoomEnded = "room_ended"
	ReasonSignedOut = "signed_out" // the person's sign-in session ended, or they were disabled
)

// Conn is one participant's connection, as the room sees it.
type Conn interface {
	// Send queues a frame without waiting. It returns false when the
	// connection cannot keep up; the connection then closes itself.
	Send(f *protocol.Frame) bool
	// Close ends the connection, telling the client why.
	Close(reason string)
}

// Room is one live room. Its fields belong to its goroutine.
type Room struct {
	id   string
	appt *coaching.Appointment
	m    *Manager

	box mailbox

	members   map[int64]*member
	session   *coaching.CallSession
	nextSeq   int64               // the sequence number of the next chat message
	fannedSeq int64               // the highest sequence number sent to everyone
	pending   int                 // messages submitted and not yet stored
	onStored  []func()            // what waits for the pending messages (afterStored)
	sent      *sentIDs            // the client IDs of the session's stored messages
	retries   map[sending][]retry // messages being stored, with their second sendings
	emptiedAt time.Time
	grace     app.Timer
	graceGen  int // which grace timer is current
	warnings  []app.Timer
	closing   bool // the server is shutting down (or the room ending): no more chat
	ended     bool // the coach ended the session: the room closes for good
	ai        aiState
	floor     Floor         // the AI in the call
	done      chan struct{} // closed when the room has ended
	doneOnce  sync.Once
}

// member is a person in the room with their connection.
type member struct {
	info    protocol.Participant
	conn    Conn
	chat    *rate.Limiter
	typing  bool
	removed bool
}

func newRoom(m *Manager, appt *coaching.Appointment) *Room {
	r := &Room{id: appt.RoomID, appt: appt, m: m, members: map[int64]*member{}, retries: map[sending][]retry{},
		done: make(chan struct{}), ai: aiState{available: true}}
	return r
}

// runQueued runs what is queued, in order, until nothing is, then lets go
// of the room. The caller has claimed it.
func (r *Room) runQueued() {
	var arr [8]func()
	buf := arr[:0]
	for {
		var more bool
		buf, more = r.box.takeOrRelease(buf)
		if !more {
			r.markDone()
			return
		}
		for i, fn := range buf {
			r.run(fn)
			buf[i] = nil
			if r.finished() { // the room ended: what was queued after goes nowhere
				clear(buf)
				r.box.release()
				r.markDone()
				return
			}
		}
	}
}

// markDone closes done once the room has ended and its last work has run.
func (r *Room) markDone() {
	if r.finished() {
		r.doneOnce.Do(func() { close(r.done) })
	}
}

// enter runs fn as the room's own work: here and now when nobody is running
// the room (with whatever else is queued), else after what is queued. The
// connections' readers come in this way, which spares a hand-over to
// another goroutine for every frame.
func (r *Room) enter(fn func()) bool {
	ok, claimed := r.box.postClaim(fn)
	if claimed {
		r.runQueued()
	}
	return ok
}

// post queues fn as the room's work without running it here: a goroutine
// runs it (and whatever else is queued) when nobody is running the room.
// Timers and the AI, which must not wait on a room, post this way.
func (r *Room) post(fn func()) bool {
	ok, claimed := r.box.postClaim(fn)
	if claimed {
		go r.runQueued()
	}
	return ok
}

// runOrPost runs fn here when nobody is running the room and nothing is
// queued, else posts it. Unlike enter it never runs others' work, so the
// chat writer, which serves every room, is never held up by one.
func (r *Room) runOrPost(fn func()) {
	if !r.box.claimIdle() {
		r.post(fn)
		return
	}
	r.run(fn)
	if r.box.release() {
		go r.runQueued()
		return
	}
	r.markDone()
}

// run runs one posted function; a panic in it is logged, and the room
// (and the server) go on.
func (r *Room) run(fn func()) {
	defer func() {
		if v := recover(); v != nil {
			r.m.Log.Error("room panic", "room", r.id, "panic", v, "stack", string(debug.Stack()))
		}
	}()
	fn()
}

// finished reports whether the room has ended; its mailbox is then closed.
func (r *Room) finished() bool {
	r.box.mu.Lock()
	defer r.box.mu.Unlock()
	return r.box.closed
}

// do runs fn as the room's work and waits for it. It reports false when
// the room has ended.
func (r *Room) do(fn func()) bool {
	ran := make(chan struct{})
	if !r.enter(func() { fn(); close(ran) }) {
		return false
	}
	select {
	case <-ran:
		return true
	case <-r.done:
		select {
		case <-ran:
			return true
		default:
			return false
		}
	}
}

// nobody is the member ID that broadcast leaves out when it should leave
// out no one (0 is the AI's seat).
const nobody = -1

// broadcast sends f to every member but except (nobody for none).
func (r *Room) broadcast(f *protocol.Frame, except int64) {
	for id, mb := range r.members {
		if id != except {
			r.send(mb, f)
		}
	}
}

// send queues f on a member's connection, dropping a member who cannot keep up.
func (r *Room) send(mb *member, f *protocol.Frame) {
	if !mb.conn.Send(f) {
		r.remove(mb, mb.conn, ReasonTooSlow)
	}
}

// humans counts the people in the room, leaving out the AI's seat.
func (r *Room) humans() int {
	n := len(r.members)
	if _, ai := r.members[0]; ai {
		n--
	}
	return n
}

func (r *Room) participants() []protocol.Participant {
	out := make([]protocol.Participant, 0, len(r.members))
	for _, mb := range r.members {
		out = append(out, mb.info)
	}
	return out
}

func (r *Room) now() time.Time { return r.m.Clock.Now() }

// ctx is the context for the room's own database work.
func (r *Room) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 10*time.Second)
}

// messageOf dresses a stored message for clients.
func (r *Room) messageOf(m *chat.Message) protocol.Message {
	return protocol.MessageOf(m, SenderName(r.appt, m))
}

func (r *Room) messagesOf(list []*chat.Message) []protocol.Message {
	out := make([]protocol.Message, len(list))
	for i, m := range list {
		out[i] = r.messageOf(m)
	}
	return out
}
