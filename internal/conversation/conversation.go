// Package conversation is what a coach and a client say to each other
// between sessions: one conversation per pair, of text and files, outside
// any call. It keeps the room chat's guarantees: a message is stored
// before anyone is told of it, a page that reconnects asks for what came
// after the last sequence number it holds, and a message sent twice (a
// retry after a lost answer) is stored once. A message that stays unread
// for a while is announced by email, at most once an hour per
// conversation and person.
package conversation

import (
	"context"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/mail"
)

// Conversation is the one conversation of a coach and a client.
type Conversation struct {
	ID        int64     `json:"id"`
	CoachID   int64     `json:"coach_id"`
	ClientID  int64     `json:"client_id"`
	LastSeq   int64     `json:"last_seq"` // the newest message's sequence number; 0: none yet
	CreatedAt time.Time `json:"created_at"`
}

// Other is the person on the other side from userID.
func (c *Conversation) Other(userID int64) int64 {
	if userID == c.CoachID {
		return c.ClientID
	}
	return c.CoachID
}

// Has reports whether userID is one of the two people.
func (c *Conversation) Has(userID int64) bool { return userID == c.CoachID || userID == c.ClientID }

// Message is one message of a conversation: text, a file, or both.
type Message struct {
	ID             int64  `json:"id"`
	ConversationID int64  `json:"conversation_id"`
	Seq            int64  `json:"seq"`
	SenderID       int64  `json:"sender_id"`
	ClientID       string `json:"client_id,omitempty"`
	Body           string `json:"body"`
	// File is the attached file's description; nil: none.
	File      *File     `json:"file,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// File describes an attached file; its bytes are kept apart (FileData).
type File struct {
	ID int64 `json:"id"`
	// Name is the file's name as uploaded, cleaned of paths.
	Name string `json:"name"`
	// Type is the media type its name's extension gives; it is only a
	// label: a file is always served as a download, never shown inline.
	Type   string `json:"type"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Summary is one conversation in a person's list: with whom, the last
// message and how many they have not read.
type Summary struct {
	Conversation
	Other  *coaching.User `json:"other"`
	Last   *Message       `json:"last,omitempty"`
	Unread int            `json:"unread"`
}

// Page asks for messages: with Forward, those after After, oldest first
// (what a page that reconnects missed; After 0 is from the start);
// without, the newest before Before (0: the newest of all), newest last.
// Limit is at most MaxPage.
type Page struct {
	Forward       bool
	After, Before int64
	Limit         int
}

// MaxPage is the most messages one request gets.
const MaxPage = 200

// UnreadNotice is an email due to a person about an unread message.
type UnreadNotice struct {
	Conversation *Conversation
	To           *coaching.User
	From         *coaching.User
	// Seq is the newest unread message the notice covers; Unread how many
	// there are.
	Seq    int64
	Unread int
}

// Store keeps conversations (store.DB). Errors carry app codes.
type Store interface {
	UserByID(ctx context.Context, id int64) (*coaching.User, error)
	IsCoachOf(ctx context.Context, coachID, clientID int64) (bool, error)

	// ConversationOf returns the pair's conversation, creating it the
	// first time.
	ConversationOf(ctx context.Context, coachID, clientID int64, at time.Time) (*Conversation, error)
	ConversationByID(ctx context.Context, id int64) (*Conversation, error)
	// Conversations lists userID's conversations, the most recent first.
	Conversations(ctx context.Context, userID int64) ([]*Summary, error)
	// AddMessage stores m with the conversation's next sequence number,
	// and its file's bytes when it has one, in one transaction; a
	// message whose ClientID the sender used already in this
	// conversation is not stored again: the stored one comes back, with
	// stored false.
	AddMessage(ctx context.Context, m *Message, data []byte) (stored bool, err error)
	Messages(ctx context.Context, conversationID int64, p Page) ([]*Message, error)
	// MarkRead records that userID has read up to seq (never backwards).
	MarkRead(ctx context.Context, conversationID, userID, seq int64) error
	// UnreadCount is how many messages to userID, in all their
	// conversations, they have not read.
	UnreadCount(ctx context.Context, userID int64) (int, error)
	FileByID(ctx context.Context, id int64) (*File, int64, error) // and its conversation's ID
	FileData(ctx context.Context, id int64) ([]byte, error)

	// UnreadNotices lists the notices due at now: a person with a message
	// unread since before now-after, not told of it yet, and not told of
	// that conversation since now-every.
	UnreadNotices(ctx context.Context, now time.Time, after, every time.Duration) ([]*UnreadNotice, error)
	// NoticeSent records the notice and queues its email, in one
	// transaction.
	NoticeSent(ctx context.Context, n *UnreadNotice, at time.Time, email *mail.Message) error
}

// Notifier tells the two people's open pages of a new message (notify.Hub
// through the web layer); it must not block.
type Notifier interface {
	MessageAdded(c *Conversation, m *Message)
}

// Service is the conversations' rules: who may read and write what.
type Service struct {
	Store    Store
	Clock    app.Clock
	Notify   Notifier // nil: pages learn of messages when they reload
	Practice coaching.Practice
	// NoticeAfter is how long a message stays unread before its email
	// (default 15 minutes); NoticeEvery the least time between two
	// notices of one conversation to one person (default an hour).
	NoticeAfter, NoticeEvery time.Duration
}

// actor is the signed-in caller.
func actor(ctx context.Context) (*app.Actor, error) {
	a := app.ActorFrom(ctx)
	if a == nil || a.UserID == 0 {
		return nil, app.Errorf(app.EUNAUTHORIZED, "please sign in")
	}
	return a, nil
}

// notFound is the answer to anyone who may not see a conversation or file.
func notFound(what string) error { return app.Errorf(app.ENOTFOUND, "%s not found", what) }
