package room

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"rapport/internal/app"
	"rapport/internal/chat"
	"rapport/internal/coaching"
	"rapport/internal/notify"
	"rapport/internal/protocol"
)

// Calls keeps call sessions; coaching.Service does.
type Calls interface {
	OpenCall(ctx context.Context, appt *coaching.Appointment) (*coaching.CallSession, error)
	StartCall(ctx context.Context, cs *coaching.CallSession) error
	TouchCall(ctx context.Context, cs *coaching.CallSession, at time.Time) error
	EndCall(ctx context.Context, cs *coaching.CallSession, at time.Time) error
	EndStaleCalls(ctx context.Context, before time.Time, live func(appointmentID int64) bool) (int, error)
	// EndAppointment ends the call and completes its appointment at once
	// (the coach's End session).
	EndAppointment(ctx context.Context, cs *coaching.CallSession, at time.Time) error
	// CompleteFinished completes the appointments whose room has closed
	// with nobody in it.
	CompleteFinished(ctx context.Context, live func(appointmentID int64) bool) (int, error)
}

// History reads stored chat; the store does.
type History interface {
	MessagesAfter(ctx context.Context, sessionID, after int64, limit int) ([]*chat.Message, error)
	MessagesBefore(ctx context.Context, sessionID, before int64, limit int) ([]*chat.Message, error)
	LastSeq(ctx context.Context, sessionID int64) (int64, error)
	ClientIDs(ctx context.Context, sessionID int64) ([]chat.SentID, error)
}

// ChatWriter stores messages; chat.Writer does.
type ChatWriter interface {
	Submit(msg *chat.Message, done func(*chat.Message, error))
}

// Notifier reaches people outside the room; notify.Hub does.
type Notifier interface {
	Notify(userID int64, ev notify.Event)
	Online(userID int64) bool
}

// Observer is told how the rooms do, for metrics. Its methods are called
// from room goroutines and must not block.
type Observer interface {
	// ChatStored is called when a message is stored and about to go out,
	// with how long that took since the room received it.
	ChatStored(took time.Duration)
	// ChatWritten is called when a chat message or its acknowledgement has
	// been written to a connection, with how long that took since the room
	// received the message: the fan-out latency as the server sees it.
	ChatWritten(took time.Duration)
	// RoomsChanged is called with the number of live rooms.
	RoomsChanged(live int)
}

type noObserver struct{}

func (noObserver) ChatStored(time.Duration)  {}
func (noObserver) ChatWritten(time.Duration) {}
func (noObserver) RoomsChanged(int)          {}

// Ownership keeps each live room to one node of a cluster
// (cluster.Cluster does): a room claims its appointment before it runs and
// releases it when it ends.
type Ownership interface {
	// Claim makes this node the room's owner, or says why not (another
	// node owns it, or this one is draining).
	Claim(ctx context.Context, appointmentID int64) error
	// Release gives the room back.
	Release(appointmentID int64)
	// Owned reports whether any node runs the room (true when it cannot
	// tell: a call is never ended on doubt).
	Owned(ctx context.Context, appointmentID int64) bool
}

// errElsewhere is a join's answer when the room runs on another node: the
// client reconnects and is carried there.
var errElsewhere = app.Errorf(app.EUNAVAILABLE, "this room is moving to another server; please reconnect in a moment")

// Manager holds the live rooms of this server.
type Manager struct {
	Calls   Calls
	History History
	Chat    ChatWriter
	Notify  Notifier
	// Clock tells the rooms the time and runs their timers (an empty
	// room's grace period, the call's warnings): tests move it past them.
	Clock app.Clock
	Log   *slog.Logger
	// Grace is how long an empty room waits for a rejoin before its call
	// session ends (its appointment stays open until the room closes).
	Grace time.Duration
	// ChatRate and ChatBurst limit each participant's messages per second.
	ChatRate  float64
	ChatBurst int
	// Observe is told how the rooms do (metrics); set it before use.
	Observe Observer
	// ICEServers gives a joining user the STUN and TURN servers their browser
	// may use (TURN credentials are per user and expire); nil gives none.
	ICEServers func(userID int64) []protocol.ICEServer
	// Assistant answers messages that mention the AI; nil: no AI.
	Assistant Assistant
	// Voice brings the AI into calls; nil: it cannot join calls.
	Voice VoiceHost
	// Transcripts keeps what the AI hears; nil: nothing is kept.
	Transcripts Transcripts
	// Summarizer is told when a call that started has ended, to write the
	// AI's summary; nil: nothing happens.
	Summarizer Summarizer
	// CallMode gives an appointment's call mode, "sfu" or "p2p"; nil: "sfu".
	CallMode func(appt *coaching.Appointment) string
	// Owners keeps each room to one node of a cluster; nil: this node is
	// alone.
	Owners Ownership

	mu      sync.Mutex
	rooms   map[string]*Room
	closing bool
	paths   pathCounter
}

