// Package intake is the coach's questionnaires: a coach builds one (a
// title, an intro, and questions of six kinds), sends it to a client or
// has a session type ask it of whoever books; the client saves a draft,
// comes back, and submits, after which the answers are read-only and the
// coach reads them.
//
// A questionnaire changes as its coach edits it, but what a client was
// asked does not: every request points at a Version, an immutable copy of
// the questions frozen the first time the questionnaire (as it stands
// then) is sent, and the answers are judged and shown against it.
//
// It knows neither HTTP nor SQL: it names the storage it needs as Store,
// which package store implements on the same transactions as coaching's.
package intake

import (
	"context"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/mail"
)

// Kind is what a question asks for.
type Kind string

// The kinds of question.
const (
	ShortText Kind = "short_text" // a line of text
	LongText  Kind = "long_text"  // paragraphs
	OneChoice Kind = "one_choice" // one of the options
	Choices   Kind = "choices"    // any of the options
	Scale     Kind = "scale"      // a whole number from 1 to 10
	Date      Kind = "date"       // a day, 2006-01-02
)

// Kinds are the kinds of question, in the order a form offers them.
var Kinds = []Kind{ShortText, LongText, OneChoice, Choices, Scale, Date}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	for _, known := range Kinds {
		if k == known {
			return true
		}
	}
	return false
}

// HasOptions reports whether questions of the kind offer options.
func (k Kind) HasOptions() bool { return k == OneChoice || k == Choices }

// Label is the kind in words, for forms.
func (k Kind) Label() string {
	switch k {
	case ShortText:
		return "Short text"
	case LongText:
		return "Long text"
	case OneChoice:
		return "One choice"
	case Choices:
		return "Several choices"
	case Scale:
		return "Scale of 1 to 10"
	case Date:
		return "Date"
	}
	return string(k)
}

// Question is one question of a questionnaire. Its ID is unique within
// the questionnaire and never reused, so that an answer names its question
// in every version.
type Question struct {
	ID       int64    `json:"id"`
	Kind     Kind     `json:"kind"`
	Text     string   `json:"text"`
	Required bool     `json:"required"`
	Options  []string `json:"options,omitempty"` // the choices of OneChoice and Choices, in order
}

// Content is what a questionnaire asks: what a Version freezes.
type Content struct {
	Title     string     `json:"title"`
	Intro     string     `json:"intro"`
	Questions []Question `json:"questions"`
}

// Question returns the question of an ID, or nil.
func (c *Content) Question(id int64) *Question {
	for i := range c.Questions {
		if c.Questions[i].ID == id {
			return &c.Questions[i]
		}
	}
	return nil
}

