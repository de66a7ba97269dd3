// Package record is a client's record: their goals, which they and their
// coach both keep up to date, and one timeline, newest first, of
// everything that happened between them: every session with its length,
// its shared notes, the AI's summary and the start of its transcript; the
// coach's private notes; the questionnaires the client answered; and the
// messages of their conversation. The timeline can be searched.
//
// There are two views of the same record. The coach's (one of the
// client's coaches) holds what passed between that coach and the client,
// with the coach's private notes and every summary; opening it is
// recorded in the audit log, and the notes' own reading is recorded by
// the notes service. The client's holds what passed with each of their
// coaches, without what is the coaches' alone: no private notes, no
// summary the coach has not shared. Nobody else opens a record: not
// another coach, not an admin (a record holds the conversation and the
// transcripts, which are the two people's alone).
//
// It knows neither HTTP nor SQL: it names the storage it needs as Store,
// which the store package implements, and reads the private notes and
// the questionnaires through their own services' rules.
package record

import (
	"context"
	"time"

	"rapport/internal/app"
	"rapport/internal/audit"
	"rapport/internal/coaching"
	"rapport/internal/conversation"
	"rapport/internal/intake"
	"rapport/internal/notes"
)

// View says whose view of a record it is.
type View string

// The views of a record.
const (
	CoachView  View = "coach"  // a coach of the client's: with their private notes and every summary
	ClientView View = "client" // the client's own: without the coaches' private parts
)

// Kind is what an entry of the timeline is.
type Kind string

// The kinds of entry.
const (
	KindSession     Kind = "session"      // an appointment, with what came of it
	KindPrivateNote Kind = "private_note" // a coach's private note (the coach's view only)
	KindAnswers     Kind = "answers"      // a questionnaire the client submitted
	KindMessages    Kind = "messages"     // a run of messages of a conversation
)

// The most of each part a record holds: enough for years of coaching,
// few enough that a record stays quick to show. A record that holds more
// says so (Record.Cut).
const (
	MaxSessions = 1000
	MaxNotes    = 1000
	// MaxMessages is how many of the newest messages (or, in a search, of
	// those that match) the timeline holds; the conversation's own page
	// has them all.
	MaxMessages = 200
	// TranscriptLines is how many lines of a session's transcript (or, in
	// a search, of those that match) the timeline shows; the session's
	// page has all of it.
	TranscriptLines = 3
	// MessageGap is the longest silence within one run of messages: a
	// message after a longer one starts an entry of its own.
	MessageGap = 6 * time.Hour
)

// Record is a client's record as one person sees it.
type Record struct {
	View   View
	Client *coaching.User
	// Coaches are those the viewer may set a new goal with: the coach
	// themself in the coach's view, the client's current coaches in the
	// client's.
	Coaches []*coaching.User
	Goals   []*Goal
	// Query is what the timeline was searched for ("" for all of it).
	Query   string
	Entries []*Entry
	// Cut names the parts that hold more than the record shows: older
	// messages (without a search), or more sessions or notes than the
	// maximum.
	Cut []string
}

// Entry is one thing on the timeline; exactly one of its parts is set,
// as Kind says.
type Entry struct {
	Kind Kind
	At   time.Time
	// CoachID is the coach it passed between the client and.
	CoachID   int64
	CoachName string

	Session  *Session
	Note     *notes.Note
	Answers  *intake.Request
	Messages *Messages
}

// Session is an appointment with what came of it.
type Session struct {
	Appointment *coaching.Appointment
	// Calls is how many calls took place in its room (a call under way
	// counts once it ends); Length the time spent in them.
	Calls  int
	Length time.Duration
	// Summary is the AI's summary, when there is one the viewer may read.
	Summary *coaching.Summary
	// Transcript is the start of what was said (in a search, the lines
	// that match); MoreTranscript says the session's page has more.
	Transcript     []*Line
	MoreTranscript bool
}

// Line is one line of a session's transcript, with who said it.
type Line struct {
	AppointmentID int64
	coaching.TranscriptLine
	// Speaker is who said it, as the record names them; "" for the AI
	// co-coach.
	Speaker string
}

