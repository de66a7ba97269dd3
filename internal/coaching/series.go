package coaching

import (
	"context"
	"fmt"
	"strings"
	"time"

	"rapport/internal/app"
)

// Repeat makes a booking a series: every one or two weeks, Count sessions
// in all, at the same time of day on the coach's clock (Zone), whatever
// daylight saving does in between.
type Repeat struct {
	EveryWeeks int
	Count      int
	Zone       string
}

// The bounds of a series: up to a year of sessions.
const MaxSeriesWeeks = 53

// Series is the rule of a recurring series, kept so that calendars receive
// the series as one recurring event: every EveryWeeks weeks, Count
// occurrences from FirstStart, on the clock of Zone (the coach's).
type Series struct {
	ID         string
	EveryWeeks int
	Count      int
	Zone       string
	FirstStart time.Time
	Duration   time.Duration
	Title      string
	// Sequence rises each time the whole series is sent to calendars
	// again (iCalendar's SEQUENCE of the recurring event).
	Sequence  int
	CreatedAt time.Time
}

// Location is the zone the series repeats on.
func (r *Series) Location() *time.Location {
	if loc, err := time.LoadLocation(r.Zone); err == nil {
		return loc
	}
	return time.UTC
}

// SeriesUID is a series' iCalendar UID, "<series id>@<domain>": its
// occurrences are that event's instances, each named by its
// RECURRENCE-ID, the start the rule gave it (Appointment.OccurrenceAt).
func SeriesUID(seriesID, domain string) string { return seriesID + "@" + domain }

// SeriesStore keeps the rules and finds the occurrences of series.
type SeriesStore interface {
	CreateSeries(ctx context.Context, s *Series) error
	// Series returns a series' rule, or ENOTFOUND (a series booked before
	// rules were kept has none).
	Series(ctx context.Context, id string) (*Series, error)
	RaiseSeriesSequence(ctx context.Context, id string) (int, error)
	// SeriesAppointments returns every occurrence, whatever its status,
	// in the rule's order.
	SeriesAppointments(ctx context.Context, id string) ([]*Appointment, error)
	SeriesFrom(ctx context.Context, seriesID string, from time.Time) ([]*Appointment, error)
}

func (r Repeat) validate() (*time.Location, error) {
	fields := map[string]string{}
	if r.EveryWeeks != 1 && r.EveryWeeks != 2 {
		fields["every_weeks"] = "must be 1 (weekly) or 2 (fortnightly)"
	}
	if r.Count < 2 || r.Count*max(r.EveryWeeks, 1) > MaxSeriesWeeks {
		fields["count"] = fmt.Sprintf("must be from 2 to a year of sessions (%d weekly, %d fortnightly)", MaxSeriesWeeks, MaxSeriesWeeks/2)
	}
	loc, err := time.LoadLocation(r.Zone)
	if err != nil || r.Zone == "" || r.Zone == "Local" {
		fields["time_zone"] = "is not a time zone like Europe/Paris"
	}
	return loc, app.Invalid(fields)
}

// occurrences are the starts of a series from first, on loc's clock.
func (r Repeat) occurrences(first time.Time, loc *time.Location) []time.Time {
	local := first.In(loc)
	y, m, d := local.Date()
	out := make([]time.Time, r.Count)
	for i := range out {
		out[i] = time.Date(y, m, d+7*r.EveryWeeks*i, local.Hour(), local.Minute(), 0, 0, loc).UTC()
	}
	return out
}

