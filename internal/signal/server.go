package signal

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/room"
)

// Timing of a connection: a ping after 20 seconds of quiet, dead after 45
// without an answer; a long poll waits up to 25 seconds.
const (
	pingEvery    = 20 * time.Second
	deadAfter    = 45 * time.Second
	pollWait     = 25 * time.Second
	joinWithin   = 15 * time.Second
	writeTimeout = 10 * time.Second
	queueSize    = 256  // frames waiting for a slow WebSocket before it is dropped
	pollBacklog  = 1024 // frames waiting for a long-poll client before it is dropped
)

// Server serves the transports for the rooms of a Manager.
type Server struct {
	Rooms *room.Manager
	Log   *slog.Logger
	Clock app.Clock

	mu    sync.Mutex
	polls map[string]*pollConn
}

// NewServer returns a server for rooms.
func NewServer(rooms *room.Manager, log *slog.Logger, clock app.Clock) *Server {
	if clock == nil {
		clock = app.SystemClock{}
	}
	return &Server{Rooms: rooms, Log: log, Clock: clock, polls: map[string]*pollConn{}}
}

func (s *Server) newClient(appt *coaching.Appointment, user *coaching.User, conn room.Conn) *client {
	return &client{rooms: s.Rooms, appt: appt, user: user, conn: conn, clock: s.Clock.Now}
}

// RunReaper closes long-poll connections nobody has polled for 45 seconds,
// until ctx ends.
func (s *Server) RunReaper(ctx context.Context) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.reap(time.Now())
		}
	}
}

// Shutdown closes every long-poll connection, so that no poll holds the
// server's shutdown; the clients reconnect elsewhere.
func (s *Server) Shutdown() {
	s.mu.Lock()
	polls := make([]*pollConn, 0, len(s.polls))
	for _, pc := range s.polls {
		polls = append(polls, pc)
	}
	s.mu.Unlock()
	for _, pc := range polls {
		pc.Close(room.ReasonRestart)
	}
}

func (s *Server) reap(now time.Time) {
	s.mu.Lock()
	var dead []*pollConn
	for id, pc := range s.polls {
		if pc.idleSince(now) > deadAfter || pc.isClosed() {
			dead = append(dead, pc)
			delete(s.polls, id)
		}
	}
	s.mu.Unlock()
	for _, pc := range dead {
		pc.Close(room.ReasonGone)
		pc.gone()
	}
}
