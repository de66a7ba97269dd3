package coaching

import (
	"context"
	"fmt"
	"time"

	"rapport/internal/app"
)

// MoveFollowing moves an occurrence of a series and every later scheduled
// one. Each keeps its place in the rhythm: it moves by as many days as the
// occurrence does, to the new start's time of day on the series' clock, so
// that a series moved from Mondays 10:00 to Tuesdays 09:30 stays at 09:30
// whatever daylight saving does. Whoever may edit the occurrence (its
// coach, an admin) may; all move or none, and one email to each person
// carries the series again.
func (s *Service) MoveFollowing(ctx context.Context, id int64, start time.Time) ([]*Appointment, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var moved []*Appointment
	err = s.Store.InTx(ctx, func(q Records) error {
		first, err := s.editable(ctx, q, a, id)
		if err != nil {
			return err
		}
		if first.SeriesID == "" {
			return app.Errorf(app.EINVALID, "this appointment is not part of a series")
		}
		if msg := checkStart(start, s.Clock.Now()); msg != "" {
			return app.Invalid(map[string]string{"starts_at": msg})
		}
		if err := q.LockUser(ctx, first.CoachID); err != nil {
			return err
		}
		was := first.StartsAt
		if moved, err = s.shiftFollowing(ctx, q, first, start); err != nil {
			return err
		}
		return s.seriesChanged(ctx, q, first.SeriesID, moved, seriesMail{kind: MailSeriesMoved, actorID: a.UserID, from: was})
	})
	if err != nil {
		return nil, fmt.Errorf("move the following of appointment %d: %w", id, err)
	}
	for _, appt := range moved {
		s.Hooks.appointmentChanged(appt)
	}
	return moved, nil
}

// shiftFollowing moves first to start and every later scheduled occurrence
// of its series alike, then checks that none overlaps another appointment
// of the coach (the series' own, at their new times, included).
func (s *Service) shiftFollowing(ctx context.Context, q Records, first *Appointment, start time.Time) ([]*Appointment, error) {
	loc, err := seriesClock(ctx, q, first)
	if err != nil {
		return nil, err
	}
	list, err := q.SeriesFrom(ctx, first.SeriesID, first.StartsAt)
	if err != nil {
		return nil, err
	}
	shift, now := shiftOnClock(first.StartsAt, start, loc), s.Clock.Now()
	for _, appt := range list {
		appt.StartsAt, appt.UpdatedAt = shift(appt.StartsAt), now
		if err := q.UpdateAppointment(ctx, appt); err != nil {
			return nil, err
		}
	}
	for _, appt := range list {
		if err := noOverlap(ctx, q, appt, now); err != nil {
			return nil, app.Errorf(app.ECONFLICT, "the session of %s would overlap another appointment; nothing was moved",
				appt.StartsAt.In(loc).Format("Monday 2 January 2006, 15:04 MST"))
		}
	}
	return list, nil
}

// seriesClock is the zone an occurrence's series repeats on: its rule's,
// or for a series booked before rules were kept, its coach's
// availability's, else UTC.
func seriesClock(ctx context.Context, q Records, appt *Appointment) (*time.Location, error) {
	rule, err := seriesOf(ctx, q, appt)
	if err != nil {
		return nil, err
	}
	if rule != nil {
		return rule.Location(), nil
	}
	av, err := q.Availability(ctx, appt.CoachID)
	if err == nil {
		if loc, lerr := av.Location(); lerr == nil {
			return loc, nil
		}
	} else if app.ErrorCode(err) != app.ENOTFOUND {
		return nil, err
	}
	return time.UTC, nil
}

// shiftOnClock returns the move that takes from to to on loc's clock,
// for any time: as many calendar days, and to's time of day.
func shiftOnClock(from, to time.Time, loc *time.Location) func(time.Time) time.Time {
	f, t := from.In(loc), to.In(loc)
	days := civilDays(t) - civilDays(f)
	return func(x time.Time) time.Time {
		y, m, d := x.In(loc).Date()
		return time.Date(y, m, d+days, t.Hour(), t.Minute(), 0, 0, loc).UTC()
	}
}

// civilDays numbers t's calendar date in its own zone: days since 1970-01-01.
func civilDays(t time.Time) int {
	y, m, d := t.Date()
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// CurrentOccurrence returns the occurrence of a series that a join link
// leads to: the first scheduled one that has not ended, else the last
// one. A series the caller is not part of is not found.
func (s *Service) CurrentOccurrence(ctx context.Context, seriesID string) (*Appointment, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	all, err := s.Store.SeriesAppointments(ctx, seriesID)
	if err != nil {
		return nil, err
	}
	if len(all) == 0 || !canSee(a, all[0]) {
		return nil, notFound("series")
	}
	now, next := s.Clock.Now(), (*Appointment)(nil)
	for _, appt := range all {
		if appt.Status == ApptScheduled && appt.EndsAt().After(now) && (next == nil || appt.StartsAt.Before(next.StartsAt)) {
			next = appt
		}
	}
	if next == nil {
		next = all[len(all)-1]
	}
	return next, nil
}