// NewManager returns a manager with the defaults: a 60-second grace period
// and 10 messages a second (bursts of 20) per participant.
func NewManager(calls Calls, history History, w ChatWriter, n Notifier, clock app.Clock, log *slog.Logger) *Manager {
	if clock == nil {
		clock = app.SystemClock{}
	}
	return &Manager{Calls: calls, History: history, Chat: w, Notify: n, Clock: clock, Log: log,
		Grace: 60 * time.Second, ChatRate: 10, ChatBurst: 20, Observe: noObserver{}, rooms: map[string]*Room{}}
}

// Join puts user in the room of appt over conn and sends them "joined" (as
// the answer to the request reqID). The caller has checked that user may
// enter. The returned Seat is how the connection speaks to the room.
func (m *Manager) Join(appt *coaching.Appointment, user *coaching.User, conn Conn, req protocol.JoinRequest, reqID string) (*Seat, error) {
	for {
		r, err := m.room(appt)
		if err != nil {
			return nil, err
		}
		ran := r.do(func() { _, err = r.join(user, conn, req, reqID) })
		if !ran {
			continue // the room ended meanwhile: the next try makes a new one
		}
		if err != nil {
			return nil, err
		}
		return &Seat{r: r, userID: user.ID, conn: conn}, nil
	}
}

// room returns the live room of appt, making it if needed; in a cluster a
// new room first claims its appointment.
func (m *Manager) room(appt *coaching.Appointment) (*Room, error) {
	if r, err := m.liveRoom(appt.RoomID); r != nil || err != nil {
		return r, err
	}
	if err := m.claim(appt.ID); err != nil {
		return nil, err
	}
	m.mu.Lock()
	r, err := m.rooms[appt.RoomID], error(nil)
	switch {
	case m.closing:
		err = errClosing
	case r == nil:
		r = newRoom(m, appt)
		m.rooms[appt.RoomID] = r
		m.Observe.RoomsChanged(len(m.rooms))
		m.mu.Unlock()
		return r, nil
	}
	m.mu.Unlock()
	m.release(appt.ID) // another join made the room meanwhile, with its own claim
	return r, err
}

// liveRoom is the room already live here, if any.
func (m *Manager) liveRoom(id string) (*Room, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closing {
		return nil, errClosing
	}
	return m.rooms[id], nil
}

// claim takes the room's lease in a cluster.
func (m *Manager) claim(appointmentID int64) error {
	if m.Owners == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := m.Owners.Claim(ctx, appointmentID); err != nil {
		m.Log.Info("a room runs elsewhere", "appointment", appointmentID, "err", err)
		return errElsewhere
	}
	return nil
}

// release gives the room's lease back in a cluster.
func (m *Manager) release(appointmentID int64) {
	if m.Owners != nil {
		m.Owners.Release(appointmentID)
	}
}

// forget drops an ended room and gives its lease back.
func (m *Manager) forget(r *Room) {
	m.mu.Lock()
	mine := m.rooms[r.id] == r
	if mine {
		delete(m.rooms, r.id)
		m.Observe.RoomsChanged(len(m.rooms))
	}
	m.mu.Unlock()
	if mine {
		m.release(r.appt.ID)
	}
}

// Live reports whether the appointment's room is live here or, in a
// cluster, on any node.
func (m *Manager) Live(appointmentID int64) bool {
	if m.liveHere(appointmentID) {
		return true
	}
	if m.Owners == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return m.Owners.Owned(ctx, appointmentID)
}

// liveHere reports whether the appointment's room is live on this node.
func (m *Manager) liveHere(appointmentID int64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.rooms {
		if r.appt.ID == appointmentID {
			return true
		}
	}
	return false
}

// Count returns how many rooms are live.
func (m *Manager) Count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.rooms)
}

