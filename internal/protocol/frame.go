// Package protocol is the room protocol on the wire, between browsers (and
// the Go client, roomclient) and the server: the frame envelope and its
// version, the frames' type names, the payloads both sides read (joined,
// the timer, ICE servers, chat messages...), an encoder that writes a frame
// once however many connections it goes to, and the decoding of a client's
// frame. The room (package room) keeps the rules and speaks it; the
// transports (package signaling) carry it; docs/protocol.md describes it.
package protocol

import (
	"encoding/json"
	"sync"
	"time"
)

// Version is the protocol's version, in every frame ("v").
const Version = 1

// Frame is one message from the server to a client. It is encoded once, the
// first time any connection needs it, however many connections it goes to.
type Frame struct {
	Type    string
	ReplyTo string // the id of the request this answers, if any
	Data    any
	raw     []byte // data already encoded as JSON, instead of Data

	// received is when the room received the chat message this frame
	// carries (zero for other frames), told to obs once it is written.
	received time.Time
	obs      WriteObserver

	once sync.Once
	b    []byte
}

// NewFrame returns a frame of a type with its data.
func NewFrame(typ string, data any) *Frame { return &Frame{Type: typ, Data: data} }

// Reply returns a frame that answers the request with id.
func Reply(id, typ string, data any) *Frame { return &Frame{Type: typ, ReplyTo: id, Data: data} }

// WriteObserver is told, for metrics, how long a chat message took from
// the room to a client's connection.
type WriteObserver interface {
	ChatWritten(time.Duration)
}

// Observe asks the frame to tell obs, once written, how long ago the room
// received the chat message it carries.
func (f *Frame) Observe(obs WriteObserver, received time.Time) {
	f.obs, f.received = obs, received
}

// encodedFrame returns a frame already encoded whole, envelope and all.
func encodedFrame(typ, replyTo string, b []byte) *Frame {
	f := &Frame{Type: typ, ReplyTo: replyTo, b: b}
	f.once.Do(func() {})
	return f
}

// NewRawFrame returns a frame whose data is already JSON.
func NewRawFrame(typ, replyTo string, data []byte) *Frame {
	return &Frame{Type: typ, ReplyTo: replyTo, raw: data}
}

// Written tells the rooms' observer that a connection has written the
// frame, when it carries a chat message: the connections call it after
// each write.
func (f *Frame) Written() {
	if f.obs != nil {
		f.obs.ChatWritten(time.Since(f.received))
	}
}

// envelope is a frame on the wire.
type envelope struct {
	V    int    `json:"v"`
	Type string `json:"type"`
	ID   string `json:"id,omitempty"`
	Data any    `json:"data,omitempty"`
}

// Bytes returns the frame as JSON: {"v":1,"type":...,"id":...,"data":...}.
func (f *Frame) Bytes() []byte {
	f.once.Do(func() {
		if f.raw != nil {
			f.b = f.rawEnvelope()
			return
		}
		b, err := json.Marshal(envelope{V: Version, Type: f.Type, ID: f.ReplyTo, Data: f.Data})
		if err != nil {
			b, _ = json.Marshal(envelope{V: Version, Type: TypeError, ID: f.ReplyTo,
				Data: ErrorData{Code: "internal", Message: "the server could not encode its answer"}})
		}
		f.b = b
	})
	return f.b
}

// rawEnvelope wraps already encoded data, as json.Marshal of an envelope
// would.
func (f *Frame) rawEnvelope() []byte {
	b := make([]byte, 0, len(f.raw)+len(f.Type)+len(f.ReplyTo)+40)
	b = append(b, `{"v":1,"type":`...)
	b = appendString(b, f.Type)
	if f.ReplyTo != "" {
		b = append(b, `,"id":`...)
		b = appendString(b, f.ReplyTo)
	}
	b = append(b, `,"data":`...)
	b = append(b, f.raw...)
	return append(b, '}')
}
