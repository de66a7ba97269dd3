// Package roomclient is a Go client of the room protocol (docs/protocol.md)
// over WebSocket: it joins, sends chat messages and waits for their
// acknowledgements, and survives a lost connection or a server restart by
// reconnecting, catching up from its last sequence number and resending
// what was not acknowledged. The load generator and the tests use it; so
// can a worker that takes the AI co-coach's seat.
package roomclient

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"rapport/internal/protocol"
)

// Message is a chat message as the protocol carries it.
type Message = protocol.Message

// chatSend is the data of a chat.send.
type chatSend struct {
	ClientID string `json:"client_id"`
	Body     string `json:"body"`
}

// Ack is the server's word that a message is stored.
type Ack = protocol.Ack

// Options say where and who.
type Options struct {
	BaseURL string      // http://127.0.0.1:8080
	RoomID  string      // the room to join
	Header  http.Header // the session cookie, or "Authorization: Bearer <agent token>"
	// OnMessage is called, from the client's reader, once for every other
	// participant's message (live or caught up after a reconnect).
	OnMessage func(Message)
	// OnFrame, when set, sees every frame's type (for tests and counters).
	OnFrame func(typ string)
	// OnMedia, when set, gets the SFU's own frames (media.offer,
	// media.candidate), from the client's reader: it must not block.
	OnMedia func(typ string, data json.RawMessage)
	// OnJoined, when set, gets each "joined" (after every reconnect too).
	OnJoined func(data json.RawMessage)
	// Reconnect says whether to come back after a lost connection or a
	// server restart (default true); MaxBackoff caps the wait between tries.
	NoReconnect bool
	MaxBackoff  time.Duration
	// Path replaces /rooms/{RoomID}/signal; with MediaOnly the connection
	// sends no join (a load generator's media peer).
	Path      string
	MediaOnly bool
}

// Client is one participant's connection to a room.
type Client struct {
	opt Options

	mu        sync.Mutex
	ws        *websocket.Conn
	sessionID int64
	lastSeq   int64
	seen      *recentIDs          // the messages already handed over, by ID
	pending   map[string]*pending // by client ID, until acknowledged
	closed    bool
	joined    chan struct{} // closed once joined; replaced on each reconnect
	ended     chan struct{}
	err       error
	reqs      map[string]chan frame
}

type pending struct {
	body string
	done chan Ack
}

type frame struct {
	Type string          `json:"type"`
	ID   string          `json:"id"`
	Data json.RawMessage `json:"data"`

	// Decoded already, for the frames a busy call is made of.
	message *Message
	ack     *Ack
}

// ErrReplaced is the end of a client whose person joined from elsewhere.
var ErrReplaced = errors.New("replaced by another connection of the same person")

// Dial connects and joins; it returns once joined.
func Dial(ctx context.Context, opt Options) (*Client, error) {
	if opt.MaxBackoff == 0 {
		opt.MaxBackoff = 2 * time.Second
	}
	c := &Client{opt: opt, seen: newRecentIDs(recentBound), pending: map[string]*pending{},
		joined: make(chan struct{}), ended: make(chan struct{}), reqs: map[string]chan frame{}}
	if err := c.connect(ctx); err != nil {
		return nil, err
	}
	go c.run()
	select {
	case <-c.joined:
		return c, nil
	case <-c.ended:
		return nil, c.err
	case <-ctx.Done():
		c.Close()
		return nil, ctx.Err()
	}
}

// connect opens the WebSocket and sends the join, with where the client
// stands when this is a reconnect.
func (c *Client) connect(ctx context.Context) error {
	path := c.opt.Path
	if path == "" {
		path = "/rooms/" + c.opt.RoomID + "/signal"
	}
	u := "ws" + strings.TrimPrefix(c.opt.BaseURL, "http") + path
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ws, res, err := websocket.Dial(dctx, u, &websocket.DialOptions{HTTPHeader: c.opt.Header})
	if err != nil {
		if res != nil && res.StatusCode >= 400 && res.StatusCode < 500 { // refused; a 5xx (a room moving between nodes) is tried again
			return fmt.Errorf("join room: HTTP %d: %w", res.StatusCode, errPermanent)
		}
		return err
	}
	ws.SetReadLimit(1 << 20)
	c.mu.Lock()
	c.ws = ws
	if c.opt.MediaOnly {
		close(c.joined)
		c.mu.Unlock()
		return nil
	}
	join := map[string]int64{"session_id": c.sessionID, "last_seq": c.lastSeq}
	c.mu.Unlock()
	return c.write(ctx, protocol.TypeJoin, "join", join)
}

var errPermanent = errors.New("will not retry")

// outFrame is a frame the client sends.
type outFrame struct {
	V    int    `json:"v"`
	Type string `json:"type"`
	ID   string `json:"id"`
	Data any    `json:"data"`
}

