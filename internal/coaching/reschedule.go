package coaching

import (
	"context"
	"fmt"
	"slices"
	"time"

	"rapport/internal/app"
)

// errTooLateToChange refuses a client's change inside the coach's notice.
func errTooLateToChange(av *Availability) error {
	return app.Errorf(app.EFORBIDDEN, "it is too late to move this session yourself (less than %s before it): ask your coach",
		noticeWords(av.ChangeNotice))
}

// noticeWords says a notice in minutes as people do: "24 hours".
func noticeWords(minutes int) string {
	if minutes%60 == 0 {
		return fmt.Sprintf("%d hours", minutes/60)
	}
	return fmt.Sprintf("%d minutes", minutes)
}

// MoveSlots returns the free slots the calling client could move one of
// their appointments to: of its length, as if it were not there.
func (s *Service) MoveSlots(ctx context.Context, apptID int64) (*Slots, error) {
	appt, av, err := s.movable(ctx, s.Store, apptID)
	if err != nil {
		return nil, err
	}
	starts, err := s.slotsWithout(ctx, s.Store, appt, av)
	if err != nil {
		return nil, err
	}
	return &Slots{TimeZone: av.TimeZone, Type: &SessionType{Name: appt.Title, Duration: appt.Duration,
		Minutes: int(appt.Duration / time.Minute), CoachID: appt.CoachID}, Starts: starts}, nil
}

// MoveAppointment moves the calling client's appointment to a free slot of
// their coach, within the coach's notice for changes. It stays the same
// appointment, with the same room: only its time changes. The slot is
// checked again under the coach's row lock, as a booking is.
func (s *Service) MoveAppointment(ctx context.Context, apptID int64, start time.Time) (*Appointment, error) {
	var appt *Appointment
	err := s.Store.InTx(ctx, func(q Records) error {
		var av *Availability
		var err error
		if appt, av, err = s.movable(ctx, q, apptID); err != nil {
			return err
		}
		if err := q.LockUser(ctx, appt.CoachID); err != nil {
			return err
		}
		starts, err := s.slotsWithout(ctx, q, appt, av)
		if err != nil {
			return err
		}
		if _, ok := slices.BinarySearchFunc(starts, start, func(e, t time.Time) int { return e.Compare(t) }); !ok {
			return errSlotTaken
		}
		was := appt.StartsAt
		appt.StartsAt, appt.UpdatedAt = start.UTC(), s.Clock.Now()
		if err := q.UpdateAppointment(ctx, appt); err != nil {
			return err
		}
		return s.queueAppointmentEmails(ctx, q, appt, apptMail{kind: MailChanged, actorID: appt.ClientID, was: was})
	})
	if err != nil {
		return nil, fmt.Errorf("move appointment %d: %w", apptID, err)
	}
	s.Hooks.appointmentChanged(appt)
	return s.Store.AppointmentByID(ctx, appt.ID)
}

// movable returns one of the calling client's scheduled appointments that
// has not started and is outside the coach's notice for changes, with the
// coach's availability.
func (s *Service) movable(ctx context.Context, q Records, apptID int64) (*Appointment, *Availability, error) {
	a, err := requireRole(ctx, app.RoleClient)
	if err != nil {
		return nil, nil, err
	}
	appt, err := q.AppointmentByID(ctx, apptID)
	if app.ErrorCode(err) == app.ENOTFOUND || (err == nil && appt.ClientID != a.UserID) {
		return nil, nil, notFound("appointment")
	} else if err != nil {
		return nil, nil, err
	}
	if appt.Status != ApptScheduled {
		return nil, nil, app.Errorf(app.EFORBIDDEN, "this appointment is %s; it cannot be moved", appt.Status)
	}
	av, err := s.availabilityOf(ctx, q, appt.CoachID, "UTC")
	if err != nil {
		return nil, nil, err
	}
	if s.Clock.Now().Add(time.Duration(av.ChangeNotice) * time.Minute).After(appt.StartsAt) {
		return nil, nil, errTooLateToChange(av)
	}
	return appt, av, nil
}

// lateForClient reports whether a is appt's client acting inside the
// coach's notice for changes: a cancellation then is marked late for the
// coach to see. The coach and an admin are never late.
func (s *Service) lateForClient(ctx context.Context, q Records, a *app.Actor, appt *Appointment) (bool, error) {
	if a.UserID != appt.ClientID {
		return false, nil
	}
	av, err := s.availabilityOf(ctx, q, appt.CoachID, "UTC")
	if err != nil {
		return false, err
	}
	return s.Clock.Now().Add(time.Duration(av.ChangeNotice) * time.Minute).After(appt.StartsAt), nil
}

// slotsWithout computes the coach's free slots of appt's length now, as if
// appt were not booked.
func (s *Service) slotsWithout(ctx context.Context, q Records, appt *Appointment, av *Availability) ([]time.Time, error) {
	now := s.Clock.Now()
	busy, err := coachBusy(ctx, q, appt.CoachID, now, av)
	if err != nil {
		return nil, err
	}
	busy = slices.DeleteFunc(busy, func(b Busy) bool { return b.Start.Equal(appt.StartsAt) && b.End.Equal(appt.EndsAt()) })
	return av.FreeSlots(SlotRequest{Duration: appt.Duration, Now: now}, busy)
}
