// Package audit is the practice's record of who did what to whose data:
// sign-ins, role and status changes, pins, exports, erasures, and every
// time someone other than a client opens that client's record or private
// notes. An entry names the actor, the action, the person it concerns and
// a detail without content (never a note's or a message's text).
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
// there is none), now.
func Record(ctx context.Context, r Recorder, clock app.Clock, action Action, subjectID int64, detail string) error {
	e := &Entry{At: clock.Now().UTC(), Action: action, SubjectID: subjectID, Detail: detail}
	if a := app.ActorFrom(ctx); a != nil {
		e.ActorID = a.UserID
	}
	return r.Record(ctx, e)
}
