package coaching

import (
	"context"
	"fmt"
	"slices"
	"time"

	"rapport/internal/app"
)

// Slots are the free slots of one of a coach's session types.
type Slots struct {
	TimeZone string       `json:"time_zone"` // the coach's
	Type     *SessionType `json:"session_type"`
	Starts   []time.Time  `json:"slots"`
}

// errSlotTaken answers a booking of a time that is not (or no longer) free.
var errSlotTaken = &app.Error{Code: app.ECONFLICT, Message: "that time is not free (any more); choose another",
	Fields: map[string]string{"starts_at": "is not a free slot"}}

// MyAvailability returns the calling coach's availability: the default
// (weekdays 9 to 17 in zone) until they set their own.
func (s *Service) MyAvailability(ctx context.Context, zone string) (*Availability, error) {
	a, err := requireRole(ctx, app.RoleCoach)
	if err != nil {
		return nil, err
	}
	return s.availabilityOf(ctx, s.Store, a.UserID, zone)
}

func (s *Service) availabilityOf(ctx context.Context, q Records, coachID int64, zone string) (*Availability, error) {
	av, err := q.Availability(ctx, coachID)
	if app.ErrorCode(err) == app.ENOTFOUND {
		def := DefaultAvailability(zone)
		return &def, nil
	}
	return av, err
}

// SetAvailability replaces the calling coach's availability.
func (s *Service) SetAvailability(ctx context.Context, av *Availability) error {
	a, err := requireRole(ctx, app.RoleCoach)
	if err != nil {
		return err
	}
	if err := av.Validate(); err != nil {
		return err
	}
	return s.Store.PutAvailability(ctx, a.UserID, av, s.Clock.Now())
}

// FreeSlotsOf returns the free slots of one of a coach's session types,
// for the coach or one of their clients.
func (s *Service) FreeSlotsOf(ctx context.Context, coachID, typeID int64) (*Slots, error) {
	if err := s.mayBookWith(ctx, coachID); err != nil {
		return nil, err
	}
	st, err := s.sessionTypeOf(ctx, s.Store, coachID, typeID)
	if err != nil {
		return nil, err
	}
	starts, av, err := s.freeSlots(ctx, s.Store, coachID, st)
	if err != nil {
		return nil, err
	}
	return &Slots{TimeZone: av.TimeZone, Type: st, Starts: starts}, nil
}

// freeSlots computes a coach's free slots of a session type now.
func (s *Service) freeSlots(ctx context.Context, q Records, coachID int64, st *SessionType) ([]time.Time, *Availability, error) {
	av, err := s.availabilityOf(ctx, q, coachID, "UTC")
	if err != nil {
		return nil, nil, err
	}
	now := s.Clock.Now()
	busy, err := coachBusy(ctx, q, coachID, now, av)
	if err != nil {
		return nil, nil, err
	}
	starts, err := av.FreeSlots(SlotRequest{Duration: st.Duration, Now: now}, busy)
	return starts, av, err
}

// coachBusy returns the times the coach is taken from now to past the
// horizon: scheduled appointments, and requests that have not lapsed (a
// request unanswered by its start holds nothing).
func coachBusy(ctx context.Context, q Records, coachID int64, now time.Time, av *Availability) ([]Busy, error) {
	busy, err := q.CoachBusy(ctx, coachID, now.Add(-MaxDuration), now.AddDate(0, 0, av.Horizon+2))
	return slices.DeleteFunc(busy, func(b Busy) bool { return b.Requested && !b.Start.After(now) }), err
}

func (s *Service) sessionTypeOf(ctx context.Context, q Records, coachID, typeID int64) (*SessionType, error) {
	st, err := q.SessionType(ctx, typeID)
	if app.ErrorCode(err) == app.ENOTFOUND || (err == nil && st.CoachID != coachID) {
		return nil, notFound("session type")
	}
	return st, err
}

// BookSlot books the calling client a session of one of their coach's
// session types at one of its free slots: confirmed at once, or, when the
// type asks the coach to confirm, a request (ApptRequested) that holds the
// slot until the coach answers. The slot is checked again in
// the transaction that writes, under the lock on the coach's row (SQLite's
// single writer serializes it): of two people who take the same slot at
// once, exactly one gets it, and the other ECONFLICT.
func (s *Service) BookSlot(ctx context.Context, coachID, typeID int64, start time.Time) (*Appointment, error) {
	a, err := requireRole(ctx, app.RoleClient)
	if err != nil {
		return nil, err
	}
	if err := s.mayBookWith(ctx, coachID); err != nil {
		return nil, err
	}
	var appt *Appointment
	err = s.Store.InTx(ctx, func(q Records) error {
		appt, err = s.bookSlotTx(ctx, q, a, coachID, typeID, start)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("book a slot: %w", err)
	}
	s.Hooks.appointmentChanged(appt)
	return s.Store.AppointmentByID(ctx, appt.ID)
}

func (s *Service) bookSlotTx(ctx context.Context, q Records, a *app.Actor, coachID, typeID int64, start time.Time) (*Appointment, error) {
	if err := q.LockUser(ctx, coachID); err != nil {
		return nil, err
	}
	st, err := s.sessionTypeOf(ctx, q, coachID, typeID)
	if err != nil {
		return nil, err
	}
	starts, _, err := s.freeSlots(ctx, q, coachID, st)
	if err != nil {
		return nil, err
	}
	if _, ok := slices.BinarySearchFunc(starts, start, func(e, t time.Time) int { return e.Compare(t) }); !ok {
		return nil, errSlotTaken
	}
	now := s.Clock.Now()
	appt := &Appointment{CoachID: coachID, ClientID: a.UserID, Title: st.Name, StartsAt: start.UTC(), Duration: st.Duration,
		Status: ApptScheduled, RoomID: s.NewRoomID(), CallMode: st.CallMode, CreatedAt: now, UpdatedAt: now}
	kind := MailBooked
	if st.Confirm == ConfirmRequest {
		appt.Status, kind = ApptRequested, MailRequested
	}
	if err := s.validateAppointment(appt, now); err != nil {
		return nil, err
	}
	if err := noOverlap(ctx, q, appt, now); err != nil {
		return nil, errSlotTaken
	}
	if err := q.CreateAppointment(ctx, appt); err != nil {
		return nil, err
	}
	todos, err := s.booked(ctx, q, appt, st)
	if err != nil {
		return nil, err
	}
	return appt, s.queueAppointmentEmails(ctx, q, appt, apptMail{kind: kind, actorID: a.UserID, todos: todos})
}
