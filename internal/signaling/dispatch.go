package signaling

import (
	"encoding/json"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"rapport/internal/app"
	"rapport/internal/chat"
	"rapport/internal/coaching"
	"rapport/internal/protocol"
	"rapport/internal/room"
	"rapport/internal/sfu"
)

// client is one connection's conversation with its room: it turns frames
// into room calls. Both transports feed it; it is not safe for concurrent
// use, so each transport calls it from one goroutine (or under a lock).
type client struct {
	frames *rate.Limiter // every frame a client sends counts
	opened time.Time     // when the connection opened: it must join within joinWithin
	rooms  *room.Manager
	appt   *coaching.Appointment
	user   *coaching.User
	conn   room.Conn
	// session is the sign-in session that opened the connection (0: none);
	// untrack forgets the connection when it ends.
	session int64
	untrack func()
	joined  *room.Seat
	clock   func() time.Time
	media   *sfu.SFU // nil: calls are off
	// peer is the client's peer with the SFU, from its first offer or its
	// tunnel connection (which another goroutine makes): guarded by peerMu,
	// like mediaClosed (the client left: no more media).
	peerMu      sync.Mutex
	peer        *sfu.Peer
	mediaClosed bool
	tunnels     *tickets // the server's tunnel tickets
	// mediaOnly is a load generator's peer: media frames without a join.
	mediaOnly bool
}

// handlers maps a frame type to what it does. A handler returns an error to
// answer the frame with; nil means it answered (or needs no answer).
var handlers = map[string]func(c *client, in *protocol.Inbound) error{
	protocol.TypeJoin:     (*client).join,
	protocol.TypeChatSend: (*client).chatSend,
	protocol.TypeChatSync: (*client).chatSync,
	protocol.TypeTyping:   (*client).typing,
	protocol.TypePresence: (*client).presence,
	protocol.TypeLeave:    (*client).leave,
	protocol.TypePing:     (*client).ping,
	protocol.TypeRoomEnd:  (*client).roomEnd,

	protocol.TypeMediaOffer:     (*client).mediaOffer,
	protocol.TypeMediaAnswer:    (*client).mediaAnswer,
	protocol.TypeMediaCandidate: (*client).mediaCandidate,
	protocol.TypeMediaView:      (*client).mediaView,
	protocol.TypeMediaTunnel:    (*client).mediaTunnel,
	protocol.TypeP2PSignal:      (*client).p2pSignal,

	protocol.TypeAIInvite:     (*client).aiInvite,
	protocol.TypeAIDismiss:    (*client).aiDismiss,
	protocol.TypeAIConsent:    (*client).aiConsent,
	protocol.TypeAIMode:       (*client).aiMode,
	protocol.TypeAIFloor:      (*client).aiFloor,
	protocol.TypeAIHeard:      (*client).aiHeard,
	protocol.TypeCaption:      (*client).caption,
	protocol.TypeAITranscript: (*client).aiTranscript,
}

// handle processes one raw frame. Whatever is wrong with it gets an error
// frame; nothing a client sends can crash the server or hurt others.
func (c *client) receive(raw []byte) {
	if !c.frames.Allow() {
		c.conn.Send(room.ErrorFrame("", errTooFast))
		return
	}
	in, err := protocol.Decode(raw)
	if err == nil {
		h := handlers[in.Type]
		switch {
		case h == nil:
			err = app.Errorf(app.EINVALID, "unknown frame type %q", in.Type)
		case c.mediaOnly:
			if !strings.HasPrefix(in.Type, "media.") && in.Type != protocol.TypePing {
				err = app.Errorf(app.EINVALID, "this connection carries media frames only")
			} else {
				err = h(c, in)
			}
		case c.joined == nil && in.Type != protocol.TypeJoin && in.Type != protocol.TypePing:
			err = app.Errorf(app.EINVALID, "join the room first")
		default:
			err = h(c, in)
		}
	}
	if err != nil {
		id := ""
		if in != nil {
			id = in.ID
		}
		c.conn.Send(room.ErrorFrame(id, err))
	}
}

