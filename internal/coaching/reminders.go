package coaching

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Reminders go to both people of a scheduled appointment a while before it
// starts: by default a day and an hour before, or at the offsets the coach
// set on their availability (Availability.ReminderMinutes).
//
// A reminder is due from its time (the start less its offset) until the
// session starts, so that one whose time passed while no server ran still
// goes, late, but never once the session has begun. A reminder whose time
// was before the appointment's last change (booked or moved inside the
// offset) does not go: the booking or change email just said it. When
// several are due at once (after a pause) only the nearest goes, and the
// others count as handled.
//
// Each reminder is handled once per appointment, sequence and offset (a
// row in the store, written in the transaction that queues its emails), so
// nothing is sent twice, across restarts too; a moved appointment has a
// new sequence, and so fresh reminders for its new time.

// MailReminder is the kind of the reminder emails, the first part of
// their dedupe keys.
const MailReminder = "appointment-reminder"

// The limits of a coach's reminders.
const (
	MaxReminders      = 3
	MaxReminderMinute = 7 * 24 * 60 // a week
	// MaxReminderOffset is the furthest ahead any reminder can be: the
	// window of the reminder loop's query.
	MaxReminderOffset = MaxReminderMinute * time.Minute
)

// DefaultReminderMinutes are the reminders of a coach who set none: a day
// and an hour before.
var DefaultReminderMinutes = []int{24 * 60, 60}

// ReminderOffsets are the offsets before a session at which its reminders
// go, the largest first: the availability's, the defaults when it sets
// none (or av is nil), none when it is an empty list.
func (av *Availability) ReminderOffsets() []time.Duration {
	minutes := DefaultReminderMinutes
	if av != nil && av.ReminderMinutes != nil {
		minutes = av.ReminderMinutes
	}
	out := make([]time.Duration, len(minutes))
	for i, m := range minutes {
		out[i] = time.Duration(m) * time.Minute
	}
	slices.SortFunc(out, func(a, b time.Duration) int { return int(b - a) })
	return out
}

// checkReminders names what is wrong with a list of reminder offsets.
func checkReminders(fields map[string]string, minutes []int) {
	if len(minutes) > MaxReminders {
		fields["reminder_minutes"] = fmt.Sprintf("must be at most %d reminders", MaxReminders)
		return
	}
	for i, m := range minutes {
		switch {
		case m <= 0 || m > MaxReminderMinute:
			fields["reminder_minutes"] = fmt.Sprintf("must each be from 1 minute to %d minutes (7 days) before", MaxReminderMinute)
			return
		case slices.Contains(minutes[:i], m):
			fields["reminder_minutes"] = "must not give the same time twice"
			return
		}
	}
}

// DueReminders returns the offsets of appt's reminders that are due at now,
// the nearest (smallest) first: the appointment is scheduled and has not
// started, and each offset's time (the start less it) has come and was not
// before the appointment's last change (UpdatedAt). offsets are the
// coach's (ReminderOffsets).
func DueReminders(appt *Appointment, offsets []time.Duration, now time.Time) []time.Duration {
	if appt.Status != ApptScheduled || !now.Before(appt.StartsAt) {
		return nil
	}
	var due []time.Duration
	for _, o := range offsets {
		at := appt.StartsAt.Add(-o)
		if !at.After(now) && !at.Before(appt.UpdatedAt) {
			due = append(due, o)
		}
	}
	slices.Sort(due)
	return due
}

// UpcomingAppointment is a scheduled appointment as the reminder loop
// reads it: with its coach's availability (nil: none set) and the offsets,
// in minutes, of its reminders handled at its current sequence.
type UpcomingAppointment struct {
	Appointment  *Appointment
	Availability *Availability
	Handled      []int
}

// ReminderStore is what the reminder loop reads and writes.
type ReminderStore interface {
	// UpcomingAppointments lists, by start, the scheduled appointments
	// (with their coach and client) that start after from and at or before
	// to: one index range.
	UpcomingAppointments(ctx context.Context, from, to time.Time) ([]*UpcomingAppointment, error)
	// MarkReminder records that an appointment's reminder of an offset was
	// handled at its sequence, and reports whether it was not already.
	MarkReminder(ctx context.Context, apptID int64, sequence, offsetMinutes int, at time.Time) (bool, error)
}

// SendDueReminders queues the reminders due at the service's clock's now
// and reports how many emails it queued: the reminder loop's work
// (ReminderLoop), and the tests' run-now. One appointment's failure does
// not keep the others' reminders back; the errors are returned together.
func (s *Service) SendDueReminders(ctx context.Context) (int, error) {
	now := s.Clock.Now()
	list, err := s.Store.UpcomingAppointments(ctx, now, now.Add(MaxReminderOffset))
	if err != nil {
		return 0, fmt.Errorf("list upcoming appointments: %w", err)
	}
	queued, errs := 0, []error(nil)
	for _, up := range list {
		due := DueReminders(up.Appointment, up.Availability.ReminderOffsets(), now)
		if len(due) == 0 || allHandled(due, up.Handled) {
			continue
		}
		n, err := s.remind(ctx, up, due, now)
		queued += n
		if err != nil {
			errs = append(errs, fmt.Errorf("remind of appointment %d: %w", up.Appointment.ID, err))
		}
	}
	return queued, errors.Join(errs...)
}

// allHandled reports whether every due offset was handled already.
func allHandled(due []time.Duration, handled []int) bool {
	for _, o := range due {
		if !slices.Contains(handled, int(o/time.Minute)) {
			return false
		}
	}
	return true
}

// remind handles an appointment's due reminders in one transaction, under
// the appointment's lock and as it stands then (cancelled or moved since
// the list was read: nothing now). It marks each due offset handled and
// queues the nearest one's emails if that one was not handled yet.
func (s *Service) remind(ctx context.Context, up *UpcomingAppointment, due []time.Duration, now time.Time) (int, error) {
	queued := 0
	err := s.Store.InTx(ctx, func(q Records) error {
		queued = 0
		if err := q.LockAppointment(ctx, up.Appointment.ID); err != nil {
			return err
		}
		appt, err := q.AppointmentByID(ctx, up.Appointment.ID)
		if err != nil || appt.Sequence != up.Appointment.Sequence || appt.Status != ApptScheduled {
			return err
		}
		nearest := false
		for i, o := range due {
			fresh, err := q.MarkReminder(ctx, appt.ID, appt.Sequence, int(o/time.Minute), now)
			if err != nil {
				return err
			}
			nearest = nearest || (i == 0 && fresh)
		}
		if !nearest {
			return nil
		}
		queued, err = s.queueReminderEmails(ctx, q, appt, up.Availability, due[0], now)
		return err
	})
	return queued, err
}