// Questionnaire is a coach's questionnaire as they edit it.
type Questionnaire struct {
	ID      int64
	CoachID int64
	Content
	// Repeat asks it again at every booking of a session type that asks
	// for it (a check-in); otherwise a client is asked once (an intake).
	Repeat bool
	// NextQuestion is the ID the next new question gets.
	NextQuestion int64
	// VersionID is the version last frozen from it, 0 for none yet;
	// Changed says its content was edited since, so that the next request
	// freezes a new one.
	VersionID int64
	Changed   bool
	// SessionTypeIDs are the coach's session types that ask for it
	// (filled by reads).
	SessionTypeIDs []int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Version is a questionnaire's content as it was sent: never changed.
type Version struct {
	ID              int64
	QuestionnaireID int64
	Number          int // 1, 2, ... within the questionnaire
	Content
	CreatedAt time.Time
}

// Answers are a client's answers by question ID: one value for most
// kinds (a scale as "7", a date as "2030-12-31"), the options chosen for
// Choices. A question left unanswered has no entry.
type Answers map[int64][]string

// Status is where a request stands.
type Status string

// The statuses of a request.
const (
	StatusWaiting   Status = "waiting"   // sent, nothing saved yet
	StatusDraft     Status = "draft"     // answers saved, not submitted
	StatusSubmitted Status = "submitted" // submitted: read-only
)

// Request is a questionnaire sent to a client at one of its versions,
// with the answers given.
type Request struct {
	ID              int64
	QuestionnaireID int64
	VersionID       int64
	CoachID         int64
	ClientID        int64
	// AppointmentID is the booking that asked for it, 0 when the coach
	// sent it.
	AppointmentID int64
	Answers       Answers
	SentAt        time.Time
	SavedAt       *time.Time // the last draft saved
	SubmittedAt   *time.Time

	// Filled by reads: the version asked, and the two people (ID, name
	// and email only).
	Version       *Version
	Coach, Client *coaching.User
}

// Status says where the request stands.
func (r *Request) Status() Status {
	switch {
	case r.SubmittedAt != nil:
		return StatusSubmitted
	case r.SavedAt != nil:
		return StatusDraft
	}
	return StatusWaiting
}

// Item is a question with its answer, for display.
type Item struct {
	Question
	Answer []string
}

// Items are the version's questions in order, each with its answer (none
// for a question left unanswered).
func (r *Request) Items() []Item {
	if r.Version == nil {
		return nil
	}
	out := make([]Item, len(r.Version.Questions))
	for i, q := range r.Version.Questions {
		out[i] = Item{Question: q, Answer: r.Answers[q.ID]}
	}
	return out
}

// The states a list of requests may ask for.
const (
	AnyState       = ""          // every request
	OpenState      = "open"      // not submitted: waiting or draft
	SubmittedState = "submitted" // submitted
)

// RequestFilter narrows a list of requests. Zero fields match all.
type RequestFilter struct {
	CoachID         int64
	ClientID        int64
	QuestionnaireID int64
	AppointmentID   int64
	State           string // AnyState, OpenState or SubmittedState
	// Linked keeps only the requests whose client is still a client of
	// the coach who sent them.
	Linked bool
	Page   coaching.Page
}

// Records are the rows the questionnaires need, inside a transaction or
// not. The store's transactions of the practice's records
// (coaching.Store.InTx) hold these too.
type Records interface {
	People
	// CreateQuestionnaire stores a new questionnaire and sets its ID.
	CreateQuestionnaire(ctx context.Context, q *Questionnaire) error
	// Questionnaire returns one that is not archived, with its session
	// types, or ENOTFOUND.
	Questionnaire(ctx context.Context, id int64) (*Questionnaire, error)
	// Questionnaires lists a coach's that are not archived, by title.
	Questionnaires(ctx context.Context, coachID int64) ([]*Questionnaire, error)
	// LockQuestionnaire holds its row until the transaction ends.
	LockQuestionnaire(ctx context.Context, id int64) error
	// UpdateQuestionnaire writes its content, Repeat, NextQuestion,
	// VersionID, Changed and UpdatedAt.
	UpdateQuestionnaire(ctx context.Context, q *Questionnaire) error
	// ArchiveQuestionnaire hides it and detaches it from every session
	// type; its versions and requests stay.
	ArchiveQuestionnaire(ctx context.Context, id int64, at time.Time) error
	// SetSessionTypes makes exactly these session types ask for the
	// questionnaire, taking each from any other that it asked for.
	SetSessionTypes(ctx context.Context, questionnaireID int64, typeIDs []int64) error
	// QuestionnaireOfType returns the questionnaire a session type asks
	// for, or ENOTFOUND.
	QuestionnaireOfType(ctx context.Context, typeID int64) (*Questionnaire, error)
	// CreateVersion stores a new version numbered after the last one of
	// its questionnaire, and sets its ID and Number.
	CreateVersion(ctx context.Context, v *Version) error
	Version(ctx context.Context, id int64) (*Version, error)
	// CreateRequest stores a new request and sets its ID.
	CreateRequest(ctx context.Context, r *Request) error
	// Request returns one with its version and people, or ENOTFOUND.
	Request(ctx context.Context, id int64) (*Request, error)
	// Requests lists requests with their versions and people, newest
	// first.
	Requests(ctx context.Context, f RequestFilter) ([]*Request, error)
	// SaveAnswers writes a request's answers as a draft at at, or
	// submits them when submit is set; a request submitted already is
	// left as it is, ECONFLICT.
	SaveAnswers(ctx context.Context, id int64, a Answers, at time.Time, submit bool) error
}

// People are what the questionnaires read of the practice's records
// (coaching's, which the store implements) and the outbox.
type People interface {
	UserByID(ctx context.Context, id int64) (*coaching.User, error)
	IsCoachOf(ctx context.Context, coachID, clientID int64) (bool, error)
	// SessionType returns one that is not archived, or ENOTFOUND.
	SessionType(ctx context.Context, id int64) (*coaching.SessionType, error)
	mail.Enqueuer
}

// Store is the storage of the questionnaires: their records, and
// transactions of the practice's records, which hold them too (recordsOf).
type Store interface {
	Records
	InTx(ctx context.Context, fn func(q coaching.Records) error) error
}

// Service applies the rules of the questionnaires. Every method takes the
// caller from the context (app.ActorFrom) and checks what they may do: a
// questionnaire is its coach's alone; a request is its client's, and
// their coach's to read; anyone else is told it is not found.
type Service struct {
	Store Store
	Clock app.Clock
	// Practice names the practice in its emails and links back to it.
	Practice coaching.Practice
}

// NewService returns a service over store with the real clock when clock
// is nil.
func NewService(store Store, clock app.Clock) *Service {
	if clock == nil {
		clock = app.SystemClock{}
	}
	return &Service{Store: store, Clock: clock}
}
