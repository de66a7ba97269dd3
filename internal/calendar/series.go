package calendar

import (
	"strconv"
	"time"

	ics "github.com/arran4/golang-ical"

	"rapport/internal/coaching"
)

// seriesLook is how the events of a series read: the recurring event's
// words and join link, and an occurrence's.
type seriesLook struct {
	// master fills the recurring event (SUMMARY, DESCRIPTION, URL...).
	master func(e *ics.VEvent)
	// instance fills an occurrence that departs from the rule.
	instance func(e *ics.VEvent, a *coaching.Appointment)
}

// seriesEvents are a series as iCalendar: one recurring event under the
// series' UID, repeating on the series' clock (DTSTART with its TZID, and
// RRULE FREQ=WEEKLY, so that every calendar repeats it at the same local
// time across daylight saving), with an EXDATE for each cancelled
// occurrence, and an instance (RECURRENCE-ID) for each occurrence that no
// longer matches the rule: moved, or of another length or title. all is
// every occurrence; the VTIMEZONE defines the series' zone over its span.
func seriesEvents(rule *coaching.Series, all []*coaching.Appointment, domain string, now time.Time, look seriesLook) (*ics.VTimezone, []*ics.VEvent) {
	loc := rule.Location()
	uid := coaching.SeriesUID(rule.ID, domain)
	master := ics.NewEvent(uid)
	master.SetSequence(rule.Sequence)
	master.SetDtStampTime(now)
	setZoned(master, ics.ComponentPropertyDtStart, rule.FirstStart, loc)
	setZoned(master, ics.ComponentPropertyDtEnd, rule.FirstStart.Add(rule.Duration), loc)
	master.AddRrule("FREQ=WEEKLY;INTERVAL=" + strconv.Itoa(rule.EveryWeeks) + ";COUNT=" + strconv.Itoa(rule.Count))
	status := ics.ObjectStatusCancelled
	out := []*ics.VEvent{master}
	last := rule.FirstStart
	for _, a := range all {
		if a.OccurrenceAt == nil {
			continue
		}
		last = latest(last, a.EndsAt())
		switch {
		case a.Status == coaching.ApptCancelled:
			master.AddExdate(localTime(*a.OccurrenceAt, loc), ics.WithTZID(loc.String()))
			continue
		case departs(rule, a):
			e := ics.NewEvent(uid)
			setRecurrenceID(e, a)
			e.SetSequence(instanceSequence(rule, a))
			e.SetDtStampTime(now)
			e.SetLastModifiedAt(a.UpdatedAt)
			setZoned(e, ics.ComponentPropertyDtStart, a.StartsAt, loc)
			setZoned(e, ics.ComponentPropertyDtEnd, a.EndsAt(), loc)
			look.instance(e, a)
			e.SetStatus(ics.ObjectStatusConfirmed)
			out = append(out, e)
		}
		status = ics.ObjectStatusConfirmed
	}
	look.master(master)
	master.SetStatus(status)
	return vtimezone(loc, rule.FirstStart, last), out
}

// departs reports whether an occurrence no longer matches its series'
// rule, so that calendars need it as an instance of its own.
func departs(rule *coaching.Series, a *coaching.Appointment) bool {
	return !a.StartsAt.Equal(*a.OccurrenceAt) || a.Duration != rule.Duration || a.Title != rule.Title
}

// setZoned sets a DATE-TIME property as a local time of loc with its TZID.
func setZoned(e *ics.VEvent, p ics.ComponentProperty, t time.Time, loc *time.Location) {
	e.SetProperty(p, localTime(t, loc), ics.WithTZID(loc.String()))
}

// instanceSequence is an occurrence's SEQUENCE: the series' and its own
// added, so that it only rises and is never below the recurring event's,
// whichever of the two changed last (a calendar ignores an instance older
// than the event it holds).
func instanceSequence(rule *coaching.Series, a *coaching.Appointment) int {
	return rule.Sequence + a.Sequence
}

// setRecurrenceID names e as occurrence a of its series: RECURRENCE-ID is
// the start the rule gave it, in UTC (a DATE-TIME as DTSTART is, and
// needing no VTIMEZONE in an invitation that carries only the instance).
func setRecurrenceID(e *ics.VEvent, a *coaching.Appointment) {
	e.SetProperty(ics.ComponentPropertyRecurrenceId, a.OccurrenceAt.UTC().Format("20060102T150405Z"))
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
