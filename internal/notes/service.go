package notes

import (
	"context"
	"fmt"

	"rapport/internal/app"
	"rapport/internal/audit"
	"rapport/internal/coaching"
)

// Service applies the rules of the private notes on top of a Store. Every
// method takes the caller from the context (app.ActorFrom).
type Service struct {
	Store Store
	// Audit keeps the record of every read of notes. A read that cannot
	// be recorded is refused.
	Audit audit.Recorder
	Clock app.Clock
	// AdminsRead lets the practice's admins read every coach's notes
	// (PRIVATE_NOTES_ADMINS); they never write them.
	AdminsRead bool
}

// NewService returns a service over store that records reads in rec, with
// the real clock when clock is nil.
func NewService(store Store, rec audit.Recorder, clock app.Clock) *Service {
	if clock == nil {
		clock = app.SystemClock{}
	}
	return &Service{Store: store, Audit: rec, Clock: clock}
}

// ClientNotes lists the notes about a client, newest first: the calling
// coach's own, or every coach's for an admin whom the practice lets read
// them. The read is recorded.
func (s *Service) ClientNotes(ctx context.Context, clientID int64, p coaching.Page) ([]*Note, error) {
	a, err := s.reader(ctx, clientID)
	if err != nil {
		return nil, err
	}
	list, err := s.Store.ListNotes(ctx, Filter{CoachID: ownOnly(a), ClientID: clientID, Page: normalize(p)})
	if err != nil {
		return nil, fmt.Errorf("list notes: %w", err)
	}
	if err := s.recordRead(ctx, clientID, fmt.Sprintf("notes of client %d: %d", clientID, len(list))); err != nil {
		return nil, err
	}
	return list, nil
}

// SessionNotes lists the notes of one session, newest first: its coach's,
// or every coach's for an admin whom the practice lets read them. The read
// is recorded.
func (s *Service) SessionNotes(ctx context.Context, appointmentID int64) ([]*Note, error) {
	appt, err := s.Store.AppointmentByID(ctx, appointmentID)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return nil, notFound("appointment")
	} else if err != nil {
		return nil, err
	}
	a, err := s.reader(ctx, appt.ClientID)
	if err != nil {
		return nil, err
	}
	if a.Role == app.RoleCoach && appt.CoachID != a.UserID {
		return nil, notFound("appointment")
	}
	list, err := s.Store.ListNotes(ctx, Filter{CoachID: ownOnly(a), ClientID: appt.ClientID, AppointmentID: appt.ID, Page: normalize(coaching.Page{Limit: 200})})
	if err != nil {
		return nil, fmt.Errorf("list notes: %w", err)
	}
	if err := s.recordRead(ctx, appt.ClientID, fmt.Sprintf("notes of appointment %d: %d", appt.ID, len(list))); err != nil {
		return nil, err
	}
	return list, nil
}

