package coaching

import (
	"context"
	"fmt"
	"strings"
	"time"

	"rapport/internal/app"
)

// A booking of a session type whose Confirm is ConfirmRequest is a request
// (ApptRequested): it holds its slot, its room stays closed, and the coach
// accepts it (it becomes scheduled, and the invitations go out) or
// declines it (it becomes cancelled, with the coach's reason). A request
// the coach has not answered by its start lapses: nothing sweeps it, but
// Lapsed says so, the slot and overlap checks let its time go, accepting it
// is refused, and the pages no longer offer it as a session.

// Lapsed reports whether a is a request that reached its start, at now,
// without the coach's answer.
func (a *Appointment) Lapsed(now time.Time) bool {
	return a.Status == ApptRequested && !a.StartsAt.After(now)
}

// errLapsed refuses an answer to, or a withdrawal of, a request that
// lapsed: there is nothing left to answer or withdraw.
var errLapsed = app.Errorf(app.ECONFLICT, "this request lapsed at its start without an answer; it can no longer be accepted, declined or withdrawn")

// errOnlyTheCoachAnswers refuses an answer to a request from anyone but
// its coach: the client may see it, and an admin too, but the coach
// decides.
var errOnlyTheCoachAnswers = app.Errorf(app.EFORBIDDEN, "only the coach of this request can accept or decline it")

// AcceptRequest confirms a request of the calling coach: it becomes a
// scheduled appointment at the time asked for, its sequence rises, and its
// people get the accepted email with the calendar invitation. A request
// that is no longer waiting (answered, withdrawn, or lapsed) is ECONFLICT.
func (s *Service) AcceptRequest(ctx context.Context, id int64) (*Appointment, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var appt *Appointment
	err = s.Store.InTx(ctx, func(q Records) error {
		if appt, err = s.answerable(ctx, q, a, id); err != nil {
			return err
		}
		now := s.Clock.Now()
		if err := q.LockUser(ctx, appt.CoachID); err != nil {
			return err
		}
		if err := noOverlap(ctx, q, appt, now); err != nil {
			return err
		}
		appt.Status, appt.UpdatedAt = ApptScheduled, now
		if err := q.UpdateAppointment(ctx, appt); err != nil {
			return err
		}
		return s.queueAppointmentEmails(ctx, q, appt, apptMail{kind: MailAccepted, actorID: a.UserID})
	})
	if err != nil {
		return nil, fmt.Errorf("accept request %d: %w", id, err)
	}
	s.Hooks.appointmentChanged(appt)
	return appt, nil
}

// DeclineRequest turns down a request of the calling coach, with an
// optional reason for the client: the appointment is cancelled (its slot
// is free again) and the client gets the declined email. A declined
// request is a cancelled appointment whose reason is the coach's: to
// everything else (slots, rooms, calendars, lists) the two are the same,
// so no status of its own is kept.
func (s *Service) DeclineRequest(ctx context.Context, id int64, reason string) (*Appointment, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	var appt *Appointment
	err = s.Store.InTx(ctx, func(q Records) error {
		if appt, err = s.answerable(ctx, q, a, id); err != nil {
			return err
		}
		if err := checkReason(reason); err != nil {
			return err
		}
		appt.Status, appt.CancelReason, appt.UpdatedAt = ApptCancelled, reason, s.Clock.Now()
		if err := q.UpdateAppointment(ctx, appt); err != nil {
			return err
		}
		return s.queueAppointmentEmails(ctx, q, appt, apptMail{kind: MailDeclined, actorID: a.UserID})
	})
	if err != nil {
		return nil, fmt.Errorf("decline request %d: %w", id, err)
	}
	s.Hooks.appointmentClosed(appt)
	s.Hooks.appointmentChanged(appt)
	return appt, nil
}

// CheckAnswer returns the refusal an answer to request id would meet for
// who the caller is, or nil: not found when they may not see it,
// forbidden when they may see it but are not its coach. Handlers ask it
// before they read a reason, so that a stranger learns nothing.
func (s *Service) CheckAnswer(ctx context.Context, id int64) error {
	appt, err := s.Appointment(ctx, id)
	if err == nil && !CanAnswer(app.ActorFrom(ctx), appt) {
		err = errOnlyTheCoachAnswers
	}
	return err
}

// CanAnswer reports whether a may accept or decline appt: only its coach.
func CanAnswer(a *app.Actor, appt *Appointment) bool {
	return a != nil && a.Role == app.RoleCoach && a.UserID == appt.CoachID
}

// answerable loads, under its lock, a request the actor may answer and
// that still waits for an answer.
func (s *Service) answerable(ctx context.Context, q Records, a *app.Actor, id int64) (*Appointment, error) {
	appt, err := lockedVisible(ctx, q, a, id)
	switch {
	case err != nil:
		return nil, err
	case !CanAnswer(a, appt):
		return nil, errOnlyTheCoachAnswers
	case appt.Status != ApptRequested:
		return nil, app.Errorf(app.ECONFLICT, "this appointment is %s, not a request waiting for an answer", appt.Status)
	case appt.Lapsed(s.Clock.Now()):
		return nil, errLapsed
	}
	return appt, nil
}

// cancelMailKind is the email a cancellation of appt by a sends: a
// request withdrawn by its client, or declined by anyone else, is not a
// cancelled session.
func cancelMailKind(a *app.Actor, appt *Appointment) string {
	switch {
	case appt.Status != ApptRequested:
		return MailCancelled
	case a.UserID == appt.ClientID:
		return MailWithdrawn
	}
	return MailDeclined
}
