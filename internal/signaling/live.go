package signaling

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
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
	via           []string // the nodes of a cluster that carry a WebSocket here
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

// Peers carries orders to the other nodes of a cluster (cluster.Cluster
// does); a server without them is alone.
type Peers interface {
	// Tell sends an order of a kind to every other node.
	Tell(kind, data string)
	// On sets what carries out the other nodes' orders of a kind.
	On(kind string, fn func(data string))
	// CarriedBy names the nodes that carried a request here.
	CarriedBy(r *http.Request) []string
}

// The orders the servers of a cluster give each other: close the
// connections of a session, a person or a room on every node, or those
// that a node carries.
const (
	orderCloseSession = "close-session"
	orderCloseUser    = "close-user"
	orderCloseRoom    = "close-room"
	orderCloseVia     = "close-via"
)

// JoinPeers makes the Close methods reach the connections on every node of
// a cluster, and carries out the other nodes' closes here. Call it before
// use.
func (s *Server) JoinPeers(p Peers) {
	s.peers = p
	p.On(orderCloseSession, func(d string) {
		if id, reason, ok := decodeClose(d); ok {
			s.closeHere(func(t *tracked) bool { return t.session == id }, reason)
		}
	})
	p.On(orderCloseUser, func(d string) {
		if id, reason, ok := decodeClose(d); ok {
			s.closeHere(func(t *tracked) bool { return t.user == id }, reason)
		}
	})
	p.On(orderCloseRoom, func(d string) {
		if roomID, reason, ok := strings.Cut(d, " "); ok {
			s.closeHere(func(t *tracked) bool { return t.roomID == roomID }, reason)
		}
	})
	p.On(orderCloseVia, func(d string) {
		if node, reason, ok := strings.Cut(d, " "); ok {
			s.closeHere(func(t *tracked) bool { return slices.Contains(t.via, node) }, reason)
		}
	})
}

// CloseCarriedBy closes, on every node, the WebSockets that a node of the
// cluster carries (it is stopping: they would be cut with it), and returns
// how many were here.
func (s *Server) CloseCarriedBy(node, reason string) int {
	s.tell(orderCloseVia, node+" "+reason)
	return s.closeHere(func(t *tracked) bool { return slices.Contains(t.via, node) }, reason)
}

// carriers names the nodes that carried r here (none when alone).
func (s *Server) carriers(r *http.Request) []string {
	if s.peers == nil {
		return nil
	}
	return s.peers.CarriedBy(r)
}

// CloseSession closes every connection a sign-in session opened (signed out
// on that device), on every node, and returns how many were here.
func (s *Server) CloseSession(sessionID int64, reason string) int {
	s.tell(orderCloseSession, strconv.FormatInt(sessionID, 10)+" "+reason)
	return s.closeHere(func(t *tracked) bool { return t.session == sessionID }, reason)
}

// CloseUser closes every connection of a person (signed out everywhere,
// disabled, their role changed), on every node, and returns how many were
// here.
func (s *Server) CloseUser(userID int64, reason string) int {
	s.tell(orderCloseUser, strconv.FormatInt(userID, 10)+" "+reason)
	return s.closeHere(func(t *tracked) bool { return t.user == userID }, reason)
}

// CloseRoom closes every connection to a room, the AI's too (its
// appointment was cancelled), on every node, and returns how many were
// here.
func (s *Server) CloseRoom(roomID, reason string) int {
	s.tell(orderCloseRoom, roomID+" "+reason)
	return s.closeHere(func(t *tracked) bool { return t.roomID == roomID }, reason)
}

// closeHere closes the connections on this node that match.
func (s *Server) closeHere(match func(*tracked) bool, reason string) int {
	return s.live.closeWhere(match, reason)
}

// tell gives an order to the other nodes, in a cluster.
func (s *Server) tell(kind, data string) {
	if s.peers != nil {
		s.peers.Tell(kind, data)
	}
}

// decodeClose reads "<id> <reason>".
func decodeClose(d string) (int64, string, bool) {
	idText, reason, ok := strings.Cut(d, " ")
	id, err := strconv.ParseInt(idText, 10, 64)
	return id, reason, ok && err == nil
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
