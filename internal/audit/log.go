package audit

import (
	"context"
	"time"

	"rapport/internal/app"
)

// Filter narrows the log. Zero fields match all.
type Filter struct {
	// ActorID keeps what one person did.
	ActorID int64
	// System keeps what the system did (ActorID 0); it overrides ActorID.
	System bool
	// SubjectID keeps what concerns one person.
	SubjectID int64
	Action    Action
	// From and To keep the entries at or after From and before To.
	From, To      time.Time
	Limit, Offset int
}

// Person is someone an entry names, as the log shows them. Name and Email
// are empty for the system (ID 0) and for someone whose user row no longer
// exists. An erased client is not such a one: their row stays, named
// "Erased client" with an erased-<id>@erased.invalid address.
type Person struct {
	ID          int64
	Name, Email string
}

// System reports whether the person is the system, not anyone.
func (p Person) System() bool { return p.ID == 0 }

// Gone reports whether the person's user row no longer exists (Rapport
// never deletes one: only a hand-made change to the database does), so
// that the log knows them by their number only.
func (p Person) Gone() bool { return p.ID != 0 && p.Email == "" }

// Row is an entry with the people it names, newest first in a listing.
type Row struct {
	Entry
	Actor, Subject Person
}

// Store keeps the log and reads it (store.DB).
type Store interface {
	Recorder
	// AuditEntries lists the entries f keeps, newest first.
	AuditEntries(ctx context.Context, f Filter) ([]Row, error)
}

// Log is the log as admins read it.
type Log struct {
	Store Store
}

// MaxPage is the most entries one listing returns.
const MaxPage = 200

// List lists the entries f keeps, newest first: for admins only, who see
// the whole log; anyone else is refused.
func (l *Log) List(ctx context.Context, f Filter) ([]Row, error) {
	if err := MayRead(ctx); err != nil {
		return nil, err
	}
	if err := f.check(); err != nil {
		return nil, err
	}
	f.Limit, f.Offset = pageOf(f.Limit, f.Offset)
	return l.Store.AuditEntries(ctx, f)
}

// MayRead says whether the actor in ctx may read the log: admins may;
// anyone else is forbidden, and nobody signed in is asked to sign in.
func MayRead(ctx context.Context) error {
	a := app.ActorFrom(ctx)
	switch {
	case a == nil || a.UserID == 0:
		return app.Errorf(app.EUNAUTHORIZED, "please sign in")
	case a.Role != app.RoleAdmin:
		return app.Errorf(app.EFORBIDDEN, "the audit log is for admins")
	}
	return nil
}

// check says which of the filter's fields cannot be.
func (f Filter) check() error {
	fields := map[string]string{}
	if f.Action != "" && !f.Action.Valid() {
		fields["action"] = "is not an action the log records"
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		fields["to"] = "must be after the start of the range"
	}
	if f.ActorID < 0 {
		fields["actor"] = "must be a person's number"
	}
	if f.SubjectID < 0 {
		fields["subject"] = "must be a person's number"
	}
	return app.Invalid(fields)
}

// pageOf bounds a page: 50 entries unless asked, at most MaxPage.
func pageOf(limit, offset int) (int, int) {
	if limit <= 0 {
		limit = 50
	}
	return min(limit, MaxPage), max(offset, 0)
}
