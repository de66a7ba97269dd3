package coaching

import (
	"context"
	"fmt"
	"time"

	"rapport/internal/app"
)

// The call methods are for the live room, which has already checked who is
// joining; they take no actor.

// OpenCall returns the appointment's open call session (a call that was
// going on when the server restarted, or whose people are reconnecting), or
// opens a new one.
func (s *Service) OpenCall(ctx context.Context, appt *Appointment) (*CallSession, error) {
	var cs *CallSession
	err := s.Store.InTx(ctx, func(q Queries) error {
		if err := q.LockAppointment(ctx, appt.ID); err != nil {
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

// EndCall ends a call at at. A call that started marks its scheduled
// appointment completed; one that never started and holds no message leaves
// no trace.
func (s *Service) EndCall(ctx context.Context, cs *CallSession, at time.Time) error {
	err := s.Store.InTx(ctx, func(q Queries) error {
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

func (s *Service) endCall(ctx context.Context, q Queries, cs *CallSession, at time.Time) error {
	kept, err := q.EndCallSession(ctx, cs.ID, at)
	if err != nil || !kept || cs.StartedAt == nil {
		return err
	}
	appt, err := q.AppointmentByID(ctx, cs.AppointmentID)
	if err != nil || appt.Status != ApptScheduled {
		return err
	}
	appt.Status, appt.UpdatedAt = ApptCompleted, at
	return q.UpdateAppointment(ctx, appt)
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
	err := s.Store.InTx(ctx, func(q Queries) error {
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
