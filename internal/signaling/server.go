package signaling

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/room"
	"rapport/internal/sfu"
)

// Timing of a connection: a ping after 20 seconds of quiet, dead after 45
// without an answer; a long poll waits up to 25 seconds.
const (
	pingEvery    = PingEvery
	deadAfter    = 45 * time.Second
	pollWait     = 25 * time.Second
	joinWithin   = 15 * time.Second
	writeTimeout = 10 * time.Second
	queueSize    = 256  // frames waiting for a slow WebSocket before it is dropped
	pollBacklog  = 1024 // frames waiting for a long-poll client before it is dropped
)

// PingEvery is how often a quiet connection is pinged, and how often the
// sessions behind live connections are checked.
const PingEvery = 20 * time.Second

// Server serves the transports for the rooms of a Manager.
type Server struct {
	Rooms *room.Manager
	Log   *slog.Logger
	Clock app.Clock
	// FrameRate and FrameBurst limit the frames each connection may send:
	// 50 a second in bursts of 100 by default.
	FrameRate  float64
	FrameBurst int
	// Media is the SFU that carries calls' video and audio; nil turns calls off.
	Media *sfu.SFU
	// Sessions tells which sign-in sessions still stand: live connections
	// are checked every ping interval (RunSessionCheck); nil: never.
	Sessions SessionChecker

	mu      sync.Mutex
	polls   map[string]*pollConn
	ended   map[string]pollEnd // why forgotten long polls closed, for a while
	tickets tickets            // for the media tunnel's WebSockets
	ws      sync.WaitGroup     // the WebSocket handlers running
	live    liveConns          // every connection, for CloseSession, CloseUser and CloseRoom
	peers   Peers              // the other nodes of a cluster; nil: alone
}

// NewServer returns a server for rooms.
func NewServer(rooms *room.Manager, log *slog.Logger, clock app.Clock) *Server {
	if clock == nil {
		clock = app.SystemClock{}
	}
	return &Server{Rooms: rooms, Log: log, Clock: clock, FrameRate: 50, FrameBurst: 100,
		polls: map[string]*pollConn{}, ended: map[string]pollEnd{}}
}

// newClient makes the client of a connection that session (0: none, the
// AI's seat or a load generator's peer) opened, through the nodes via,
// tracked until it ends.
func (s *Server) newClient(appt *coaching.Appointment, user *coaching.User, session int64, via []string, conn room.Conn) *client {
	c := &client{rooms: s.Rooms, appt: appt, user: user, session: session, conn: conn, clock: s.Clock.Now,
		frames: rate.NewLimiter(rate.Limit(s.FrameRate), s.FrameBurst), opened: time.Now(), media: s.Media, tunnels: &s.tickets}
	c.untrack = s.live.track(&tracked{user: user.ID, session: session, roomID: appt.RoomID, via: via, close: conn.Close})
	return c
}

// RunReaper closes long-poll connections nobody has polled for 45 seconds,
// until ctx ends.
func (s *Server) RunReaper(ctx context.Context) {
	app.Every(ctx, 5*time.Second, func(context.Context) { s.reap(time.Now()) })
}

// Shutdown closes every long-poll connection, so that no poll holds the
// server's shutdown, and waits (until ctx ends) for the WebSockets to write
// what they hold and close: the HTTP server's own shutdown does not see
// them. The rooms have closed their connections before.
func (s *Server) Shutdown(ctx context.Context) {
	defer func() {
		done := make(chan struct{})
		go func() { s.ws.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
		}
	}()
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
	for _, pc := range s.polls {
		if pc.idleSince(now) > deadAfter || pc.isClosed() || pc.unjoinedSince(now) > joinWithin {
			dead = append(dead, pc)
			s.forgetLocked(pc)
		}
	}
	s.pruneEnded(now)
	s.mu.Unlock()
	for _, pc := range dead {
		pc.Close(room.ReasonGone)
		pc.gone()
	}
}