// Shutdown stops taking joins and chat, waits (until ctx ends) for the
// messages in flight to be stored and delivered, then tells every client
// that the server is restarting. Call sessions stay open: clients that
// reconnect to the next server continue them.
func (m *Manager) Shutdown(ctx context.Context) {
	m.mu.Lock()
	m.closing = true
	rooms := make([]*Room, 0, len(m.rooms))
	for _, r := range m.rooms {
		rooms = append(rooms, r)
	}
	m.mu.Unlock()
	for _, r := range rooms {
		r.post(func() { r.closing = true })
	}
	for _, r := range rooms {
		r.drain(ctx)
	}
}

// Evict stops the appointment's room here at once, as for a restart: it
// runs on another node now (this node lost its lease). Its clients
// reconnect and are carried there; the call session stays open for it.
func (m *Manager) Evict(appointmentID int64) {
	m.mu.Lock()
	var r *Room
	for _, live := range m.rooms {
		if live.appt.ID == appointmentID {
			r = live
		}
	}
	m.mu.Unlock()
	if r == nil {
		return
	}
	r.post(func() { r.closing = true })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r.drain(ctx)
}

// drain waits for the room's pending messages (until ctx ends), then
// closes it for a restart.
func (r *Room) drain(ctx context.Context) {
	stored := make(chan struct{})
	if !r.do(func() { r.afterStored(func() { close(stored) }) }) {
		return
	}
	select {
	case <-stored:
	case <-ctx.Done():
	case <-r.done:
	}
	r.do(func() {
		now := r.now()
		for _, mb := range r.members {
			mb.removed = true
			mb.conn.Close(ReasonRestart)
		}
		r.members = map[int64]*member{}
		if r.session != nil {
			ctx, cancel := r.ctx()
			if err := r.m.Calls.TouchCall(ctx, r.session, now); err != nil {
				r.m.Log.Error("touch call session", "room", r.id, "err", err)
			}
			cancel()
		}
		r.end()
	})
	<-r.done
}

// Sweep ends the calls that nobody has been in for the grace period and
// whose rooms are not live here or, in a cluster, anywhere (those left open
// by a server that stopped and that nobody came back to), then completes the appointments whose
// room has closed with nobody in it. It returns how many of each.
func (m *Manager) Sweep(ctx context.Context) (ended, completed int, err error) {
	if ended, err = m.Calls.EndStaleCalls(ctx, m.Clock.Now().Add(-m.Grace), m.Live); err != nil {
		return ended, 0, fmt.Errorf("end stale calls: %w", err)
	}
	if completed, err = m.Calls.CompleteFinished(ctx, m.Live); err != nil {
		return ended, completed, fmt.Errorf("complete finished appointments: %w", err)
	}
	return ended, completed, nil
}

// RunSweeper sweeps every interval until ctx ends.
func (m *Manager) RunSweeper(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		ended, completed, err := m.Sweep(ctx)
		if err != nil && ctx.Err() == nil {
			m.Log.Error("sweep", "err", err)
		}
		if ended > 0 || completed > 0 {
			m.Log.Info("swept", "calls_ended", ended, "appointments_completed", completed)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Seat is one joined connection's way to speak to its room. Its methods
// may be called from the connection's reader goroutine; they never block on
// other connections.
type Seat struct {
	r      *Room
	userID int64
	conn   Conn
}

// Chat sends a message (already checked with chat.CheckBody and
// chat.CheckClientID) as the answer-to-be of request reqID.
func (s *Seat) Chat(reqID, clientID, body string) {
	s.r.enter(func() { s.r.sendChat(s.userID, s.conn, reqID, clientID, body) })
}

// Sync asks for the messages after a sequence number.
func (s *Seat) Sync(reqID string, after int64) {
	s.r.enter(func() { s.r.syncChat(s.userID, s.conn, reqID, after) })
}

// Typing says the member started or stopped typing.
func (s *Seat) Typing(active bool) {
	s.r.enter(func() { s.r.typing(s.userID, s.conn, active) })
}

// Presence says what the member's devices and network path are.
func (s *Seat) Presence(p protocol.Presence) {
	s.r.enter(func() { s.r.presence(s.userID, s.conn, p) })
}

// Leave takes the member out of the room, for the reason given.
func (s *Seat) Leave(reason string) {
	s.r.enter(func() { s.r.leave(s.userID, s.conn, reason) })
}
