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
// (a booking, a change) or CANCEL, and one VEVENT under the appointment's
// UID (the feed's) and SEQUENCE, so that a calendar that holds the event
// replaces or removes it. DTSTART and DTEND are local times of the
// recipient's zone (TZID) with the VTIMEZONE that defines it; the coach is
// the ORGANIZER, named with the practice, and the client the ATTENDEE.
func (iv Inviter) Write(inv *coaching.CalendarInvite) (string, error) {
	a := inv.Appointment
	cal := ics.NewCalendarFor("Rapport")
	cal.SetProductId(ProductID)
	cal.SetCalscale("GREGORIAN")
	method := ics.MethodRequest
	if inv.Method == coaching.InviteCancel {
		method = ics.MethodCancel
	}
	cal.SetMethod(method)
	loc := inv.Zone
	if loc == nil {
		loc = time.UTC
	}
	e := ics.NewEvent(coaching.AppointmentUID(a.ID, iv.UIDDomain))
	e.SetSequence(a.Sequence)
	e.SetDtStampTime(inv.Now)
	e.SetLastModifiedAt(a.UpdatedAt)
	if loc == time.UTC {
		e.SetStartAt(a.StartsAt)
		e.SetEndAt(a.EndsAt())
	} else {
		cal.AddVTimezone(vtimezone(loc, a.StartsAt, a.EndsAt()))
		e.SetProperty(ics.ComponentPropertyDtStart, localTime(a.StartsAt, loc), ics.WithTZID(loc.String()))
		e.SetProperty(ics.ComponentPropertyDtEnd, localTime(a.EndsAt(), loc), ics.WithTZID(loc.String()))
	}
	what := oneLine(a.Title + ": " + inv.Coach.DisplayName() + " and " + inv.Client.DisplayName())
	e.SetSummary(what)
	if inv.RoomURL != "" {
		e.SetURL(inv.RoomURL)
		e.SetLocation(inv.RoomURL)
	}
	e.SetDescription(inviteDescription(inv, what))
	e.SetOrganizer(inv.Coach.Email, ics.WithCN(oneLine(inv.Coach.DisplayName()+" ("+inv.Practice+")")))
	e.AddAttendee(inv.Client.Email, ics.WithCN(oneLine(inv.Client.DisplayName())),
		ics.CalendarUserTypeIndividual, ics.ParticipationRoleReqParticipant, ics.ParticipationStatusAccepted, ics.WithRSVP(false))
	if inv.Method == coaching.InviteCancel {
		e.SetStatus(ics.ObjectStatusCancelled)
	} else {
		e.SetStatus(ics.ObjectStatusConfirmed)
	}
	cal.AddVEvent(e)
	var b strings.Builder
	// RFC 5545's CRLF line ends (golang-ical writes the platform's by
	// default): the invitation travels as it is, in the part and the file.
	if err := cal.SerializeTo(&b, ics.WithNewLine("\r\n")); err != nil {
		return "", err
	}
	return b.String(), nil
}

// inviteDescription says what the event is and where to join; the notes
// and a cancel reason stay out of it, as in the feed (the email says the
// reason to the person it is for).
func inviteDescription(inv *coaching.CalendarInvite, what string) string {
	if inv.Method == coaching.InviteCancel {
		return "Cancelled: " + what + "."
	}
	if inv.RoomURL == "" {
		return what + " on " + inv.Practice + "."
	}
	return what + " on " + inv.Practice + ".\nJoin the call: " + inv.RoomURL
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
