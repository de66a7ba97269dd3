package signaling

import (
	"context"
	"sync"
	"time"

	"rapport/internal/app"
	"rapport/internal/room"
)

// SessionChecker returns which of some sign-in sessions still stand, for
// connections that outlive the request that opened them.
type SessionChecker func(ctx context.Context, ids []int64) (map[int64]bool, error)

// tracked is a live connection of a person: a room's WebSocket or long
// poll, or a media tunnel. The AI's seat and load generators' peers have
// no session (0).
type tracked struct {
	user, session int64
	roomID        string
	close         func(reason string)
}

// liveConns are the connections open now, so that a session's end, a
// change of who a person is, or a cancelled appointment can close them.
type liveConns struct {
	mu    sync.Mutex
	conns map[*tracked]struct{}
}

// track adds a connection and returns what removes it (safe to call more
// than once).
func (l *liveConns) track(t *tracked) (untrack func()) {
	l.mu.Lock()
	if l.conns == nil {
		l.conns = map[*tracked]struct{}{}
	}
	l.conns[t] = struct{}{}
	l.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			delete(l.conns, t)
			l.mu.Unlock()
		})
	}
}

// closeWhere closes the connections that match (outside the lock: a close
// may call back) and returns how many.
func (l *liveConns) closeWhere(match func(*tracked) bool, reason string) int {
	l.mu.Lock()
	var hit []*tracked
	for t := range l.conns {
		if match(t) {
			hit = append(hit, t)
		}
	}
	l.mu.Unlock()
	for _, t := range hit {
		t.close(reason)
	}
	return len(hit)
}

// bySession returns the live connections that have a session, by session.
func (l *liveConns) bySession() map[int64][]*tracked {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[int64][]*tracked{}
	for t := range l.conns {
		if t.session != 0 {
			out[t.session] = append(out[t.session], t)
		}
	}
	return out
}

// CloseSession closes every connection a sign-in session opened (signed out
// on that device) and returns how many.
func (s *Server) CloseSession(sessionID int64, reason string) int {
	return s.live.closeWhere(func(t *tracked) bool { return t.session == sessionID }, reason)
}

// CloseUser closes every connection of a person (signed out everywhere,
// disabled, their role changed) and returns how many.
func (s *Server) CloseUser(userID int64, reason string) int {
	return s.live.closeWhere(func(t *tracked) bool { return t.user == userID }, reason)
}

// CloseRoom closes every connection to a room, the AI's too (its
// appointment was cancelled), and returns how many.
func (s *Server) CloseRoom(roomID, reason string) int {
	return s.live.closeWhere(func(t *tracked) bool { return t.roomID == roomID }, reason)
}

// RunSessionCheck asks, every interval until ctx ends, whether the session
// behind each live connection still stands, and closes the connections of
// those that do not: a session ended by another process (`rapport user
// disable`, another node) ends its rooms within an interval.
func (s *Server) RunSessionCheck(ctx context.Context, every time.Duration) {
	if s.Sessions != nil {
		app.Every(ctx, every, s.checkSessions)
	}
}

// checkSessions closes the connections whose session no longer stands,
// asking about all of them in a few queries.
func (s *Server) checkSessions(ctx context.Context) {
	conns := s.live.bySession()
	ids := make([]int64, 0, len(conns))
	for id := range conns {
		ids = append(ids, id)
	}
	for len(ids) > 0 {
		batch := ids[:min(len(ids), 500)]
		ids = ids[len(batch):]
		standing, err := s.Sessions(ctx, batch)
		if err != nil {
			if ctx.Err() == nil {
				s.Log.Warn("check the sessions of room connections", "err", err)
			}
			return
		}
		for _, id := range batch {
			if !standing[id] {
				for _, t := range conns[id] {
					t.close(room.ReasonSignedOut)
				}
			}
		}
	}
}

// Live reports whether an appointment's room has a call going.
func (s *Server) Live(appointmentID int64) bool { return s.Rooms.Live(appointmentID) }
