package signaling

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/protocol"
	"rapport/internal/room"
	"rapport/internal/sfu"
	"rapport/internal/tunnel"
)

// The media tunnel's WebSocket carries a call's encoded frames for a browser
// that cannot use WebRTC. A client asks for it on its room connection
// ("media.tunnel"), which answers with a ticket; it then opens
// /rooms/{room_id}/media?ticket=..., authenticated by its session cookie
// like the room connection, and the ticket binds the tunnel to that room
// connection: when the person leaves, the tunnel closes with it.

// Limits of the tunnel.
const (
	ticketTTL       = 30 * time.Second
	maxTunnelFrame  = 1 << 20 // bytes: a large VP8 keyframe
	tunnelVideoKeep = 90      // video frames queued for a slow client (three seconds of one camera)
	tunnelAudioKeep = 150     // audio frames (three seconds)
	// A tunnel client may send 300 frames a second in bursts of 600: a
	// camera, a screen and a microphone need about 110.
	tunnelFrameRate  = 300
	tunnelFrameBurst = 600
)

// tickets are the tunnel tickets handed out and not yet used.
type tickets struct {
	mu sync.Mutex
	m  map[string]ticket
}

type ticket struct {
	c       *client
	expires time.Time
}

// issue hands a client a ticket for one tunnel connection.
func (t *tickets) issue(c *client, now time.Time) string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	token := base64.RawURLEncoding.EncodeToString(b)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[string]ticket{}
	}
	for k, v := range t.m {
		if now.After(v.expires) {
			delete(t.m, k)
		}
	}
	t.m[token] = ticket{c: c, expires: now.Add(ticketTTL)}
	return token
}

// take uses a ticket: the room connection it was handed to, if the ticket
// is valid, unexpired and was handed to this user in this room.
func (t *tickets) take(token, roomID string, userID int64, now time.Time) *client {
	t.mu.Lock()
	defer t.mu.Unlock()
	tk, ok := t.m[token]
	if !ok {
		return nil
	}
	delete(t.m, token)
	if now.After(tk.expires) || tk.c.appt.RoomID != roomID || tk.c.user.ID != userID {
		return nil
	}
	return tk.c
}

// mediaTunnel answers with a ticket for the media tunnel's WebSocket.
func (c *client) mediaTunnel(in *protocol.Inbound) error {
	if c.media == nil {
		return errNoMedia
	}
	if c.mediaOnly {
		return app.Errorf(app.EINVALID, "the tunnel needs a room connection that joined")
	}
	c.conn.Send(protocol.Reply(in.ID, protocol.TypeMediaTunnel, map[string]string{"ticket": c.tunnels.issue(c, time.Now())}))
	return nil
}

// ServeTunnel opens the media tunnel's WebSocket for a ticket from the
// caller's room connection (the caller has checked that user may enter
// appt's room). A bad ticket is answered before the upgrade.
func (s *Server) ServeTunnel(w http.ResponseWriter, r *http.Request, appt *coaching.Appointment, user *coaching.User, originPatterns []string) error {
	if s.Media == nil {
		return errNoMedia
	}
	c := s.tickets.take(r.URL.Query().Get("ticket"), appt.RoomID, user.ID, time.Now())
	if c == nil {
		return app.Errorf(app.EFORBIDDEN, "the tunnel ticket is unknown, used or expired: ask for one with media.tunnel")
	}
	s.serveTunnel(w, r, originPatterns, &tracked{user: user.ID, session: c.session, roomID: appt.RoomID}, c.signalMedia, c.setPeer)
	return nil
}

// ServeLoadTunnel serves one tunnel participant of `rapport-load tunnel`,
// in an SFU room of the load generator's own ("load-" + room), with no
// appointment or ticket. The caller registers it only on a loopback server
// started for load tests.
func (s *Server) ServeLoadTunnel(w http.ResponseWriter, r *http.Request, roomID string, peer int64, originPatterns []string) error {
	if s.Media == nil {
		return errNoMedia
	}
	s.serveTunnel(w, r, originPatterns, &tracked{user: peer, roomID: "load-" + roomID}, func(string, any) {}, func(*sfu.Peer) bool { return true })
	return nil
}

// serveTunnel upgrades the request and carries the tunnel participant's
// frames until either side ends or who is tracked as (their session, their
// room) is closed; attach binds the participant's peer to its room
// connection (false: that connection has left).
func (s *Server) serveTunnel(w http.ResponseWriter, r *http.Request, originPatterns []string, who *tracked, signal sfu.Signal, attach func(*sfu.Peer) bool) {
	roomID, userID := who.roomID, who.user
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: originPatterns})
	if err != nil {
		return // Accept has answered the request
	}
	s.ws.Add(1)
	defer s.ws.Done()
	ws.SetReadLimit(maxTunnelFrame)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	who.close = func(reason string) {
		cancel()
		go ws.Close(websocket.StatusNormalClosure, reason) // its handshake must not hold the closer
	}
	defer s.live.track(who)()
	out := tunnel.NewOutbox(tunnelVideoKeep, tunnelAudioKeep)
	p := s.Media.ConnectTunnel(roomID, userID, tunnelConn(out), signal)
	defer p.Close()
	if !attach(p) {
		ws.Close(websocket.StatusNormalClosure, room.ReasonLeft)
		return
	}
	go func() { tunnelWrite(ctx, ws, out); cancel() }()
	go tunnelPing(ctx, ws, cancel)
	tunnelRead(ctx, ws, p, out)
	ws.Close(websocket.StatusNormalClosure, "")
}

