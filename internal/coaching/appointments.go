package coaching

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"rapport/internal/app"
)

// The bounds of an appointment's length.
const (
	MinDuration = 15 * time.Minute
	MaxDuration = 240 * time.Minute
)

// MaxYearsAhead is how far ahead an appointment may start. Beyond a few
// years a time is a typo or an attack, and far enough out it no longer fits
// the stored layout or RFC 3339 (year 10000 in UTC).
const MaxYearsAhead = 5

// MinutesDuration is n minutes as a duration. A count too large for a
// time.Duration saturates rather than wrapping around (2^53+60 minutes
// would otherwise become 60), so that the bounds refuse it.
func MinutesDuration(n int64) time.Duration {
	const most = int64(math.MaxInt64 / time.Minute)
	switch {
	case n > most:
		return math.MaxInt64
	case n < -most:
		return math.MinInt64
	}
	return time.Duration(n) * time.Minute
}

// Booking is what a coach gives to book an appointment. An admin books on a
// coach's behalf by naming CoachID.
type Booking struct {
	CoachID  int64
	ClientID int64
	Title    string
	StartsAt time.Time
	Duration time.Duration
	Notes    string
	CallMode CallMode // CallModeDefault: the server's
}

// AppointmentChange is an edit of an appointment; nil fields stay as they are.
type AppointmentChange struct {
	Title    *string
	StartsAt *time.Time
	Duration *time.Duration
	Notes    *string
	Status   *AppointmentStatus
	CallMode *CallMode
}

// Book creates an appointment between the calling coach and one of their
// clients: in the future, 15 to 240 minutes long, and not overlapping the
// coach's other scheduled appointments.
func (s *Service) Book(ctx context.Context, b Booking) (*Appointment, error) {
	a, err := allowed(ctx, ActBook)
	if err != nil {
		return nil, err
	}
	if a.Role == app.RoleCoach {
		b.CoachID = a.UserID
	}
	now := s.Clock.Now()
	appt := &Appointment{
		CoachID: b.CoachID, ClientID: b.ClientID, Title: strings.TrimSpace(b.Title),
		StartsAt: b.StartsAt.UTC().Truncate(time.Second), Duration: b.Duration, Notes: b.Notes,
		Status: ApptScheduled, RoomID: s.NewRoomID(), CallMode: b.CallMode, CreatedAt: now, UpdatedAt: now,
	}
	if appt.Title == "" {
		appt.Title = "Coaching session"
	}
	if err := s.validateAppointment(appt, now); err != nil {
		return nil, err
	}
	err = s.Store.InTx(ctx, func(q Records) error {
		if err := s.checkParties(ctx, q, appt, a); err != nil {
			return err
		}
		if err := noOverlap(ctx, q, appt, now); err != nil {
			return err
		}
		if err := q.CreateAppointment(ctx, appt); err != nil {
			return err
		}
		return s.queueAppointmentEmails(ctx, q, appt, apptMail{kind: MailBooked, actorID: a.UserID})
	})
	if err != nil {
		return nil, fmt.Errorf("book appointment: %w", err)
	}
	s.Hooks.appointmentChanged(appt)
	return s.Store.AppointmentByID(ctx, appt.ID) // with its coach and client
}

// checkParties makes sure the coach is a coach and the client is theirs, and
// locks the coach's row so that concurrent bookings cannot both pass the
// overlap check. The lock comes before the link is checked, so that a
// client who ends their work with the coach (EndCoaching, under the same
// lock) is never booked just after.
func (s *Service) checkParties(ctx context.Context, q Records, appt *Appointment, a *app.Actor) error {
	coach, err := q.UserByID(ctx, appt.CoachID)
	if app.ErrorCode(err) == app.ENOTFOUND || (err == nil && coach.Role != app.RoleCoach) {
		return app.Invalid(map[string]string{"coach_id": "is not a coach"})
	} else if err != nil {
		return err
	}
	if err := q.LockUser(ctx, appt.CoachID); err != nil {
		return err
	}
	ok, err := q.IsCoachOf(ctx, appt.CoachID, appt.ClientID)
	if err != nil {
		return err
	}
	var client *User
	if ok {
		client, err = q.UserByID(ctx, appt.ClientID)
		if err != nil {
			return err
		}
	}
	if !ok || client.Role != app.RoleClient || client.Status == StatusDisabled {
		return app.Invalid(map[string]string{"client_id": "is not one of your clients"})
	}
	return nil
}

