// Package chat holds the messages of call sessions: what a message is, the
// rules for its text, and the Writer that stores them in batches, so that a
// message is durable before anyone is told of it, at thousands a second.
package chat

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

// Kind is who or what wrote a message.
type Kind string

// The kinds of message: a person's text, a note from the room itself, and
// the AI co-coach's words.
const (
	KindText   Kind = "text"
	KindSystem Kind = "system"
	KindAI     Kind = "ai"
)

// MaxBody is the longest message, in characters.
const MaxBody = 4000

// MaxClientID is the longest client-chosen message ID.
const MaxClientID = 64

// Message is one chat message of a call session. Seq orders the messages of
// a session; ClientID is the sender's own ID for it, by which the room that
// owns the session knows a message sent twice (a retry after a lost
// acknowledgement) and stores it once.
type Message struct {
	ID        int64     `json:"id"`
	SessionID int64     `json:"session_id"`
	SenderID  int64     `json:"sender_id,omitempty"` // 0 for system and AI messages
	Kind      Kind      `json:"kind"`
	Body      string    `json:"body"`
	Seq       int64     `json:"seq"`
	ClientID  string    `json:"client_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// CheckBody returns the reason a message text is refused, or nil. Blank
// messages, those over MaxBody characters and those that are not free text
// by coaching.CheckText (a NUL, other control characters but newlines and
// tabs, bidirectional overrides, invalid UTF-8) are refused; the text is
// kept exactly as written. A refused message never reaches the Writer, where
// one that the database refuses would fail the batch of every room.
func CheckBody(body string) error {
	if strings.TrimSpace(body) == "" {
		return app.Invalid(map[string]string{"body": "must not be empty"})
	}
	if err := coaching.ValidText("body", body, coaching.MultiLine); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(body); n > MaxBody {
		return app.Invalid(map[string]string{"body": "must be at most 4000 characters"})
	}
	return nil
}

// CheckClientID checks a sender's message ID: 1 to 64 printable ASCII
// characters without spaces.
func CheckClientID(id string) error {
	if id == "" || len(id) > MaxClientID {
		return app.Invalid(map[string]string{"client_id": "must be 1 to 64 characters"})
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return app.Invalid(map[string]string{"client_id": "must be printable ASCII without spaces"})
		}
	}
	return nil
}

// SentID is a stored message as a retry names it: its sender (0 for the
// AI), the sender's own ID for it, and its sequence number.
type SentID struct {
	SenderID int64
	ClientID string
	Seq      int64
}

// Store keeps messages.
type Store interface {
	// AppendMessages stores messages in one transaction and sets their IDs.
	AppendMessages(ctx context.Context, msgs []*Message) error
	// ClientIDs returns the client IDs a session holds, with their senders
	// (0 for the AI) and sequence numbers: a room loads them to know
	// retries.
	ClientIDs(ctx context.Context, sessionID int64) ([]SentID, error)
	// MessagesAfter returns up to limit messages of a session with a
	// sequence number above after, oldest first.
	MessagesAfter(ctx context.Context, sessionID, after int64, limit int) ([]*Message, error)
	// MessagesBefore returns up to limit messages below before (0: the
	// newest), oldest first.
	MessagesBefore(ctx context.Context, sessionID, before int64, limit int) ([]*Message, error)
	// LastSeq returns the highest sequence number of a session, 0 for none.
	LastSeq(ctx context.Context, sessionID int64) (int64, error)
}
