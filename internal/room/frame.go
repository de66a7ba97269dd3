package room

import (
	"encoding/json"
	"sync"
	"time"

	"rapport/internal/chat"
)

// ProtocolVersion is the version of the signaling protocol in every frame.
const ProtocolVersion = 1

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
	obs      Observer

	once sync.Once
	b    []byte
}

// NewFrame returns a frame of a type with its data.
func NewFrame(typ string, data any) *Frame { return &Frame{Type: typ, Data: data} }

// Reply returns a frame that answers the request with id.
func Reply(id, typ string, data any) *Frame { return &Frame{Type: typ, ReplyTo: id, Data: data} }

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
		b, err := json.Marshal(envelope{V: ProtocolVersion, Type: f.Type, ID: f.ReplyTo, Data: f.Data})
		if err != nil {
			b, _ = json.Marshal(envelope{V: ProtocolVersion, Type: "error", ID: f.ReplyTo,
				Data: ErrorData{Code: "internal", Message: "the server could not encode its answer"}})
		}
		f.b = b
	})
	return f.b
}

// ErrorData is the data of an error frame.
type ErrorData struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// Participant is a person in the room, as every client sees them.
type Participant struct {
	UserID    int64     `json:"user_id"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	AvatarURL string    `json:"avatar_url,omitempty"`
	JoinedAt  time.Time `json:"joined_at"`
	Presence
}

// Presence is what a participant's devices and network are doing.
type Presence struct {
	Mic    bool   `json:"mic"`
	Cam    bool   `json:"cam"`
	Screen bool   `json:"screen"` // sharing their screen
	Path   string `json:"path"`   // which network path their media takes
}

// Message is a chat message as clients see it: with the sender's name.
type Message struct {
	*chat.Message
	SenderName string `json:"sender_name,omitempty"`
}

// SessionInfo describes the call session: when it opened and started.
type SessionInfo struct {
	ID        int64      `json:"id"`
	OpenedAt  time.Time  `json:"opened_at"`
	StartedAt *time.Time `json:"started_at"`
}

// TimerInfo is the call timer, which the server keeps: every client counts
// from StartedAt against ServerTime, so every clock agrees.
type TimerInfo struct {
	StartedAt      *time.Time `json:"started_at"`
	ScheduledStart time.Time  `json:"scheduled_start"`
	ScheduledEnd   time.Time  `json:"scheduled_end"`
	ServerTime     time.Time  `json:"server_time"`
}

// Waiting says whom the first to arrive is waiting for.
type Waiting struct {
	UserID int64  `json:"user_id"`
	Name   string `json:"name"`
	Online bool   `json:"online"` // signed in elsewhere in the app: they got a notice
}

// Joined answers a join.
type Joined struct {
	Protocol     int            `json:"protocol"`
	You          Participant    `json:"you"`
	Participants []Participant  `json:"participants"`
	RoomID       string         `json:"room_id"`
	Appointment  AppointmentRef `json:"appointment"`
	Session      SessionInfo    `json:"session"`
	Timer        TimerInfo      `json:"timer"`
	Messages     []Message      `json:"messages"`
	More         bool           `json:"more"` // more missed messages than sent: ask with chat.sync
	WaitingFor   *Waiting       `json:"waiting_for"`
	ICEServers   []ICEServer    `json:"ice_servers"` // for the browser's RTCPeerConnection
	// CallMode says how the call's media travels: "sfu" through the
	// server, or "p2p" directly between the two browsers (which fall back
	// to the SFU when they cannot connect).
	CallMode string `json:"call_mode"`
	// AI is the AI co-coach's state: whether it is set up, and available.
	AI *AIStatus `json:"ai"`
	// Floor is the AI in the call: whether it is in, its mode, the
	// client's consent, whether it speaks.
	Floor FloorState `json:"floor"`
}

// ICEServer is one entry of RTCConfiguration.iceServers.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// AppointmentRef is what a room tells of its appointment.
type AppointmentRef struct {
	ID       int64     `json:"id"`
	Title    string    `json:"title"`
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
}

// Left says who left and why.
type Left struct {
	UserID int64  `json:"user_id"`
	Reason string `json:"reason"`
}

// Ack acknowledges a stored chat message to its sender.
type Ack struct {
	ClientID  string    `json:"client_id"`
	ID        int64     `json:"message_id"`
	Seq       int64     `json:"seq"`
	CreatedAt time.Time `json:"created_at"`
	Message   Message   `json:"message"`
}

// Typing says that someone is or stopped typing.
type Typing struct {
	UserID int64 `json:"user_id"`
	Active bool  `json:"active"`
}

// PresenceChange says that someone's presence changed.
type PresenceChange struct {
	UserID int64 `json:"user_id"`
	Presence
}

// Messages answers chat.sync: messages after a sequence number.
type Messages struct {
	Messages []Message `json:"messages"`
	More     bool      `json:"more"`
}

// Warning is a timer warning: five minutes left, or the scheduled end.
type Warning struct {
	Kind         string    `json:"kind"` // "five_minutes" or "ended"
	ScheduledEnd time.Time `json:"scheduled_end"`
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
