// Package notes is the coach's private notes: what a coach writes about a
// client, of one session or of the client in general, in Markdown, and the
// templates that start a note (the coach's own, and two built in).
//
// A note is its coach's alone. The client never reads it: not in their
// pages, not through the API, not in what is exported for them. Another
// coach never reads it, even one who works with the same client. The
// practice's admins read notes only when the practice allows it (the
// setting PRIVATE_NOTES_ADMINS, Service.AdminsRead), and never change
// them. The AI co-coach reads a note only when its coach says so, note by
// note (Note.AIMayRead). Every read of notes is recorded in the audit log.
//
// It knows neither HTTP nor SQL: it names the storage it needs as Store,
// which the store package implements.
package notes

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"rapport/internal/coaching"
)

// MaxBody is the longest a note's or a template's text may be, in bytes:
// a hundred kilobytes is some forty pages of prose, more than any note
// needs, and little enough that a list of notes stays quick to show.
const MaxBody = 100 << 10

// MaxName is the longest a template's name may be, in characters.
const MaxName = 100

// Note is one private note of a coach about a client.
type Note struct {
	ID       int64
	CoachID  int64
	ClientID int64
	// AppointmentID is the session the note is of; 0: of the client in
	// general.
	AppointmentID int64
	// Body is the note in Markdown.
	Body string
	// AIMayRead lets the AI co-coach read the note: its prompts for this
	// coach and client then carry it. Off unless the coach turns it on.
	AIMayRead bool
	CreatedAt time.Time
	UpdatedAt time.Time

	// Filled by lists and reads for display: the coach's name, and the
	// session's title and start when the note is of one.
	CoachName      string
	SessionTitle   string
	SessionStartAt time.Time
}

// Draft is what a coach writes: a new note, or the new text of one.
type Draft struct {
	// AppointmentID names the session the note is of (0: none). It must be
	// one of the coach's sessions with the client. An edit leaves it as
	// it was.
	AppointmentID int64
	Body          string
	AIMayRead     bool
}

// Change is an edit of a note; nil fields stay as they are.
type Change struct {
	Body      *string
	AIMayRead *bool
}

// Filter narrows a list of notes. Zero fields match all.
type Filter struct {
	CoachID       int64
	ClientID      int64
	AppointmentID int64
	Page          coaching.Page
}

// Store is the storage the notes need (store.DB implements it). A missing
// row is ENOTFOUND.
type Store interface {
	// IsCoachOf and AppointmentByID are coaching.Store's.
	IsCoachOf(ctx context.Context, coachID, clientID int64) (bool, error)
	AppointmentByID(ctx context.Context, id int64) (*coaching.Appointment, error)

	CreateNote(ctx context.Context, n *Note) error
	// NoteByID returns a note with its coach's name and its session.
	NoteByID(ctx context.Context, id int64) (*Note, error)
	// UpdateNote stores a note's body, its AI flag and when it changed.
	UpdateNote(ctx context.Context, n *Note) error
	DeleteNote(ctx context.Context, id int64) error
	// ListNotes lists notes newest first, with their coach's name and
	// their session.
	ListNotes(ctx context.Context, f Filter) ([]*Note, error)

	CreateNoteTemplate(ctx context.Context, t *Template) error
	NoteTemplateByID(ctx context.Context, id int64) (*Template, error)
	// UpdateNoteTemplate stores a template's name, body and when it
	// changed; a name the coach has for another is ECONFLICT.
	UpdateNoteTemplate(ctx context.Context, t *Template) error
	DeleteNoteTemplate(ctx context.Context, id int64) error
	// ListNoteTemplates lists a coach's own templates by name.
	ListNoteTemplates(ctx context.Context, coachID int64) ([]*Template, error)
}

// scriptPatterns find what makes a text a script when it is shown as
// HTML: a script element, a javascript: or vbscript: link target (inline,
// reference, autolink or href), an event handler attribute in an HTML
// tag. The renderer's sanitizer makes any note inert whatever it holds;
// these refuse the obvious cases up front, so that the coach hears what
// was wrong instead of finding part of their note gone.
var scriptPatterns = []*regexp.Regexp{
	regexp.MustCompile(`(?i)<\s*script\b`),
	regexp.MustCompile(`(?i)(?:\]\(|\]:|<|href\s*=)\s*["'<]?\s*(?:java|vb)script\s*:`),
	regexp.MustCompile(`(?i)<[a-z][^>]*[\s/"']on[a-z]+\s*=`),
}

// checkBody adds to fields why body may not be kept as the field name: blank,
// longer than MaxBody, not text, or holding a script.
func checkBody(fields map[string]string, name, body string) {
	switch {
	case strings.TrimSpace(body) == "":
		fields[name] = "is required"
	case len(body) > MaxBody:
		fields[name] = fmt.Sprintf("must be at most 100 KB (%d bytes); this one is %d bytes", MaxBody, len(body))
	default:
		if msg := coaching.CheckText(body, coaching.MultiLine); msg != "" {
			fields[name] = msg
		} else if found := scriptIn(body); found != "" {
			fields[name] = fmt.Sprintf("must not contain a script (found %q): write about it in words instead", found)
		}
	}
}

// scriptIn returns the first script-like part of body, or "".
func scriptIn(body string) string {
	for _, re := range scriptPatterns {
		if m := re.FindString(body); m != "" {
			return strings.TrimSpace(m)
		}
	}
	return ""
}
