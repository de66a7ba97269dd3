package coaching

import (
	"context"
	"fmt"
	"time"

	"rapport/internal/app"
)

// The call methods are for the live room, which has already checked who is
// joining; they take no actor.

// An appointment's room opens RoomOpensBefore its start and takes people
// until RoomLateEntry after its scheduled end: someone late, or a call that
// dropped, gets back in for the whole slot and the hour after it. The
// appointment completes when that window is over and nobody is in the
// room, or earlier when the coach ends the session.
const (
	RoomOpensBefore = 15 * time.Minute
	RoomLateEntry   = time.Hour
)

// RoomOpensAt is when the appointment's room starts taking people.
func (a *Appointment) RoomOpensAt() time.Time { return a.StartsAt.Add(-RoomOpensBefore) }

// RoomClosesAt is when the appointment's room stops taking people (a call
// under way goes on) and, once nobody is in it, the appointment completes.
func (a *Appointment) RoomClosesAt() time.Time { return a.EndsAt().Add(RoomLateEntry) }

// RoomOpenAt reports whether the appointment's room takes people at now:
// it is scheduled and now is within the room's window.
func (a *Appointment) RoomOpenAt(now time.Time) bool {
	return a.Status == ApptScheduled && !now.Before(a.RoomOpensAt()) && now.Before(a.RoomClosesAt())
}

// CallTime is the time spent in an appointment's calls: the sum of its
// ended call sessions (one still open counts once it ends).
func CallTime(sessions []*CallSession) time.Duration {
	var sum time.Duration
	for _, cs := range sessions {
		if cs.EndedAt != nil {
			sum += cs.Duration
		}
	}
	return sum
}

// OpenCall returns the appointment's open call session (a call that was
// going on when the server restarted, or whose people are reconnecting), or
// opens a new one. An appointment that is no longer scheduled (the coach
// ended the session, say) opens no call.
func (s *Service) OpenCall(ctx context.Context, appt *Appointment) (*CallSession, error) {
	var cs *CallSession
	err := s.Store.InTx(ctx, func(q Records) error {
		if err := lockScheduled(ctx, q, appt.ID); err != nil {
			return err
		}
		var err error
		now := s.Clock.Now()
		if cs, err = q.OpenCallSession(ctx, appt.ID, now); err != nil {
			return err
		}
		cs.LastActiveAt = now // taken up: no sweep may end it now
		return q.TouchCallSession(ctx, cs.ID, now)
	})
	if err != nil {
		return nil, fmt.Errorf("open call of appointment %d: %w", appt.ID, err)
	}
	return cs, nil
}

// lockScheduled holds the appointment's row and refuses one that is no
// longer scheduled: its room is closed.
func lockScheduled(ctx context.Context, q Records, id int64) error {
	if err := q.LockAppointment(ctx, id); err != nil {
		return err
	}
	appt, err := q.AppointmentByID(ctx, id)
	if err != nil {
		return err
	}
	if appt.Status != ApptScheduled {
		return app.Errorf(app.EFORBIDDEN, "this appointment is %s; its room is closed", appt.Status)
	}
	return nil
}

// StartCall starts the call's timer, once: the second person has arrived.
func (s *Service) StartCall(ctx context.Context, cs *CallSession) error {
	if cs.StartedAt != nil {
		return nil
	}
	now := s.Clock.Now()
	if err := s.Store.StartCallSession(ctx, cs.ID, now); err != nil {
		return fmt.Errorf("start call %d: %w", cs.ID, err)
	}
	fresh, err := s.Store.CallSessionByID(ctx, cs.ID)
	if err != nil {
		return err
	}
	cs.StartedAt = fresh.StartedAt
	return nil
}

// TouchCall records that the room was in use at at (when it empties, say),
// so that a later sweep knows how long it has been idle.
func (s *Service) TouchCall(ctx context.Context, cs *CallSession, at time.Time) error {
	return s.Store.TouchCallSession(ctx, cs.ID, at)
}

// EndCall ends a call at at, keeping its duration; one that never started
// and holds no message leaves no trace. The appointment stays scheduled, so
// that its people can come back, until its room closes: a call that ends
// after that completes it.
func (s *Service) EndCall(ctx context.Context, cs *CallSession, at time.Time) error {
	err := s.Store.InTx(ctx, func(q Records) error {
		if err := q.LockAppointment(ctx, cs.AppointmentID); err != nil {
			return err
		}
		return s.endCall(ctx, q, cs, at)
	})
	if err != nil {
		return fmt.Errorf("end call %d: %w", cs.ID, err)
	}
	cs.EndedAt = &at
	return nil
}

func (s *Service) endCall(ctx context.Context, q Records, cs *CallSession, at time.Time) error {
	if _, err := q.EndCallSession(ctx, cs.ID, at); err != nil {
		return err
	}
	_, err := s.completeIfOver(ctx, q, cs.AppointmentID)
	return err
}

