package calendar

import (
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"rapport/internal/coaching"
)

// Inviter writes the calendar invitations the appointment emails carry
// (coaching.Service.Invites).
type Inviter struct {
	// UIDDomain is the domain of the UIDs, the feed's: coaching.UIDDomain
	// of the PUBLIC_URL setting.
	UIDDomain string
}

// Write is inv as an iTIP message (RFC 5546) in iCalendar: METHOD REQUEST
// (a booking, a change) or CANCEL. An appointment is one VEVENT under its
// UID (the feed's) and SEQUENCE, so that a calendar that holds the event
// replaces or removes it; an occurrence of a series is that instance of
// the series' event (its UID and RECURRENCE-ID); a whole series is its
// recurring event (see seriesEvents). DTSTART and DTEND are local times
// with the VTIMEZONE that defines their zone: the recipient's for an
// appointment, the series' own for a series. The coach is the ORGANIZER,
// named with the practice, and the client the ATTENDEE.
func (iv Inviter) Write(inv *coaching.CalendarInvite) (string, error) {
	cal := ics.NewCalendarFor("Rapport")
	cal.SetProductId(ProductID)
	cal.SetCalscale("GREGORIAN")
	method := ics.MethodRequest
	if inv.Method == coaching.InviteCancel {
		method = ics.MethodCancel
	}
	cal.SetMethod(method)
	if inv.Series != nil && inv.Appointment == nil {
		iv.addSeries(cal, inv)
	} else {
		iv.addAppointment(cal, inv)
	}
	var b strings.Builder
	// RFC 5545's CRLF line ends (golang-ical writes the platform's by
	// default): the invitation travels as it is, in the part and the file.
	if err := cal.SerializeTo(&b, ics.WithNewLine("\r\n")); err != nil {
		return "", err
	}
	return b.String(), nil
}

// addAppointment adds the VEVENT of inv's appointment to cal.
func (iv Inviter) addAppointment(cal *ics.Calendar, inv *coaching.CalendarInvite) {
	a := inv.Appointment
	loc := inv.Zone
	if loc == nil {
		loc = time.UTC
	}
	var e *ics.VEvent
	if inv.Series != nil && a.OccurrenceAt != nil {
		e = ics.NewEvent(coaching.SeriesUID(inv.Series.ID, iv.UIDDomain))
		setRecurrenceID(e, a)
		e.SetSequence(instanceSequence(inv.Series, a))
	} else {
		e = ics.NewEvent(coaching.AppointmentUID(a.ID, iv.UIDDomain))
		e.SetSequence(a.Sequence)
	}
	e.SetDtStampTime(inv.Now)
	e.SetLastModifiedAt(a.UpdatedAt)
	if loc == time.UTC {
		e.SetStartAt(a.StartsAt)
		e.SetEndAt(a.EndsAt())
	} else {
		cal.AddVTimezone(vtimezone(loc, a.StartsAt, a.EndsAt()))
		setZoned(e, ics.ComponentPropertyDtStart, a.StartsAt, loc)
		setZoned(e, ics.ComponentPropertyDtEnd, a.EndsAt(), loc)
	}
	describeInvite(e, inv, a.Title, inv.RoomURL)
	if inv.Method == coaching.InviteCancel {
		e.SetStatus(ics.ObjectStatusCancelled)
	} else {
		e.SetStatus(ics.ObjectStatusConfirmed)
	}
	cal.AddVEvent(e)
}

// addSeries adds inv's whole series to cal: its zone, its recurring event
// and the instances that depart from it. The recurring event's join link
// leads to the current occurrence's room; a moved instance links its own.
func (iv Inviter) addSeries(cal *ics.Calendar, inv *coaching.CalendarInvite) {
	tz, events := seriesEvents(inv.Series, inv.Occurrences, iv.UIDDomain, inv.Now, seriesLook{
		master: func(e *ics.VEvent) { describeInvite(e, inv, inv.Series.Title, inv.RoomURL) },
		instance: func(e *ics.VEvent, a *coaching.Appointment) {
			room := ""
			if inv.RoomBase != "" {
				room = inv.RoomBase + a.RoomID
			}
			describeInvite(e, inv, a.Title, room)
		},
	})
	cal.AddVTimezone(tz)
	for _, e := range events {
		cal.AddVEvent(e)
	}
}

