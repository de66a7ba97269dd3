package signaling

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"rapport/internal/coaching"
	"rapport/internal/protocol"
	"rapport/internal/room"
)

// wsConn is a room connection over a WebSocket: one reader, one writer fed
// by a bounded queue, and a pinger.
type wsConn struct {
	ws     *websocket.Conn
	out    *outbox
	cancel context.CancelFunc // ends the connection's context: a blocked read or write gives up
	closeOnce
}

// closeCodes tell a client why its WebSocket closed, so that it knows
// whether to reconnect.
var closeCodes = map[string]websocket.StatusCode{
	room.ReasonReplaced:  4001,
	room.ReasonTooSlow:   4002,
	room.ReasonRestart:   websocket.StatusServiceRestart,
	room.ReasonLeft:      websocket.StatusNormalClosure,
	room.ReasonGone:      websocket.StatusGoingAway,
	room.ReasonRoomEnded: 4003,
	room.ReasonSignedOut: 4004,
}

// Send queues a frame. A full queue means the client cannot keep up: it is
// closed, and the room drops it.
func (c *wsConn) Send(f *protocol.Frame) bool {
	select {
	case <-c.done:
		return true
	default:
	}
	if !c.out.push(f) {
		c.Close(room.ReasonTooSlow)
		return false
	}
	return true
}

// Close ends the connection once; the writer says why to the client. A
// writer stuck on a client that stopped reading cannot, so after a grace of
// two seconds the connection is cut.
func (c *wsConn) Close(reason string) {
	if c.close(reason) {
		time.AfterFunc(2*time.Second, c.cancel)
	}
}

// ServeWS upgrades a request to the room's WebSocket. The caller has checked
// that user may enter appt's room. The Origin must be this host (or one of
// originPatterns): a page of another site cannot open it with our cookie.
// session is the sign-in session of the request (0: the AI's seat).
func (s *Server) ServeWS(w http.ResponseWriter, r *http.Request, appt *coaching.Appointment, user *coaching.User, session int64, originPatterns []string) {
	s.serveWS(w, r, originPatterns, func(c *wsConn) *client { return s.newClient(appt, user, session, s.carriers(r), c) })
}

// ServeLoadMedia serves one peer of `rapport-load sfu`: a WebSocket that
// carries only the media frames, into an SFU room of the load generator's
// own ("load-" + room), with no appointment, chat or timer. The caller
// registers it only on a loopback server started for load tests.
func (s *Server) ServeLoadMedia(w http.ResponseWriter, r *http.Request, room string, peer int64, originPatterns []string) {
	s.serveWS(w, r, originPatterns, func(c *wsConn) *client {
		cl := s.newClient(&coaching.Appointment{RoomID: "load-" + room}, &coaching.User{ID: peer}, 0, nil, c)
		cl.mediaOnly = true
		return cl
	})
}

// serveWS upgrades the request and serves the connection from a goroutine
// of its own, returning at once: a call lasts an hour, and the request,
// its headers, the middleware's context and the deep stack of the HTTP
// server's goroutine would otherwise live as long, for every participant,
// and be scanned by every garbage collection. The request's log line says
// 101 when the upgrade is done; the connection logs nothing more.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request, originPatterns []string, newClient func(*wsConn) *client) {
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: originPatterns})
	if err != nil {
		return // Accept has answered the request
	}
	s.ws.Add(1)
	go func() {
		defer s.ws.Done()
		serveConn(ws, newClient)
	}()
}

// serveConn runs an upgraded connection until it ends: one reader (this
// goroutine), one writer, a pinger.
func serveConn(ws *websocket.Conn, newClient func(*wsConn) *client) {
	ws.SetReadLimit(protocol.MaxFrame)
	ctx, cancelCtx := context.WithCancel(context.Background())
	// Reads and writes take no context of their own (one per frame costs an
	// allocation and a registration each): cancelling the connection closes
	// its socket, which ends a blocked read or write as well.
	cancel := func() { cancelCtx(); ws.CloseNow() }
	defer cancelCtx()
	c := &wsConn{ws: ws, out: newOutbox(queueSize), cancel: cancel, closeOnce: newCloseOnce()}
	cl := newClient(c)
	wrote := make(chan struct{})
	go func() { c.writeLoop(); close(wrote) }()
	pings := c.startPinger(ctx)
	defer pings.stop()
	c.readLoop(cl)
	c.Close(room.ReasonGone)
	cl.gone()
	<-wrote
}