// tunnelConn makes the SFU's callbacks into control messages in the
// participant's outbox.
func tunnelConn(out *tunnel.Outbox) sfu.TunnelConn {
	text := func(v any) {
		b, _ := json.Marshal(v)
		out.PushText(b)
	}
	return sfu.TunnelConn{Out: out,
		Changed:  func(tracks []sfu.TunnelTrack) { text(tunnelTracks{Type: "tracks", Tracks: tracks}) },
		Keyframe: func(purpose string) { text(tunnelKeyframe{Type: "keyframe", Purpose: purpose}) },
	}
}

// The tunnel's control messages (docs/protocol.md).
type tunnelTracks struct {
	Type   string            `json:"type"` // "tracks"
	Tracks []sfu.TunnelTrack `json:"tracks"`
}

type tunnelKeyframe struct {
	Type    string `json:"type"` // "keyframe"
	Purpose string `json:"purpose,omitempty"`
	Track   byte   `json:"track,omitempty"`
}

type tunnelError struct {
	Type  string             `json:"type"` // "error"
	Error protocol.ErrorData `json:"error"`
}

// tunnelIn is a control message from the client: "keyframe" for a track it
// receives and cannot decode, "view" for how large it shows a stream.
type tunnelIn struct {
	Type   string `json:"type"`
	Track  byte   `json:"track"`
	Stream string `json:"stream"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

// tunnelWrite sends the outbox's messages until it closes or ctx ends.
func tunnelWrite(ctx context.Context, ws *websocket.Conn, out *tunnel.Outbox) {
	var buf []byte
	for {
		f, ok := out.Pop(ctx)
		if !ok {
			return
		}
		var err error
		if f.Kind == tunnel.Text {
			err = ws.Write(ctx, websocket.MessageText, f.Data)
		} else {
			buf = f.Marshal(buf[:0])
			err = ws.Write(ctx, websocket.MessageBinary, buf)
		}
		if err != nil {
			return
		}
	}
}

// tunnelRead publishes the client's frames and takes its control messages
// until the connection ends. A bad message is answered with an error and
// costs only itself.
func tunnelRead(ctx context.Context, ws *websocket.Conn, p *sfu.Peer, out *tunnel.Outbox) {
	fail := func(err error) {
		b, _ := json.Marshal(tunnelError{Type: "error", Error: protocol.ErrorData{Code: app.ErrorCode(err), Message: app.ErrorMessage(err), Fields: app.ErrorFields(err)}})
		out.PushText(b)
	}
	limit := rate.NewLimiter(tunnelFrameRate, tunnelFrameBurst)
	var warned time.Time
	for {
		typ, b, err := ws.Read(ctx)
		if err != nil || p.Closed() {
			return
		}
		if !limit.Allow() {
			if time.Since(warned) > time.Second { // said once a second, not for every frame past the limit
				fail(errTooFast)
				warned = time.Now()
			}
			continue
		}
		if typ == websocket.MessageBinary {
			var f tunnel.Frame
			if err := f.Unmarshal(b); err != nil {
				fail(app.Invalid(map[string]string{"frame": err.Error()}))
			} else if err := p.Publish(&f); err != nil {
				fail(err)
			}
			continue
		}
		var m tunnelIn
		if err := json.Unmarshal(b, &m); err != nil {
			fail(app.Errorf(app.EINVALID, "a text message must be a JSON object with a type"))
			continue
		}
		switch m.Type {
		case "keyframe":
			p.RequestKeyframe(m.Track)
		case "view":
			p.View(m.Stream, min(max(m.Width, 0), 16384), min(max(m.Height, 0), 16384))
		default:
			fail(app.Errorf(app.EINVALID, "unknown message type %q", m.Type))
		}
	}
}

// tunnelPing keeps the tunnel alive through proxies and notices a dead
// client: no pong within deadAfter-pingEvery ends the connection.
func tunnelPing(ctx context.Context, ws *websocket.Conn, cancel context.CancelFunc) {
	t := time.NewTicker(pingEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			pctx, stop := context.WithTimeout(ctx, deadAfter-pingEvery)
			err := ws.Ping(pctx)
			stop()
			if err != nil {
				cancel()
				return
			}
		}
	}
}