// Excerpt is part of a session's transcript: some of its lines, and
// whether it has more.
type Excerpt struct {
	Lines []*Line
	More  bool
}

// Messages is a run of messages of one conversation, in the order they
// were written (the entry's At is the newest's).
type Messages struct {
	ConversationID int64
	Items          []*Message
}

// Message is a message of a conversation, with its sender's name.
type Message struct {
	conversation.Message
	// CoachID is the coach of the conversation.
	CoachID int64
	Sender  string
}

// Scope is whose record a read is of: a client's with one coach, or with
// every coach (CoachID 0).
type Scope struct {
	ClientID int64
	CoachID  int64
}

// Store is the storage the record needs (store.DB implements it). A
// missing row is ENOTFOUND.
type Store interface {
	// UserByID, IsCoachOf and ListCoaches are coaching.Store's.
	UserByID(ctx context.Context, id int64) (*coaching.User, error)
	IsCoachOf(ctx context.Context, coachID, clientID int64) (bool, error)
	ListCoaches(ctx context.Context, clientID int64, p coaching.Page) ([]*coaching.User, error)

	GoalStore

	// RecordSessions lists the scope's appointments, newest first, at
	// most limit, each with what the record shows of it (its title,
	// times, status, notes, cancellation and coach: not its room or
	// series), its calls and their length, and its summary whoever may
	// read it (the caller decides).
	RecordSessions(ctx context.Context, s Scope, limit int) ([]*Session, error)
	// RecordTranscripts returns, by appointment, the first perCall lines
	// of each of its calls, or, when search is not "", of those that
	// contain it (in any case), with More when a call has more. Each
	// appointment's lines are in the order said; Speaker is left for the
	// caller to name.
	RecordTranscripts(ctx context.Context, s Scope, search string, perCall int) (map[int64]*Excerpt, error)
	// RecordMessages returns the newest limit messages of the scope's
	// conversations, or of those that contain search (in their text or
	// their file's name, in any case), newest first.
	RecordMessages(ctx context.Context, s Scope, search string, limit int) ([]*Message, error)
}

// Notes are the private notes as the notes service gives them: its own
// rules and its own record of every read (notes.Service).
type Notes interface {
	ClientNotes(ctx context.Context, clientID int64, p coaching.Page) ([]*notes.Note, error)
}

// Answers are the questionnaires a client submitted, as the intake
// service gives them to the client and to a coach (those the coach sent).
type Answers interface {
	Answered(ctx context.Context, clientID int64) ([]*intake.Request, error)
}

// Service applies the record's rules. Every method takes the caller from
// the context (app.ActorFrom).
type Service struct {
	Store   Store
	Notes   Notes
	Answers Answers
	// Audit keeps the record of every time someone other than the client
	// opens a record: an opening that cannot be recorded is refused.
	Audit audit.Recorder
	Clock app.Clock
}

// NewService returns a service over its parts, with the real clock when
// clock is nil.
func NewService(store Store, n Notes, a Answers, rec audit.Recorder, clock app.Clock) *Service {
	if clock == nil {
		clock = app.SystemClock{}
	}
	return &Service{Store: store, Notes: n, Answers: a, Audit: rec, Clock: clock}
}

// actor returns the caller, or EUNAUTHORIZED when nobody is signed in.
func actor(ctx context.Context) (*app.Actor, error) {
	a := app.ActorFrom(ctx)
	if a == nil || a.UserID == 0 {
		return nil, app.Errorf(app.EUNAUTHORIZED, "please sign in")
	}
	return a, nil
}

// notFound is the answer for what is missing or not the caller's to see:
// the two look the same.
func notFound(what string) error { return app.Errorf(app.ENOTFOUND, "%s not found", what) }

// orNotFound turns a missing row, or a check that said no (nil), into
// "not found" of what, and passes other errors on.
func orNotFound(err error, what string) error {
	if err == nil || app.ErrorCode(err) == app.ENOTFOUND {
		return notFound(what)
	}
	return err
}