// noOverlap refuses an appointment that overlaps another scheduled one of
// the same coach, or a request waiting for the coach's answer (it holds
// its slot until it lapses at its start, unanswered, at now).
func noOverlap(ctx context.Context, q Records, appt *Appointment, now time.Time) error {
	clash, err := q.CoachOverlaps(ctx, appt.CoachID, appt.StartsAt, appt.EndsAt(), appt.ID)
	if err != nil {
		return err
	}
	clash = slices.DeleteFunc(clash, func(c *Appointment) bool { return c.Lapsed(now) })
	if len(clash) > 0 {
		return &OverlapError{Title: clash[0].Title, StartsAt: clash[0].StartsAt}
	}
	return nil
}

// OverlapError refuses a time that overlaps another scheduled appointment
// of the coach. It is an ECONFLICT that names the other appointment, so
// that a page can say when it is in the viewer's own time zone; its
// message (for the API) gives the time in UTC.
type OverlapError struct {
	Title    string
	StartsAt time.Time
}

func (e *OverlapError) Error() string { return e.Unwrap().Error() }

// Unwrap is the app error the API answers with.
func (e *OverlapError) Unwrap() error {
	return &app.Error{Code: app.ECONFLICT,
		Message: fmt.Sprintf("overlaps %q at %s", e.Title, e.StartsAt.UTC().Format(time.RFC3339)),
		Fields:  map[string]string{"starts_at": "overlaps another appointment"}}
}

// validateAppointment checks the fields of an appointment being written.
func (s *Service) validateAppointment(a *Appointment, now time.Time) error {
	fields := map[string]string{}
	if a.ClientID <= 0 {
		fields["client_id"] = "is required"
	}
	checkText(fields, "title", a.Title, SingleLine, 200)
	if msg := checkStart(a.StartsAt, now); msg != "" {
		fields["starts_at"] = msg
	}
	if a.Duration < MinDuration || a.Duration > MaxDuration {
		fields["duration_minutes"] = "must be between 15 and 240 minutes"
	} else if a.Duration%time.Minute != 0 {
		fields["duration_minutes"] = "must be whole minutes"
	}
	checkText(fields, "notes", a.Notes, MultiLine, 10000)
	if !a.CallMode.Valid() {
		fields["call_mode"] = `must be "sfu", "p2p" or "" (the server's default)`
	}
	return app.Invalid(fields)
}

// checkStart returns why start is refused as a new start, or "": it must be
// in the future and at most MaxYearsAhead years ahead.
func checkStart(start, now time.Time) string {
	switch {
	case start.IsZero():
		return "is required"
	case !start.After(now):
		return "must be in the future"
	case start.After(now.AddDate(MaxYearsAhead, 0, 0)):
		return fmt.Sprintf("must be at most %d years ahead", MaxYearsAhead)
	}
	return ""
}

// Appointment returns an appointment the caller may see: their own as coach
// or client, or any for an admin. Others are told it does not exist.
func (s *Service) Appointment(ctx context.Context, id int64) (*Appointment, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	appt, err := s.Store.AppointmentByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !canSee(a, appt) {
		return nil, notFound("appointment")
	}
	return appt, nil
}

// Room returns the appointment of a room the caller may enter. A room is
// private to the appointment's coach and client: anyone else, admins too,
// is told it does not exist.
func (s *Service) Room(ctx context.Context, roomID string) (*Appointment, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	appt, err := s.Store.AppointmentByRoom(ctx, roomID)
	if err != nil {
		return nil, err
	}
	if !CanEnterRoom(a, appt) {
		return nil, notFound("room")
	}
	return appt, nil
}

// CheckEdit returns the refusal an edit of appointment id would meet for
// who the caller is, or nil: not found when they may not see it, forbidden
// when they may see but not change it. Handlers ask it before they read the
// edit, so that a stranger learns nothing from how their input is judged.
func (s *Service) CheckEdit(ctx context.Context, id int64) error {
	appt, err := s.Appointment(ctx, id)
	if err != nil {
		return err
	}
	if !canEdit(app.ActorFrom(ctx), appt) {
		return errOnlyCoach
	}
	return nil
}