// EndAppointment is the coach's End session: the call ends at at and the
// appointment completes at once, however much of its slot is left. The
// room has checked that the coach asked. An appointment no longer
// scheduled (cancelled meanwhile, say) keeps its status.
func (s *Service) EndAppointment(ctx context.Context, cs *CallSession, at time.Time) error {
	err := s.Store.InTx(ctx, func(q Records) error {
		if err := q.LockAppointment(ctx, cs.AppointmentID); err != nil {
			return err
		}
		if _, err := q.EndCallSession(ctx, cs.ID, at); err != nil {
			return err
		}
		appt, err := q.AppointmentByID(ctx, cs.AppointmentID)
		if err != nil || appt.Status != ApptScheduled {
			return err
		}
		return s.complete(ctx, q, appt)
	})
	if err != nil {
		return fmt.Errorf("end appointment %d: %w", cs.AppointmentID, err)
	}
	cs.EndedAt = &at
	return nil
}

// completeIfOver completes a scheduled appointment whose room has closed
// with nobody in it (no call open), once its people met (a call started).
// It runs under the appointment's lock and reports whether it completed.
func (s *Service) completeIfOver(ctx context.Context, q Records, id int64) (bool, error) {
	appt, err := q.AppointmentByID(ctx, id)
	if err != nil || appt.Status != ApptScheduled || s.Clock.Now().Before(appt.RoomClosesAt()) {
		return false, err
	}
	calls, err := q.ListCallSessions(ctx, id)
	if err != nil {
		return false, err
	}
	met := false
	for _, cs := range calls {
		if cs.EndedAt == nil {
			return false, nil // someone is in the room: the call goes on
		}
		met = met || cs.StartedAt != nil
	}
	if !met {
		return false, nil
	}
	return true, s.complete(ctx, q, appt)
}

func (s *Service) complete(ctx context.Context, q Records, appt *Appointment) error {
	appt.Status, appt.UpdatedAt = ApptCompleted, s.Clock.Now()
	return q.UpdateAppointment(ctx, appt)
}

// CompleteFinished completes the appointments whose room has closed with
// nobody in it, after a call that started; those whose room live reports
// as still going on here are left to it. It returns how many it completed.
func (s *Service) CompleteFinished(ctx context.Context, live func(appointmentID int64) bool) (int, error) {
	ids, err := s.Store.AppointmentsOver(ctx, s.Clock.Now().Add(-RoomLateEntry))
	if err != nil {
		return 0, fmt.Errorf("list finished appointments: %w", err)
	}
	n := 0
	for _, id := range ids {
		if live != nil && live(id) {
			continue
		}
		done := false
		err := s.Store.InTx(ctx, func(q Records) error {
			if err := q.LockAppointment(ctx, id); err != nil {
				return err
			}
			done, err = s.completeIfOver(ctx, q, id)
			return err
		})
		if err != nil {
			return n, fmt.Errorf("complete appointment %d: %w", id, err)
		}
		if done {
			n++
		}
	}
	return n, nil
}

// EndStaleCalls ends the open calls nobody has been in since before, but
// for those live reports as still going on. It returns how many it ended.
func (s *Service) EndStaleCalls(ctx context.Context, before time.Time, live func(appointmentID int64) bool) (int, error) {
	stale, err := s.Store.StaleCallSessions(ctx, before)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, cs := range stale {
		if live != nil && live(cs.AppointmentID) {
			continue
		}
		ended, err := s.endIfStale(ctx, cs, before)
		if err != nil {
			return n, err
		}
		if ended {
			n++
		}
	}
	return n, nil
}

// endIfStale ends a call that is still open and idle since before, checked
// again under a lock: a room may have taken it up meanwhile (OpenCall marks
// it active).
func (s *Service) endIfStale(ctx context.Context, cs *CallSession, before time.Time) (bool, error) {
	ended := false
	err := s.Store.InTx(ctx, func(q Records) error {
		if err := q.LockAppointment(ctx, cs.AppointmentID); err != nil {
			return err
		}
		now, err := q.CallSessionByID(ctx, cs.ID)
		if err != nil || now.EndedAt != nil || !now.LastActiveAt.Before(before) {
			return err
		}
		ended = true
		return s.endCall(ctx, q, now, now.LastActiveAt)
	})
	return ended, err
}

// CallSession returns a call session of an appointment the caller may see.
func (s *Service) CallSession(ctx context.Context, id int64) (*CallSession, error) {
	if _, err := actor(ctx); err != nil {
		return nil, err
	}
	cs, err := s.Store.CallSessionByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.Appointment(ctx, cs.AppointmentID); err != nil {
		if app.ErrorCode(err) == app.ENOTFOUND {
			return nil, notFound("call session")
		}
		return nil, err
	}
	return cs, nil
}