// describeInvite sets what an invitation's event says: its summary, the
// room as URL and LOCATION, the description, the organizer and attendee.
func describeInvite(e *ics.VEvent, inv *coaching.CalendarInvite, title, room string) {
	what := oneLine(title + ": " + inv.Coach.DisplayName() + " and " + inv.Client.DisplayName())
	e.SetSummary(what)
	if room != "" {
		e.SetURL(room)
		e.SetLocation(room)
	}
	e.SetDescription(inviteDescription(inv, what, room))
	e.SetOrganizer(inv.Coach.Email, ics.WithCN(oneLine(inv.Coach.DisplayName()+" ("+inv.Practice+")")))
	e.AddAttendee(inv.Client.Email, ics.WithCN(oneLine(inv.Client.DisplayName())),
		ics.CalendarUserTypeIndividual, ics.ParticipationRoleReqParticipant, ics.ParticipationStatusAccepted, ics.WithRSVP(false))
}

// inviteDescription says what the event is and where to join; the notes
// and a cancel reason stay out of it, as in the feed (the email says the
// reason to the person it is for).
func inviteDescription(inv *coaching.CalendarInvite, what, room string) string {
	if inv.Method == coaching.InviteCancel {
		return "Cancelled: " + what + "."
	}
	if room == "" {
		return what + " on " + inv.Practice + "."
	}
	return what + " on " + inv.Practice + ".\nJoin the call: " + room
}

// localTime is t as a local DATE-TIME of loc (used with its TZID).
func localTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("20060102T150405")
}

// vtimezone defines loc around [start, end]: each change of its UTC
// offset from a year before to a year after, as a STANDARD or DAYLIGHT
// observance, and, when no change comes before start, the offset in force
// then (RFC 5545 3.6.5: the observances must cover the event). Go keeps
// no rules to write as RRULEs, only the offsets at each instant, so the
// observances are those instants'.
func vtimezone(loc *time.Location, start, end time.Time) *ics.VTimezone {
	tz := ics.NewTimezone(loc.String())
	from, to := start.AddDate(-1, 0, 0).Truncate(time.Second), end.AddDate(1, 0, 0)
	changes := transitions(loc, from, to)
	if len(changes) == 0 || changes[0].After(start) {
		_, off := from.In(loc).Zone()
		observance(tz, loc, from, off)
	}
	for _, t := range changes {
		_, before := t.Add(-time.Second).In(loc).Zone()
		observance(tz, loc, t, before)
	}
	return tz
}

// observance adds to tz the observance that begins at t, from the offset
// before (seconds east of UTC).
func observance(tz *ics.VTimezone, loc *time.Location, t time.Time, before int) {
	name, after := t.In(loc).Zone()
	var c *ics.ComponentBase
	if t.In(loc).IsDST() {
		d := &ics.Daylight{}
		tz.Components = append(tz.Components, d)
		c = &d.ComponentBase
	} else {
		c = &tz.AddStandard().ComponentBase
	}
	// The onset is a local time of the offset in force before it.
	c.SetProperty(ics.ComponentPropertyDtStart, t.In(time.FixedZone("", before)).Format("20060102T150405"))
	c.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetfrom), utcOffset(before))
	c.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetto), utcOffset(after))
	if name != "" && name[0] != '+' && name[0] != '-' {
		c.SetProperty(ics.ComponentProperty(ics.PropertyTzname), name)
	}
}

// transitions lists the instants in (from, to] at which loc's offset
// changes: a day's steps, then halving to the second.
func transitions(loc *time.Location, from, to time.Time) []time.Time {
	var out []time.Time
	_, prev := from.In(loc).Zone()
	for t := from; t.Before(to); {
		next := t.Add(24 * time.Hour)
		if _, off := next.In(loc).Zone(); off != prev {
			lo, hi := t, next // offset prev at lo, off at hi
			for hi.Sub(lo) > time.Second {
				mid := lo.Add(hi.Sub(lo) / 2).Truncate(time.Second)
				if _, o := mid.In(loc).Zone(); o == prev {
					lo = mid
				} else {
					hi = mid
				}
			}
			if hi.After(to) {
				break
			}
			out = append(out, hi)
			prev = off
		}
		t = next
	}
	return out
}

// utcOffset is an offset in seconds as iCalendar's UTC-OFFSET: -0500.
func utcOffset(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "-", -sec
	}
	h, m, s := sec/3600, sec/60%60, sec%60
	out := sign + two(h) + two(m)
	if s != 0 {
		out += two(s)
	}
	return out
}

func two(n int) string { return string([]byte{byte('0' + n/10), byte('0' + n%10)}) }