var errOnlyCoach = app.Errorf(app.EFORBIDDEN, "only the coach can change this appointment")

// CanEnterRoom reports whether a may enter appt's room: only its coach and
// its client.
func CanEnterRoom(a *app.Actor, appt *Appointment) bool {
	return a != nil && (appt.CoachID == a.UserID || appt.ClientID == a.UserID)
}

// CanEdit reports whether a may change appt: its coach, or an admin.
func CanEdit(a *app.Actor, appt *Appointment) bool { return canEdit(a, appt) }

func canSee(a *app.Actor, appt *Appointment) bool {
	return a.Role == app.RoleAdmin || appt.CoachID == a.UserID || appt.ClientID == a.UserID
}

func canEdit(a *app.Actor, appt *Appointment) bool {
	return a.Role == app.RoleAdmin || (a.Role == app.RoleCoach && appt.CoachID == a.UserID)
}

// ListAppointments lists what the caller may see: a coach their own, a
// client theirs, an admin all. The filter narrows it further.
func (s *Service) ListAppointments(ctx context.Context, f AppointmentFilter) ([]*Appointment, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	switch a.Role {
	case app.RoleCoach:
		f.CoachID = a.UserID
	case app.RoleClient:
		f.ClientID = a.UserID
	}
	f.Page = f.Page.normalize()
	return s.Store.ListAppointments(ctx, f)
}

// UpdateAppointment edits an appointment (its coach or an admin): retitle,
// reschedule, change notes or the call mode, or mark it completed or a
// no-show. A new time
// must be in the future and free. Only scheduled appointments change.
func (s *Service) UpdateAppointment(ctx context.Context, id int64, ch AppointmentChange) (*Appointment, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var appt *Appointment
	err = s.Store.InTx(ctx, func(q Records) error {
		if appt, err = s.editable(ctx, q, a, id); err != nil {
			return err
		}
		was := appt.StartsAt
		moved := applyAppointmentChange(appt, ch)
		if err := s.checkChanged(ctx, q, appt, moved); err != nil || !moved {
			return err
		}
		return s.queueAppointmentEmails(ctx, q, appt, apptMail{kind: MailChanged, actorID: a.UserID, was: was})
	})
	if err != nil {
		return nil, fmt.Errorf("update appointment %d: %w", id, err)
	}
	s.Hooks.appointmentChanged(appt)
	return appt, nil
}

// editable loads an appointment the actor may edit and that is still scheduled.
func (s *Service) editable(ctx context.Context, q Records, a *app.Actor, id int64) (*Appointment, error) {
	appt, err := lockedVisible(ctx, q, a, id)
	switch {
	case err != nil:
		return nil, err
	case !canEdit(a, appt):
		return nil, errOnlyCoach
	case appt.Status != ApptScheduled:
		return nil, app.Errorf(app.ECONFLICT, "this appointment is %s and can no longer change", appt.Status)
	}
	return appt, nil
}

// lockedVisible loads, under its lock, an appointment the actor may see;
// another is not found.
func lockedVisible(ctx context.Context, q Records, a *app.Actor, id int64) (*Appointment, error) {
	if err := q.LockAppointment(ctx, id); err != nil {
		return nil, err
	}
	appt, err := q.AppointmentByID(ctx, id)
	if err == nil && !canSee(a, appt) {
		err = notFound("appointment")
	}
	return appt, err
}

// applyAppointmentChange writes ch onto appt and reports whether its time moved.
func applyAppointmentChange(appt *Appointment, ch AppointmentChange) (moved bool) {
	if ch.Title != nil {
		appt.Title = strings.TrimSpace(*ch.Title)
	}
	if ch.Notes != nil {
		appt.Notes = *ch.Notes
	}
	if ch.StartsAt != nil && !ch.StartsAt.Equal(appt.StartsAt) {
		appt.StartsAt, moved = ch.StartsAt.UTC().Truncate(time.Second), true
	}
	if ch.Duration != nil && *ch.Duration != appt.Duration {
		appt.Duration, moved = *ch.Duration, true
	}
	if ch.Status != nil {
		appt.Status = *ch.Status
	}
	if ch.CallMode != nil {
		appt.CallMode = *ch.CallMode
	}
	return moved
}