// BookSeries books a weekly or fortnightly series with one of the calling
// coach's clients: every occurrence is an appointment of its own, with its
// own room, sharing a series ID. All are booked or none: an occurrence
// that overlaps another appointment names its date and nothing is written.
func (s *Service) BookSeries(ctx context.Context, b Booking, r Repeat) ([]*Appointment, error) {
	a, err := allowed(ctx, ActBook)
	if err != nil {
		return nil, err
	}
	loc, err := r.validate()
	if err != nil {
		return nil, err
	}
	if a.Role == app.RoleCoach {
		b.CoachID = a.UserID
	}
	rule := &Series{ID: "series-" + s.NewRoomID(), EveryWeeks: r.EveryWeeks, Count: r.Count, Zone: loc.String(),
		Duration: b.Duration, CreatedAt: s.Clock.Now()}
	var out []*Appointment
	err = s.Store.InTx(ctx, func(q Records) error {
		out = out[:0]
		for i, start := range r.occurrences(b.StartsAt, loc) {
			appt, err := s.newOccurrence(ctx, q, a, b, start, rule.ID, i == 0)
			if err != nil {
				return err
			}
			out = append(out, appt)
		}
		rule.FirstStart, rule.Title = out[0].StartsAt, out[0].Title
		if err := q.CreateSeries(ctx, rule); err != nil {
			return err
		}
		return s.queueSeriesEmails(ctx, q, rule, out, seriesMail{kind: MailSeriesBooked, actorID: a.UserID})
	})
	if err != nil {
		return nil, fmt.Errorf("book a series: %w", err)
	}
	for _, appt := range out {
		s.Hooks.appointmentChanged(appt)
	}
	return out, nil
}

// newOccurrence writes one occurrence of a series; the parties are checked
// (and the coach's row locked) at the first.
func (s *Service) newOccurrence(ctx context.Context, q Records, a *app.Actor, b Booking, start time.Time, series string, first bool) (*Appointment, error) {
	now := s.Clock.Now()
	appt := &Appointment{CoachID: b.CoachID, ClientID: b.ClientID, Title: strings.TrimSpace(b.Title), StartsAt: start, Duration: b.Duration,
		Notes: b.Notes, Status: ApptScheduled, RoomID: s.NewRoomID(), CallMode: b.CallMode, SeriesID: series, OccurrenceAt: &start,
		CreatedAt: now, UpdatedAt: now}
	if appt.Title == "" {
		appt.Title = "Coaching session"
	}
	if err := s.validateAppointment(appt, now); err != nil {
		return nil, err
	}
	if first {
		if err := s.checkParties(ctx, q, appt, a); err != nil {
			return nil, err
		}
	}
	if err := noOverlap(ctx, q, appt, now); err != nil {
		return nil, app.Errorf(app.ECONFLICT, "the session of %s overlaps another appointment; nothing was booked", start.UTC().Format("2006-01-02 15:04 UTC"))
	}
	return appt, q.CreateAppointment(ctx, appt)
}

// CancelFollowing cancels an appointment of a series and every later
// scheduled one of it, with one reason; whoever may cancel the one may
// cancel the rest. It returns what it cancelled.
func (s *Service) CancelFollowing(ctx context.Context, id int64, reason string) ([]*Appointment, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var done []*Appointment
	err = s.Store.InTx(ctx, func(q Records) error {
		first, err := s.cancellable(ctx, q, a, id)
		if err != nil {
			return err
		}
		if first.SeriesID == "" {
			return app.Errorf(app.EINVALID, "this appointment is not part of a series")
		}
		if err := checkReason(reason); err != nil {
			return err
		}
		list, err := q.SeriesFrom(ctx, first.SeriesID, first.StartsAt)
		if err != nil {
			return err
		}
		if done, err = s.cancelEach(ctx, q, a, list, reason); err != nil {
			return err
		}
		return s.seriesChanged(ctx, q, first.SeriesID, done, seriesMail{kind: MailSeriesCancelled, actorID: a.UserID,
			from: first.StartsAt, reason: reason})
	})
	if err != nil {
		return nil, fmt.Errorf("cancel the following of appointment %d: %w", id, err)
	}
	for _, appt := range done {
		s.Hooks.appointmentClosed(appt)
		s.Hooks.appointmentChanged(appt)
	}
	return done, nil
}

// cancelEach cancels each appointment, marking a client's late ones.
func (s *Service) cancelEach(ctx context.Context, q Records, a *app.Actor, list []*Appointment, reason string) ([]*Appointment, error) {
	now := s.Clock.Now()
	for _, appt := range list {
		late, err := s.lateForClient(ctx, q, a, appt)
		if err != nil {
			return nil, err
		}
		appt.Status, appt.CancelReason, appt.CancelledLate, appt.UpdatedAt = ApptCancelled, reason, late, now
		if err := q.UpdateAppointment(ctx, appt); err != nil {
			return nil, err
		}
	}
	return list, nil
}