func (c *client) join(in *protocol.Inbound) error {
	if c.joined != nil {
		return app.Errorf(app.ECONFLICT, "already joined")
	}
	var req protocol.JoinRequest
	if err := protocol.DecodeData(in, &req); err != nil {
		return err
	}
	h, err := c.rooms.Join(c.appt, c.user, c.conn, req, in.ID)
	if err != nil {
		return err
	}
	c.joined = h
	return nil
}

type chatSend struct {
	ClientID string `json:"client_id"`
	Body     string `json:"body"`
}

func (c *client) chatSend(in *protocol.Inbound) error {
	var m chatSend
	if err := protocol.DecodeData(in, &m); err != nil {
		return err
	}
	if err := chat.CheckClientID(m.ClientID); err != nil {
		return err
	}
	if err := chat.CheckBody(m.Body); err != nil {
		return err
	}
	c.joined.Chat(in.ID, m.ClientID, m.Body)
	return nil
}

func (c *client) chatSync(in *protocol.Inbound) error {
	var m struct {
		AfterSeq int64 `json:"after_seq"`
	}
	if err := protocol.DecodeData(in, &m); err != nil {
		return err
	}
	c.joined.Sync(in.ID, max(m.AfterSeq, 0))
	return nil
}

func (c *client) typing(in *protocol.Inbound) error {
	var m struct {
		Active bool `json:"active"`
	}
	if err := protocol.DecodeData(in, &m); err != nil {
		return err
	}
	c.joined.Typing(m.Active)
	return c.ok(in)
}

func (c *client) presence(in *protocol.Inbound) error {
	var p protocol.Presence
	if err := protocol.DecodeData(in, &p); err != nil {
		return err
	}
	c.joined.Presence(p)
	return c.ok(in)
}

// p2pSignal passes peer-to-peer signaling to the other person.
func (c *client) p2pSignal(in *protocol.Inbound) error {
	var m struct {
		To   int64           `json:"to"`
		Data json.RawMessage `json:"data"`
	}
	if err := protocol.DecodeData(in, &m); err != nil {
		return err
	}
	if m.To <= 0 || len(m.Data) == 0 || m.Data[0] != '{' {
		return app.Invalid(map[string]string{"to": "name the person to connect to (to) and send an object (data)"})
	}
	c.joined.P2P(in.ID, m.To, m.Data)
	return nil
}

func (c *client) leave(in *protocol.Inbound) error {
	c.ok(in)
	c.closeMedia()
	c.joined.Leave(room.ReasonLeft)
	return nil
}

func (c *client) ping(in *protocol.Inbound) error {
	c.conn.Send(protocol.Reply(in.ID, protocol.TypePong, map[string]time.Time{"server_time": c.clock()}))
	return nil
}

// ok answers a request that has an id and no answer of its own.
func (c *client) ok(in *protocol.Inbound) error {
	if in.ID != "" {
		c.conn.Send(protocol.Reply(in.ID, protocol.TypeOK, nil))
	}
	return nil
}

// left tells the room that the person left on purpose.
func (c *client) left() {
	c.untrack()
	c.closeMedia()
	if c.joined != nil {
		c.joined.Leave(room.ReasonLeft)
	}
}

// gone tells the room that the connection ended.
func (c *client) gone() {
	c.untrack()
	c.closeMedia()
	if c.joined != nil {
		c.joined.Leave(room.ReasonGone)
	}
}

// closeOnce runs a close once, for the transports.
type closeOnce struct {
	once   sync.Once
	done   chan struct{}
	reason string
}

func newCloseOnce() closeOnce { return closeOnce{done: make(chan struct{})} }

func (c *closeOnce) close(reason string) bool {
	first := false
	c.once.Do(func() { c.reason, first = reason, true; close(c.done) })
	return first
}
