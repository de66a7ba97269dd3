// Package audit is the practice's record of who did what to whose data:
// sign-ins, role and status changes, pins, exports, erasures, and every
// time someone other than a client opens that client's record or private
// notes. An entry names the actor, the action, the person it concerns and
// a detail without content (never a note's or a message's text).
//
// A change that is a database write records its entry in the same
// transaction (the store's transaction implements Recorder), so that no
// change is ever without its entry, nor an entry without its change. The
// privacy service erases a client so:
//
//	err := s.Erasures.InErasureTx(ctx, func(q privacy.ErasureTx) error {
//		if err := q.EraseClient(ctx, e, s.Clock.Now().UTC()); err != nil {
//			return err
//		}
//		return audit.Record(ctx, q, s.Clock, audit.Erased, e.UserID, e.Detail)
//	})
//
// A read that changes nothing (a record opened, private notes read) and
// an export record through the Recorder they are given (the store) before
// they answer, and do not answer when they cannot record. Admins read the
// log through Log; the nightly Retention keeps it, and the room chat and
// transcripts, no longer than the practice's settings say.
package audit

import (
	"context"
	"time"

	"rapport/internal/app"
)

// Action is what happened.
type Action string

// The actions the log records.
const (
	SignedIn         Action = "signed_in"
	RoleChanged      Action = "role_changed"
	StatusChanged    Action = "status_changed"
	RolePinned       Action = "role_pinned"
	Exported         Action = "exported"
	ErasureRequested Action = "erasure_requested"
	ErasureCancelled Action = "erasure_cancelled"
	Erased           Action = "erased"
	RecordOpened     Action = "record_opened"
	PrivateNotesRead Action = "private_notes_read"
	RetentionApplied Action = "retention_applied"
)

// Actions are every action the log records, in the order the admin page's
// filter offers them.
var Actions = []Action{SignedIn, RoleChanged, StatusChanged, RolePinned, Exported, ErasureRequested,
	ErasureCancelled, Erased, RecordOpened, PrivateNotesRead, RetentionApplied}

// labels are the actions in words.
var labels = map[Action]string{
	SignedIn: "signed in", RoleChanged: "role changed", StatusChanged: "status changed",
	RolePinned: "role pinned or unpinned", Exported: "data exported", ErasureRequested: "erasure requested",
	ErasureCancelled: "erasure cancelled", Erased: "erased", RecordOpened: "record opened",
	PrivateNotesRead: "private notes read", RetentionApplied: "retention applied",
}

// Valid reports whether a is an action the log records.
func (a Action) Valid() bool { _, ok := labels[a]; return ok }

// Label is the action in words, for people.
func (a Action) Label() string {
	if l, ok := labels[a]; ok {
		return l
	}
	return string(a)
}

// Entry is one line of the log.
type Entry struct {
	ID int64
	At time.Time
	// ActorID is who did it; 0 for the system (the Skool sync, a nightly
	// job, the command line).
	ActorID int64
	Action  Action
	// SubjectID is the person whose data it concerns; 0 for none.
	SubjectID int64
	// Detail says what, without content: "coach -> client", "appointment
	// 12", "1,204 chat messages older than 365 days".
	Detail string
}

// Recorder keeps entries (the store does). Recording is part of the
// action: a caller that cannot record does not act, or says so.
type Recorder interface {
	Record(ctx context.Context, e *Entry) error
}

// Record records action on subject by the actor in ctx (the system when
// there is none, or when it is the operator at the command line), now.
// Pass the transaction of the change as r, so that both or neither are
// written.
func Record(ctx context.Context, r Recorder, clock app.Clock, action Action, subjectID int64, detail string) error {
	e := &Entry{At: clock.Now().UTC(), Action: action, SubjectID: subjectID, Detail: detail}
	if a := app.ActorFrom(ctx); a != nil && a.UserID > 0 {
		e.ActorID = a.UserID
	}
	return r.Record(ctx, e)
}