func (c *Client) write(ctx context.Context, typ, id string, data any) error {
	b, err := json.Marshal(outFrame{V: 1, Type: typ, ID: id, Data: data})
	if err != nil {
		return err
	}
	c.mu.Lock()
	ws := c.ws
	c.mu.Unlock()
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
	}
	return ws.Write(ctx, websocket.MessageText, b)
}

// run reads frames, and reconnects when the connection ends, until Close.
func (c *Client) run() {
	backoff := 50 * time.Millisecond
	for {
		err := c.read()
		c.mu.Lock()
		closed := c.closed
		c.mu.Unlock()
		if closed || c.opt.NoReconnect || errors.Is(err, ErrReplaced) || errors.Is(err, errPermanent) {
			c.end(err)
			return
		}
		c.resetJoined()
		for {
			time.Sleep(backoff + time.Duration(randInt(int(backoff/2))))
			backoff = min(backoff*2, c.opt.MaxBackoff)
			err = c.connect(context.Background())
			if err == nil && c.isClosed() { // Close came while reconnecting
				c.mu.Lock()
				c.ws.Close(websocket.StatusNormalClosure, "leaving")
				c.mu.Unlock()
				c.end(nil)
				return
			}
			if err == nil {
				backoff = 50 * time.Millisecond
				break
			}
			if errors.Is(err, errPermanent) || c.isClosed() {
				c.end(err)
				return
			}
		}
	}
}

func (c *Client) resetJoined() {
	c.mu.Lock()
	select {
	case <-c.joined:
		c.joined = make(chan struct{})
	default:
	}
	c.mu.Unlock()
}

func (c *Client) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

func (c *Client) end(err error) {
	c.mu.Lock()
	c.err = err
	c.mu.Unlock()
	close(c.ended)
}

// read handles frames until the connection ends.
func (c *Client) read() error {
	c.mu.Lock()
	ws := c.ws
	c.mu.Unlock()
	var buf bytes.Buffer // reused: frames are decoded, not kept
	for {
		_, r, err := ws.Reader(context.Background())
		if err == nil {
			buf.Reset()
			_, err = buf.ReadFrom(r)
		}
		b := buf.Bytes()
		if err != nil {
			switch websocket.CloseStatus(err) {
			case 4001:
				return ErrReplaced
			case 4003: // the room ended: coming back would open another call
				return fmt.Errorf("the room ended: %w", errPermanent)
			}
			return err
		}
		f, ok := decodeFrame(b)
		if !ok {
			continue
		}
		if c.opt.OnFrame != nil {
			c.opt.OnFrame(f.Type)
		}
		if err := c.handle(f); err != nil {
			ws.Close(websocket.StatusNormalClosure, "")
			return err
		}
	}
}

func (c *Client) handle(f frame) error {
	switch f.Type {
	case protocol.TypeJoined:
		return c.onJoined(f)
	case protocol.TypeChatMessage:
		if f.message == nil {
			f.message = new(Message)
			json.Unmarshal(f.Data, f.message)
		}
		c.deliver(f.message)
	case protocol.TypeChatMessages:
		var ms struct {
			Messages []*Message
			More     bool
		}
		json.Unmarshal(f.Data, &ms)
		c.deliver(ms.Messages...)
		if ms.More && len(ms.Messages) > 0 {
			go c.sync(ms.Messages[len(ms.Messages)-1].Seq)
		}
	case protocol.TypeError:
		if f.ID == "join" {
			return joinError(f)
		}
	case protocol.TypeChatAck:
		if f.ack == nil {
			f.ack = new(Ack)
			json.Unmarshal(f.Data, f.ack)
		}
		c.acked(*f.ack)
	case protocol.TypeReplaced:
		return ErrReplaced
	case protocol.TypeMediaOffer, protocol.TypeMediaCandidate:
		if f.ID == "" && c.opt.OnMedia != nil {
			c.opt.OnMedia(f.Type, f.Data)
		}
	}
	c.answer(f)
	return nil
}

// onJoined records the session, takes the caught-up messages, and resends
// what was not acknowledged before the connection dropped.
func (c *Client) onJoined(f frame) error {
	var j struct {
		Session  struct{ ID int64 }
		Messages []*Message
		More     bool
	}
	if err := json.Unmarshal(f.Data, &j); err != nil {
		return err
	}
	c.mu.Lock()
	if j.Session.ID != c.sessionID {
		c.sessionID, c.lastSeq = j.Session.ID, 0
	}
	resend := make(map[string]string, len(c.pending))
	for id, p := range c.pending {
		resend[id] = p.body
	}
	close(c.joined)
	c.mu.Unlock()
	if c.opt.OnJoined != nil {
		c.opt.OnJoined(f.Data)
	}
	c.deliver(j.Messages...)
	if j.More && len(j.Messages) > 0 {
		// Page on from the last caught-up message, not from lastSeq, which
		// live messages raise meanwhile.
		go c.sync(j.Messages[len(j.Messages)-1].Seq)
	}
	for id, body := range resend {
		c.write(context.Background(), protocol.TypeChatSend, id, chatSend{ClientID: id, Body: body})
	}
	return nil
}