// checkChanged validates an edited appointment and writes it.
func (s *Service) checkChanged(ctx context.Context, q Records, appt *Appointment, moved bool) error {
	now := s.Clock.Now()
	fields := map[string]string{}
	if err := s.validateAppointment(appt, now); err != nil {
		fields = app.ErrorFields(err)
	}
	if !moved {
		delete(fields, "starts_at") // an appointment under way may still be retitled or closed
	}
	if appt.Title == "" {
		fields["title"] = "is required"
	}
	switch appt.Status {
	case ApptScheduled:
	case ApptCompleted, ApptNoShow:
		if now.Before(appt.StartsAt) {
			fields["status"] = "can be set once the appointment has started"
		}
	case ApptCancelled:
		fields["status"] = "use cancel to cancel an appointment"
	default:
		fields["status"] = "must be scheduled, completed or no_show"
	}
	if err := app.Invalid(fields); err != nil {
		return err
	}
	if moved {
		if err := q.LockUser(ctx, appt.CoachID); err != nil {
			return err
		}
		if err := noOverlap(ctx, q, appt, now); err != nil {
			return err
		}
	}
	appt.UpdatedAt = now
	return q.UpdateAppointment(ctx, appt)
}

// CancelAppointment cancels a scheduled appointment, or a request, with a
// reason. Its coach, its client and an admin may; anyone else is told it
// does not exist before the reason is looked at. A request the client
// cancels is withdrawn; one the coach (or an admin) cancels is declined.
func (s *Service) CancelAppointment(ctx context.Context, id int64, reason string) (*Appointment, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	var appt *Appointment
	err = s.Store.InTx(ctx, func(q Records) error {
		if appt, err = s.cancellable(ctx, q, a, id); err != nil {
			return err
		}
		if err := checkReason(reason); err != nil {
			return err
		}
		kind := cancelMailKind(a, appt)
		if appt.Status == ApptScheduled { // a request withdrawn is never late
			if appt.CancelledLate, err = s.lateForClient(ctx, q, a, appt); err != nil {
				return err
			}
		}
		appt.Status, appt.CancelReason, appt.UpdatedAt = ApptCancelled, reason, s.Clock.Now()
		if err := q.UpdateAppointment(ctx, appt); err != nil {
			return err
		}
		return s.queueAppointmentEmails(ctx, q, appt, apptMail{kind: kind, actorID: a.UserID})
	})
	if err != nil {
		return nil, fmt.Errorf("cancel appointment %d: %w", id, err)
	}
	s.Hooks.appointmentClosed(appt)
	s.Hooks.appointmentChanged(appt)
	return appt, nil
}

// cancellable loads, under its lock, an appointment the actor may see and
// that is still scheduled or requested.
func (s *Service) cancellable(ctx context.Context, q Records, a *app.Actor, id int64) (*Appointment, error) {
	appt, err := lockedVisible(ctx, q, a, id)
	if err == nil && appt.Status != ApptScheduled && appt.Status != ApptRequested {
		err = app.Errorf(app.ECONFLICT, "this appointment is %s and cannot be cancelled", appt.Status)
	} else if err == nil && appt.Lapsed(s.Clock.Now()) {
		err = errLapsed
	}
	if err != nil {
		return nil, err
	}
	return appt, nil
}

// CallSessions lists the calls held in an appointment the caller may see.
func (s *Service) CallSessions(ctx context.Context, appointmentID int64) ([]*CallSession, error) {
	if _, err := s.Appointment(ctx, appointmentID); err != nil {
		return nil, err
	}
	return s.Store.ListCallSessions(ctx, appointmentID)
}

// RoomForAgent returns the appointment of a room for the holder of its agent
// token (checked by the caller), while the appointment is still scheduled.
func (s *Service) RoomForAgent(ctx context.Context, roomID string) (*Appointment, error) {
	appt, err := s.Store.AppointmentByRoom(ctx, roomID)
	if err != nil {
		return nil, err
	}
	if appt.Status != ApptScheduled {
		return nil, notFound("room")
	}
	return appt, nil
}
