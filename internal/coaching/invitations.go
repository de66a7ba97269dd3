package coaching

import (
	"context"
	"fmt"
	"strings"
	"time"

	"rapport/internal/app"
)

// Invitation is a coach's request to work with whoever has an email. It
// gives the coach nothing of that person until they accept it.
type Invitation struct {
	CoachID   int64     `json:"coach_id"`
	Email     string    `json:"email"` // as the coach typed it, the domain lower-cased
	Name      string    `json:"name"`  // as the coach typed it, maybe empty
	CreatedAt time.Time `json:"created_at"`
	// Coach is filled in the invited person's list.
	Coach *User `json:"coach,omitempty"`
}

var (
	errOnlyClientAccepts = app.Errorf(app.EFORBIDDEN, "only a client can accept an invitation to work with a coach")
	errOnlyClientEnds    = app.Errorf(app.EFORBIDDEN, "only a client can end their work with a coach")
	errOnlyClientHas     = app.Errorf(app.EFORBIDDEN, "only clients receive invitations, and coaches send them")
)

// tellInvited passes a new invitation, with its coach, to the Invited hook.
func (s *Service) tellInvited(ctx context.Context, invitee *User, inv *Invitation) {
	coach, err := s.Store.UserByID(ctx, inv.CoachID)
	if err != nil {
		return // only a notice is lost: the invitation is stored
	}
	withCoach := *inv
	withCoach.Coach = coach
	s.Hooks.invited(invitee.ID, &withCoach)
}

// SentInvitations lists the calling coach's invitations still pending.
func (s *Service) SentInvitations(ctx context.Context, p Page) ([]*Invitation, error) {
	a, err := allowed(ctx, ActInvite)
	if err != nil {
		return nil, err
	}
	return s.Store.InvitationsSent(ctx, a.UserID, p.normalize())
}

// ReceivedInvitations lists the invitations of the calling client's email
// from coaches they may still accept.
func (s *Service) ReceivedInvitations(ctx context.Context, p Page) ([]*Invitation, error) {
	me, err := s.invitee(ctx, errOnlyClientHas)
	if err != nil {
		return nil, err
	}
	list, err := s.Store.InvitationsFor(ctx, me.Email, p.normalize())
	if err != nil {
		return nil, err
	}
	out := list[:0]
	for _, inv := range list {
		if acceptable(inv.Coach) {
			out = append(out, inv)
		}
	}
	return out, nil
}

// acceptable reports whether an invitation of coach may be accepted: its
// coach still coaches.
func acceptable(coach *User) bool {
	return coach.Role == app.RoleCoach && coach.Status != StatusDisabled
}

// invitee returns the caller when they are a client, who may answer
// invitations and end their work with a coach, or refusal when they are
// not one.
func (s *Service) invitee(ctx context.Context, refusal error) (*User, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if a.Role != app.RoleClient {
		return nil, refusal
	}
	me, err := s.Store.UserByID(ctx, a.UserID)
	if err != nil {
		return nil, err
	}
	if me.Status == StatusDisabled {
		return nil, refusal
	}
	return me, nil
}

// AcceptInvitation makes the calling client a client of the coach who
// invited their email: from then on the coach sees their profile and may
// book with them. It returns the coach.
func (s *Service) AcceptInvitation(ctx context.Context, coachID int64) (*User, error) {
	me, err := s.invitee(ctx, errOnlyClientAccepts)
	if err != nil {
		return nil, err
	}
	var coach *User
	err = s.Store.InTx(ctx, func(q Records) error {
		if err := q.DeleteInvitation(ctx, coachID, me.Email); err != nil {
			return err
		}
		coach, err = q.UserByID(ctx, coachID)
		if err == nil && !acceptable(coach) {
			err = notFound("invitation")
		}
		if err != nil {
			return err
		}
		return q.LinkCoachClient(ctx, coachID, me.ID, s.Clock.Now())
	})
	if err != nil {
		return nil, fmt.Errorf("accept the invitation of coach %d: %w", coachID, err)
	}
	return coach, nil
}

// DeclineInvitation deletes the invitation of the caller's email by a coach.
// The coach may invite again.
func (s *Service) DeclineInvitation(ctx context.Context, coachID int64) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	me, err := s.Store.UserByID(ctx, a.UserID)
	if err == nil {
		err = s.Store.DeleteInvitation(ctx, coachID, me.Email)
	}
	if err != nil {
		return fmt.Errorf("decline the invitation of coach %d: %w", coachID, err)
	}
	return nil
}

