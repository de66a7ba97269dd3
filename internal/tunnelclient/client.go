// Package tunnelclient is a participant on the media tunnel, in Go: it joins
// a room over the room protocol, asks for a tunnel ticket, and sends and
// receives encoded frames over the tunnel's WebSocket, as a browser without
// WebRTC does. The load test and the tests use it.
package tunnelclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/coder/websocket"

	"rapport/internal/roomclient"
	"rapport/internal/sfu"
	"rapport/internal/tunnel"
)

// Options say where and who, as for a room connection.
type Options struct {
	Room roomclient.Options
	// Frames is how many received frames wait for Frames' reader before the
	// newest are dropped (default 256).
	Frames int
}

// Client is one participant's tunnel connection and the room connection it
// belongs to.
type Client struct {
	Room *roomclient.Client // nil when opened without one (Open)
	ws   *websocket.Conn

	frames    chan tunnel.Frame
	keyframes chan string

	mu     sync.Mutex
	tracks []sfu.TunnelTrack
	errs   []string
	wmu    sync.Mutex // one writer at a time
	buf    []byte
	done   chan struct{}
}

// Dial joins the room and opens its media tunnel.
func Dial(ctx context.Context, opt Options) (*Client, error) {
	rc, err := roomclient.Dial(ctx, opt.Room)
	if err != nil {
		return nil, err
	}
	c, err := open(ctx, rc, opt)
	if err != nil {
		rc.Close()
		return nil, err
	}
	return c, nil
}

func open(ctx context.Context, rc *roomclient.Client, opt Options) (*Client, error) {
	raw, err := rc.Request(ctx, "media.tunnel", nil)
	if err != nil {
		return nil, fmt.Errorf("tunnel ticket: %w", err)
	}
	var t struct{ Ticket string }
	if err := json.Unmarshal(raw, &t); err != nil || t.Ticket == "" {
		return nil, fmt.Errorf("tunnel ticket: %s", raw)
	}
	c, err := Open(ctx, opt.Room.BaseURL+"/rooms/"+opt.Room.RoomID+"/media?ticket="+t.Ticket, opt.Room.Header, opt.Frames)
	if err != nil {
		return nil, err
	}
	c.Room = rc
	return c, nil
}

// Open opens a tunnel WebSocket at url (http or https; a load test's own
// route, say) without a room connection; frames is as Options.Frames.
func Open(ctx context.Context, url string, header http.Header, frames int) (*Client, error) {
	u := strings.Replace(url, "http", "ws", 1)
	ws, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: header})
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			return nil, fmt.Errorf("tunnel: %s: %w", resp.Status, err)
		}
		return nil, fmt.Errorf("tunnel: %w", err)
	}
	ws.SetReadLimit(1 << 20)
	if frames <= 0 {
		frames = 256
	}
	c := &Client{ws: ws, frames: make(chan tunnel.Frame, frames), keyframes: make(chan string, 16), done: make(chan struct{})}
	go c.read()
	return c, nil
}

// read takes the server's frames and control messages until the
// connection ends.
func (c *Client) read() {
	defer close(c.done)
	defer close(c.frames)
	for {
		typ, b, err := c.ws.Read(context.Background())
		if err != nil {
			return
		}
		if typ == websocket.MessageBinary {
			var f tunnel.Frame
			if f.Unmarshal(b) == nil {
				select {
				case c.frames <- f:
				default: // the reader is behind: the newest go
				}
			}
			continue
		}
		c.control(b)
	}
}

func (c *Client) control(b []byte) {
	var m struct {
		Type    string
		Tracks  []sfu.TunnelTrack
		Purpose string
		Error   json.RawMessage
	}
	if json.Unmarshal(b, &m) != nil {
		return
	}
	switch m.Type {
	case "tracks":
		c.mu.Lock()
		c.tracks = m.Tracks
		c.mu.Unlock()
	case "keyframe":
		select {
		case c.keyframes <- m.Purpose:
		default:
		}
	case "error":
		c.mu.Lock()
		c.errs = append(c.errs, string(m.Error))
		c.mu.Unlock()
	}
}

// Frames delivers the frames received, of every track; it closes when the
// tunnel connection ends.
func (c *Client) Frames() <-chan tunnel.Frame { return c.frames }

// KeyframeRequests delivers the server's requests for a keyframe of what
// the client publishes ("camera", "screen").
func (c *Client) KeyframeRequests() <-chan string { return c.keyframes }

// Tracks is what the client receives now, as the server last said.
func (c *Client) Tracks() []sfu.TunnelTrack {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]sfu.TunnelTrack(nil), c.tracks...)
}

// Errors are the error messages the server sent, as JSON.
func (c *Client) Errors() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.errs...)
}

// Send publishes one frame: its Track is tunnel.PurposeCode of what it is.
func (c *Client) Send(ctx context.Context, f *tunnel.Frame) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.buf = f.Marshal(c.buf[:0])
	return c.ws.Write(ctx, websocket.MessageBinary, c.buf)
}

// RequestKeyframe asks the publisher of a received track for a keyframe.
func (c *Client) RequestKeyframe(ctx context.Context, track byte) error {
	return c.text(ctx, map[string]any{"type": "keyframe", "track": track})
}

// View says how large the client shows a stream ("12-camera").
func (c *Client) View(ctx context.Context, stream string, width, height int) error {
	return c.text(ctx, map[string]any{"type": "view", "stream": stream, "width": width, "height": height})
}

// SendText sends a control message as it is (for tests of bad input).
func (c *Client) SendText(ctx context.Context, msg []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.ws.Write(ctx, websocket.MessageText, msg)
}

func (c *Client) text(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.SendText(ctx, b)
}

// Done is closed when the tunnel connection has ended.
func (c *Client) Done() <-chan struct{} { return c.done }

// Close ends the tunnel and leaves the room.
func (c *Client) Close() {
	c.ws.Close(websocket.StatusNormalClosure, "")
	if c.Room != nil {
		c.Room.Close()
	}
}