// Note returns one note to its coach (or to an admin whom the practice
// lets read notes), and records the read.
func (s *Service) Note(ctx context.Context, id int64) (*Note, error) {
	n, a, err := s.visible(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.Role == app.RoleAdmin && !s.AdminsRead {
		return nil, notFound("note")
	}
	if err := s.recordRead(ctx, n.ClientID, fmt.Sprintf("note %d", n.ID)); err != nil {
		return nil, err
	}
	return n, nil
}

// CheckWrite tells whether the caller may write a note about the client:
// nil for their coach, EFORBIDDEN for an admin who may read notes, and
// ENOTFOUND for anyone else. Handlers ask it before they read a body.
func (s *Service) CheckWrite(ctx context.Context, clientID int64) error {
	_, err := s.writer(ctx, clientID)
	return err
}

// Write stores a new note of the calling coach about one of their clients,
// of one of their sessions with them or of the client in general. Nothing
// is stored unless all of it is right.
func (s *Service) Write(ctx context.Context, clientID int64, d Draft) (*Note, error) {
	a, err := s.writer(ctx, clientID)
	if err != nil {
		return nil, err
	}
	fields := map[string]string{}
	checkBody(fields, "body", d.Body)
	if d.AppointmentID != 0 {
		if err := s.checkSession(ctx, fields, a, clientID, d.AppointmentID); err != nil {
			return nil, err
		}
	}
	if err := app.Invalid(fields); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	n := &Note{CoachID: a.UserID, ClientID: clientID, AppointmentID: d.AppointmentID, Body: d.Body,
		AIMayRead: d.AIMayRead, CreatedAt: now, UpdatedAt: now}
	if err := s.Store.CreateNote(ctx, n); err != nil {
		return nil, fmt.Errorf("write note: %w", err)
	}
	return s.Store.NoteByID(ctx, n.ID)
}

// checkSession adds a field error unless appointmentID is one of the
// coach's sessions with the client.
func (s *Service) checkSession(ctx context.Context, fields map[string]string, a *app.Actor, clientID, appointmentID int64) error {
	appt, err := s.Store.AppointmentByID(ctx, appointmentID)
	switch {
	case app.ErrorCode(err) == app.ENOTFOUND:
	case err != nil:
		return err
	case appt.CoachID == a.UserID && appt.ClientID == clientID:
		return nil
	}
	fields["appointment_id"] = "is not one of your sessions with this client"
	return nil
}

// CheckChange tells whether the caller may change or delete a note: nil
// for its coach, EFORBIDDEN for an admin who may read notes, ENOTFOUND for
// anyone else. Handlers ask it before they read a body.
func (s *Service) CheckChange(ctx context.Context, id int64) error {
	_, err := s.changeable(ctx, id)
	return err
}

// Update changes a note's text or whether the AI may read it: its coach's
// alone to do.
func (s *Service) Update(ctx context.Context, id int64, ch Change) (*Note, error) {
	n, err := s.changeable(ctx, id)
	if err != nil {
		return nil, err
	}
	if ch.Body != nil {
		fields := map[string]string{}
		checkBody(fields, "body", *ch.Body)
		if err := app.Invalid(fields); err != nil {
			return nil, err
		}
		n.Body = *ch.Body
	}
	if ch.AIMayRead != nil {
		n.AIMayRead = *ch.AIMayRead
	}
	n.UpdatedAt = s.Clock.Now()
	if err := s.Store.UpdateNote(ctx, n); err != nil {
		return nil, fmt.Errorf("update note: %w", err)
	}
	return n, nil
}

// Delete removes a note: its coach's alone to do.
func (s *Service) Delete(ctx context.Context, id int64) error {
	if _, err := s.changeable(ctx, id); err != nil {
		return err
	}
	if err := s.Store.DeleteNote(ctx, id); err != nil {
		return fmt.Errorf("delete note: %w", err)
	}
	return nil
}

// reader returns the caller when they may read notes about the client:
// one of the client's coaches (who reads their own), or an admin whom the
// practice lets read them. Anyone else is told there is no such client.
func (s *Service) reader(ctx context.Context, clientID int64) (*app.Actor, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	switch a.Role {
	case app.RoleAdmin:
		if s.AdminsRead {
			return a, nil
		}
	case app.RoleCoach:
		ok, err := s.Store.IsCoachOf(ctx, a.UserID, clientID)
		if err != nil || ok {
			return a, err
		}
	}
	return nil, notFound("client")
}

// writer returns the caller when they may write notes about the client:
// their coach. An admin who may read notes is forbidden; anyone else is
// told there is no such client.
func (s *Service) writer(ctx context.Context, clientID int64) (*app.Actor, error) {
	a, err := s.reader(ctx, clientID)
	if err != nil {
		return nil, err
	}
	if a.Role != app.RoleCoach {
		return nil, app.Errorf(app.EFORBIDDEN, "only the client's coach writes their notes")
	}
	return a, nil
}

// visible returns a note and the caller when the caller may read it: its
// coach, while the client is theirs, or an admin (whom the callers check
// against AdminsRead).
func (s *Service) visible(ctx context.Context, id int64) (*Note, *app.Actor, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, nil, err
	}
	n, err := s.Store.NoteByID(ctx, id)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return nil, nil, notFound("note")
	} else if err != nil {
		return nil, nil, err
	}
	switch {
	case a.Role == app.RoleAdmin:
		return n, a, nil
	case a.Role == app.RoleCoach && a.UserID == n.CoachID:
		ok, err := s.Store.IsCoachOf(ctx, a.UserID, n.ClientID)
		if err != nil || ok {
			return n, a, err
		}
	}
	return nil, nil, notFound("note")
}

// changeable returns a note its caller may change: its coach's. An admin
// who may read notes is forbidden; anyone else is told it does not exist.
func (s *Service) changeable(ctx context.Context, id int64) (*Note, error) {
	n, a, err := s.visible(ctx, id)
	switch {
	case err != nil:
		return nil, err
	case a.Role == app.RoleAdmin && s.AdminsRead:
		return nil, app.Errorf(app.EFORBIDDEN, "only the note's coach changes it")
	case a.Role == app.RoleAdmin:
		return nil, notFound("note")
	}
	return n, nil
}

// recordRead records that the caller read the private notes of clientID;
// without a record there is no read.
func (s *Service) recordRead(ctx context.Context, clientID int64, detail string) error {
	if s.Audit == nil {
		return app.Errorf(app.EINTERNAL, "the private notes have no audit log to record reads in")
	}
	if err := audit.Record(ctx, s.Audit, s.Clock, audit.PrivateNotesRead, clientID, detail); err != nil {
		return fmt.Errorf("record a read of private notes: %w", err)
	}
	return nil
}

// ownOnly is the coach whose notes the caller reads: their own for a
// coach, everyone's (0) for an admin.
func ownOnly(a *app.Actor) int64 {
	if a.Role == app.RoleCoach {
		return a.UserID
	}
	return 0
}

// normalize clamps a page to 50 by default, at most 200.
func normalize(p coaching.Page) coaching.Page {
	if p.Limit <= 0 {
		p.Limit = 50
	}
	p.Limit = min(p.Limit, 200)
	p.Offset = max(p.Offset, 0)
	return p
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
func notFound(what string) error {
	return app.Errorf(app.ENOTFOUND, "%s not found", what)
}