// EndCoaching ends the calling client's work with a coach: the link goes,
// and with it the coach's sight of their profile and the coach's
// appointments with them that have not started yet, cancelled with the
// reason (shown to the coach on each). It returns those appointments.
func (s *Service) EndCoaching(ctx context.Context, coachID int64, reason string) ([]*Appointment, error) {
	me, err := s.invitee(ctx, errOnlyClientEnds)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	var cancelled []*Appointment
	err = s.Store.InTx(ctx, func(q Records) error {
		if err := s.unlink(ctx, q, coachID, me.ID, reason); err != nil {
			return err
		}
		cancelled, err = s.cancelFuture(ctx, q, coachID, me.ID, endReason(me, reason))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("end the work with coach %d: %w", coachID, err)
	}
	for _, appt := range cancelled {
		s.Hooks.appointmentClosed(appt)
	}
	return cancelled, nil
}

// unlink deletes the link of coach and client under the coach's lock,
// which a booking takes before it checks the link: no booking slips in
// between. A coach who is not the client's is not found, whatever the
// reason says.
func (s *Service) unlink(ctx context.Context, q Records, coachID, clientID int64, reason string) error {
	if err := q.LockUser(ctx, coachID); err != nil && app.ErrorCode(err) != app.ENOTFOUND {
		return err
	}
	ok, err := q.IsCoachOf(ctx, coachID, clientID)
	if err != nil {
		return err
	}
	if !ok {
		return notFound("coach")
	}
	if err := checkReason(reason); err != nil {
		return err
	}
	return q.UnlinkCoachClient(ctx, coachID, clientID)
}

// cancelFuture cancels, with reason, the coach's scheduled appointments
// and requests with the client that start from now on, and queues their
// emails: the cancellations, and the requests as withdrawn by the client
// (no invitation to take back).
func (s *Service) cancelFuture(ctx context.Context, q Records, coachID, clientID int64, reason string) ([]*Appointment, error) {
	done, err := s.cancelFutureOf(ctx, q, coachID, clientID, ApptScheduled, reason)
	if err == nil {
		err = s.queueCancellations(ctx, q, clientID, done, reason)
	}
	var asked []*Appointment
	if err == nil {
		asked, err = s.cancelFutureOf(ctx, q, coachID, clientID, ApptRequested, reason)
	}
	for _, appt := range asked {
		if err == nil {
			err = s.queueAppointmentEmails(ctx, q, appt, apptMail{kind: MailWithdrawn, actorID: clientID})
		}
	}
	if err != nil {
		return nil, err
	}
	return append(done, asked...), nil
}

// cancelFutureOf cancels the coach's appointments of a status with the
// client that start from now on.
func (s *Service) cancelFutureOf(ctx context.Context, q Records, coachID, clientID int64, st AppointmentStatus, reason string) ([]*Appointment, error) {
	now := s.Clock.Now()
	f := AppointmentFilter{CoachID: coachID, ClientID: clientID, Status: st, From: now, Page: Page{Limit: 200}}
	var out []*Appointment
	for {
		list, err := q.ListAppointments(ctx, f) // a cancelled one leaves the list: always the first page
		if err != nil || len(list) == 0 {
			return out, err
		}
		for _, found := range list {
			appt, err := cancelLocked(ctx, q, found.ID, reason, now)
			if err != nil {
				return nil, err
			}
			if appt != nil {
				out = append(out, appt)
			}
		}
	}
}

// cancelLocked cancels appointment id, read again under its lock, when it
// is still scheduled or requested; it returns nil when it is not.
func cancelLocked(ctx context.Context, q Records, id int64, reason string, now time.Time) (*Appointment, error) {
	if err := q.LockAppointment(ctx, id); err != nil {
		return nil, err
	}
	appt, err := q.AppointmentByID(ctx, id)
	if err != nil || (appt.Status != ApptScheduled && appt.Status != ApptRequested) {
		return nil, err
	}
	appt.Status, appt.CancelReason, appt.UpdatedAt = ApptCancelled, reason, now
	return appt, q.UpdateAppointment(ctx, appt)
}

// endReason is the cancel reason the coach reads on each appointment that
// ending the work cancelled.
func endReason(client *User, reason string) string {
	msg := client.DisplayName() + " ended your work together"
	if reason != "" {
		msg += ": " + reason
	}
	return msg
}

// Coach returns one of the calling client's coaches; any other is not
// found. It is asked before ending the work with them, so that a stranger
// learns nothing from how a reason is judged.
func (s *Service) Coach(ctx context.Context, id int64) (*User, error) {
	me, err := s.invitee(ctx, errOnlyClientEnds)
	if err != nil {
		return nil, err
	}
	ok, err := s.Store.IsCoachOf(ctx, id, me.ID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound("coach")
	}
	return s.Store.UserByID(ctx, id)
}