// sync asks for the messages after a sequence number.
func (c *Client) sync(after int64) {
	c.write(context.Background(), protocol.TypeChatSync, "sync", map[string]int64{"after_seq": after})
}

// joinError turns a refused join into the client's fate: a restarting
// server is tried again, anything else ends the client.
func joinError(f frame) error {
	var e struct{ Code, Message string }
	json.Unmarshal(f.Data, &e)
	if e.Code == "unavailable" {
		return errors.New("server unavailable: " + e.Message)
	}
	return fmt.Errorf("join refused: %s: %w", e.Message, errPermanent)
}

// deliver hands each message not seen before to OnMessage.
func (c *Client) deliver(ms ...*Message) {
	for _, m := range ms {
		c.mu.Lock()
		dup := c.seen.add(m.ID)
		c.lastSeq = max(c.lastSeq, m.Seq)
		c.mu.Unlock()
		if !dup && c.opt.OnMessage != nil {
			c.opt.OnMessage(*m)
		}
	}
}

func (c *Client) acked(a Ack) {
	c.mu.Lock()
	p := c.pending[a.ClientID]
	delete(c.pending, a.ClientID)
	c.seen.add(a.ID)
	c.lastSeq = max(c.lastSeq, a.Seq)
	c.mu.Unlock()
	if p != nil {
		p.done <- a
	}
}

func (c *Client) answer(f frame) {
	if f.ID == "" {
		return
	}
	c.mu.Lock()
	ch := c.reqs[f.ID]
	delete(c.reqs, f.ID)
	c.mu.Unlock()
	if ch != nil {
		ch <- f
	}
}

// Send sends a chat message and waits until it is stored and acknowledged;
// across a reconnect it is sent again under the same client ID, so that it
// is stored once. Errors the server gives (a rate limit) are returned.
func (c *Client) Send(ctx context.Context, body string) (Ack, error) {
	id := NewID()
	p := &pending{body: body, done: make(chan Ack, 1)}
	answer := make(chan frame, 1)
	c.mu.Lock()
	c.pending[id] = p
	c.reqs[id] = answer
	c.mu.Unlock()
	forget := func() {
		c.mu.Lock()
		delete(c.pending, id)
		delete(c.reqs, id)
		c.mu.Unlock()
	}
	c.write(ctx, protocol.TypeChatSend, id, chatSend{ClientID: id, Body: body}) // a failed write is retried on reconnect
	for {
		select {
		case a := <-p.done:
			return a, nil
		case f := <-answer:
			if f.Type != protocol.TypeError {
				continue // the acknowledgement's own frame: p.done has it
			}
			if !unavailable(f) {
				forget()
				return Ack{}, fmt.Errorf("server: %s", f.Data)
			}
			// "unavailable": the server is restarting; the message is sent
			// again after the reconnect.
			c.mu.Lock()
			c.reqs[id] = answer
			c.mu.Unlock()
		case <-c.ended:
			forget()
			return Ack{}, fmt.Errorf("connection ended: %w", c.err)
		case <-ctx.Done():
			forget()
			return Ack{}, ctx.Err()
		}
	}
}

// Request sends a frame and waits for its answer: the answer's data, or
// the server's error.
func (c *Client) Request(ctx context.Context, typ string, data any) (json.RawMessage, error) {
	id := NewID()
	answer := make(chan frame, 1)
	c.mu.Lock()
	c.reqs[id] = answer
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.reqs, id)
		c.mu.Unlock()
	}()
	if err := c.write(ctx, typ, id, data); err != nil {
		return nil, err
	}
	select {
	case f := <-answer:
		if f.Type == protocol.TypeError {
			return nil, fmt.Errorf("server: %s", f.Data)
		}
		return f.Data, nil
	case <-c.ended:
		return nil, fmt.Errorf("connection ended: %w", c.err)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Tell sends a frame that wants no answer.
func (c *Client) Tell(ctx context.Context, typ string, data any) error {
	return c.write(ctx, typ, "", data)
}

func unavailable(f frame) bool {
	var e struct{ Code string }
	json.Unmarshal(f.Data, &e)
	return e.Code == "unavailable"
}

// Close leaves the room.
func (c *Client) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	ws := c.ws
	c.mu.Unlock()
	ws.Close(websocket.StatusNormalClosure, "leaving")
	<-c.ended
}

// NewID returns a random client message ID.
func NewID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func randInt(n int) int {
	if n <= 0 {
		return 0
	}
	b := make([]byte, 4)
	rand.Read(b)
	return int(uint32(b[0])|uint32(b[1])<<8|uint32(b[2])<<16|uint32(b[3])<<24) % n
}
