package protocol

import (
	"encoding/json"
	"time"

	"rapport/internal/chat"
)

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

// Message is a chat message as clients see it: a stored chat.Message with
// its sender's name.
type Message struct {
	ID         int64     `json:"id"`
	SessionID  int64     `json:"session_id"`
	SenderID   int64     `json:"sender_id,omitempty"` // 0 for system and AI messages
	Kind       string    `json:"kind"`
	Body       string    `json:"body"`
	Seq        int64     `json:"seq"`
	ClientID   string    `json:"client_id,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	SenderName string    `json:"sender_name,omitempty"`
}

// MessageOf is a stored message as clients see it, sent by senderName.
func MessageOf(m *chat.Message, senderName string) Message {
	return Message{ID: m.ID, SessionID: m.SessionID, SenderID: m.SenderID, Kind: string(m.Kind), Body: m.Body, Seq: m.Seq,
		ClientID: m.ClientID, CreatedAt: m.CreatedAt, SenderName: senderName}
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

// AIStream is an "ai.stream" frame: the reply being written (the whole
// text so far), and at last done, once it is stored (or failed).
type AIStream struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	Done bool   `json:"done,omitempty"`
}

// AIStatus is an "ai.status" frame, and the AI's state in "joined".
type AIStatus struct {
	Enabled   bool   `json:"enabled"`
	Available bool   `json:"available"`
	Message   string `json:"message,omitempty"` // why it is unavailable
}

// Ended is a "room.ended" frame: why the room closed for good, and who
// closed it. Every connection is then closed with ReasonRoomEnded.
type Ended struct {
	Reason string `json:"reason"`
	UserID int64  `json:"user_id"`
	Name   string `json:"name"`
}

// JoinRequest is what a client says when it joins: for a reconnect, the
// session and last message it saw, so that it gets exactly what it missed.
type JoinRequest struct {
	SessionID int64 `json:"session_id"`
	LastSeq   int64 `json:"last_seq"`
	Presence
}

// PeerSignal is a "p2p.signal" frame's data as the other browser receives
// it: whom it is from, and what they sent, as they sent it.
type PeerSignal struct {
	From int64           `json:"from"`
	Data json.RawMessage `json:"data"`
}

// FloorState is an "ai.floor" frame, and the floor in "joined".
type FloorState struct {
	Floor
	// Available says the server can bring the AI into calls.
	Available bool `json:"available"`
	// Transcript says what the AI hears is kept (the coach may turn it off
	// for the session).
	Transcript bool `json:"transcript"`
}

// Caption is a "caption" frame: a line a person said, as the AI heard it.
type Caption struct {
	UserID int64  `json:"user_id"`
	Name   string `json:"name"`
	Text   string `json:"text"`
	Final  bool   `json:"final"`
}

// Floor is the AI's place in a call, as the room's floor rules (room.Floor)
// leave it.
type Floor struct {
	Present  bool   `json:"present"`  // the coach brought the AI into the call
	Mode     string `json:"mode"`     // how forward it is: listen, on_request, co_facilitate
	Consent  bool   `json:"consent"`  // the client agreed to be heard by it
	Speaking bool   `json:"speaking"` // it holds the floor and is answering
	Handed   bool   `json:"handed"`   // the coach handed it the floor: it answers next
}