// readLoop reads frames until the connection ends. The first must be a
// join, within joinWithin.
func (c *wsConn) readLoop(cl *client) {
	var buf bytes.Buffer // reused: the dispatcher copies what it keeps
	for {
		readCtx, cancel := context.Background(), context.CancelFunc(func() {})
		if cl.joined == nil && !cl.mediaOnly { // one deadline from the start: pings do not extend it
			readCtx, cancel = context.WithDeadline(readCtx, cl.opened.Add(joinWithin))
		}
		typ, r, err := c.ws.Reader(readCtx)
		if err == nil {
			buf.Reset()
			_, err = buf.ReadFrom(r)
		}
		cancel()
		if err != nil {
			return
		}
		select {
		case <-c.done: // closing (replaced, say): what it still sends is not heard
			return
		default:
		}
		if typ != websocket.MessageText {
			c.Send(room.ErrorFrame("", errBinary))
			continue
		}
		cl.receive(buf.Bytes())
		select {
		case <-c.done:
			return
		default:
		}
	}
}

// writeLoop writes queued frames; once the connection is closed it writes
// what is still queued (a "replaced" notice, say) and the close frame.
func (c *wsConn) writeLoop() {
	var batch []*protocol.Frame
	for {
		select {
		case <-c.out.ready:
			batch = c.out.take(batch)
			for _, f := range batch {
				if err := c.write(context.Background(), f); err != nil { // Close ends a blocked write
					c.Close(room.ReasonGone)
					break
				}
			}
		case <-c.done:
			c.flush()
			code, ok := closeCodes[c.reason]
			if !ok {
				code = websocket.StatusGoingAway
			}
			c.ws.Close(code, c.reason)
			return
		}
	}
}

// write writes one frame. It takes no timeout of its own (a timer per frame
// costs more than the write): a client that stops reading fills its queue
// and is dropped, which closes the socket and ends a blocked write.
func (c *wsConn) write(ctx context.Context, f *protocol.Frame) error {
	err := c.ws.Write(ctx, websocket.MessageText, f.Bytes())
	if err == nil {
		f.Written()
	}
	return err
}

// flush writes what is queued, briefly, before the close frame.
func (c *wsConn) flush() {
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout/10)
	defer cancel()
	for _, f := range c.out.take(nil) {
		if c.write(ctx, f) != nil {
			return
		}
	}
}

// pinger pings about pingEvery after the last pong (see pingDelay); no
// pong within deadAfter-pingEvery ends the connection. It is a timer, not a
// goroutine that waits for it: a server holds thousands of idle
// connections, and every parked goroutine is one more stack for the
// collector to scan.
type pinger struct {
	c     *wsConn
	ctx   context.Context
	timer *time.Timer
}

func (c *wsConn) startPinger(ctx context.Context) *pinger {
	p := &pinger{c: c, ctx: ctx}
	p.timer = time.AfterFunc(pingDelay(true), p.ping)
	return p
}

// pingDelay is how long a connection waits before its next ping: connections
// that arrived together (everyone reconnecting after a restart, a load
// test's thousands) must not ping together, or every 20 seconds the server
// writes thousands of pings and reads thousands of pongs at once, and every
// room's chat waits behind them (a quarter of a second at 3,000
// connections on one core). The first ping comes anywhere in the second
// half of the interval, which spreads a crowd over ten seconds; each later
// one up to a fifth early, so that a crowd drawn together again drifts
// apart.
func pingDelay(first bool) time.Duration {
	if first {
		return pingEvery/2 + rand.N(pingEvery/2)
	}
	return pingEvery - rand.N(pingEvery/5)
}

func (p *pinger) ping() {
	select {
	case <-p.ctx.Done():
		return
	case <-p.c.done:
		return
	default:
	}
	pctx, cancel := context.WithTimeout(p.ctx, deadAfter-pingEvery)
	err := p.c.ws.Ping(pctx)
	cancel()
	if err != nil && !errors.Is(err, context.Canceled) {
		p.c.Close(room.ReasonGone)
		return
	}
	p.timer.Reset(pingDelay(false))
}

func (p *pinger) stop() { p.timer.Stop() }
