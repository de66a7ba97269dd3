// Package calendar writes Rapport's appointments as iCalendar (RFC 5545)
// through github.com/arran4/golang-ical: a person's subscribed feed now,
// and the same events, by the same UIDs, for invitations.
//
// A single appointment's times are written in UTC (DTSTART:20300102T140000Z):
// it needs no VTIMEZONE then, and every calendar shows the event in its
// viewer's zone. A series repeats on its coach's clock, so its times carry
// that zone (TZID) and the VTIMEZONE that defines it.
package calendar

import (
	"io"
	"slices"
	"strings"
	"time"
	"unicode"

	ics "github.com/arran4/golang-ical"

	"rapport/internal/coaching"
)

// ProductID is the PRODID of what Rapport writes.
const ProductID = "-//Rapport//Rapport calendar//EN"

// Site is how events link back to the server.
type Site struct {
	// UIDDomain is the domain of the UIDs: coaching.UIDDomain of the
	// PUBLIC_URL setting.
	UIDDomain string
	// BaseURL is where people reach the server, with no trailing slash:
	// PUBLIC_URL, else the address the request came to.
	BaseURL string
}

// RoomURL is the address of an appointment's room.
func (s Site) RoomURL(a *coaching.Appointment) string {
	return strings.TrimSuffix(s.BaseURL, "/") + "/rooms/" + a.RoomID
}

// WriteFeed writes a person's feed as a VCALENDAR to w: one VEVENT for
// each of their appointments, cancelled ones too (STATUS:CANCELLED, so
// that calendars that held them take them away), and a series as one
// recurring event with its departing instances (seriesEvents), as its
// invitations carry it.
func WriteFeed(w io.Writer, f *coaching.Feed, site Site) error {
	cal := ics.NewCalendarFor("Rapport")
	cal.SetProductId(ProductID)
	cal.SetCalscale("GREGORIAN")
	cal.SetMethod(ics.MethodPublish)
	cal.SetXWRCalName("Rapport — " + oneLine(f.Owner.DisplayName()))
	cal.SetXPublishedTTL("PT1H")
	cal.Components = slices.Grow(cal.Components, len(f.Appointments))
	zones, series := map[string]bool{}, map[string]bool{}
	for _, a := range f.Appointments {
		if fs := f.Series[a.SeriesID]; fs != nil {
			if !series[a.SeriesID] {
				addFeedSeries(cal, fs, f, site, zones)
				series[a.SeriesID] = true
			}
			continue
		}
		cal.AddVEvent(Event(a, f.Other(a), f.Now, site))
	}
	return cal.SerializeTo(w, ics.WithNewLine("\r\n")) // RFC 5545 3.1: lines end in CRLF
}

// Event is an appointment as a VEVENT, stamped now: "<title> with
// <other>", its room as URL and LOCATION, CONFIRMED or CANCELLED.
func Event(a *coaching.Appointment, other *coaching.User, now time.Time, site Site) *ics.VEvent {
	e := ics.NewEvent(coaching.AppointmentUID(a.ID, site.UIDDomain))
	e.Properties = slices.Grow(e.Properties, 12) // set below: one allocation, not five
	e.SetSequence(a.Sequence)
	e.SetDtStampTime(now)
	e.SetLastModifiedAt(a.UpdatedAt)
	e.SetStartAt(a.StartsAt)
	e.SetEndAt(a.EndsAt())
	what := oneLine(a.Title + " with " + other.DisplayName())
	e.SetSummary(what)
	room := site.RoomURL(a)
	e.SetURL(room)
	e.SetLocation(room)
	e.SetDescription(description(a, what, room, now))
	e.SetStatus(status(a, now))
	return e
}

// addFeedSeries adds a series to a feed: its recurring event, whose link
// leads to the current occurrence's room, and the instances that depart
// from it, each with its own room; and its zone's VTIMEZONE, once a zone.
func addFeedSeries(cal *ics.Calendar, fs *coaching.FeedSeries, f *coaching.Feed, site Site, zones map[string]bool) {
	other := f.Other(fs.Occurrences[0])
	join := strings.TrimSuffix(site.BaseURL, "/") + "/series/" + fs.Rule.ID + "/join"
	tz, events := seriesEvents(fs.Rule, fs.Occurrences, site.UIDDomain, f.Now, seriesLook{
		master: func(e *ics.VEvent) {
			what := oneLine(fs.Rule.Title + " with " + other.DisplayName())
			e.SetSummary(what)
			e.SetURL(join)
			e.SetLocation(join)
			e.SetDescription(what + " on Rapport.\nJoin the call: " + join)
		},
		instance: func(e *ics.VEvent, a *coaching.Appointment) {
			what, room := oneLine(a.Title+" with "+other.DisplayName()), site.RoomURL(a)
			e.SetSummary(what)
			e.SetURL(room)
			e.SetLocation(room)
			e.SetDescription(description(a, what, room, f.Now))
		},
	})
	if !zones[fs.Rule.Zone] {
		// Prepended: a VTIMEZONE comes before the events that name it.
		cal.Components = append([]ics.Component{tz}, cal.Components...)
		zones[fs.Rule.Zone] = true
	}
	for _, e := range events {
		cal.AddVEvent(e)
	}
}

// status is an appointment's STATUS. A completed appointment or a no-show
// stays CONFIRMED: it took place, in a calendar's sense. A request waiting
// for the coach is TENTATIVE; one that lapsed unanswered is CANCELLED.
func status(a *coaching.Appointment, now time.Time) ics.ObjectStatus {
	switch {
	case a.Status == coaching.ApptCancelled || a.Lapsed(now):
		return ics.ObjectStatusCancelled
	case a.Status == coaching.ApptRequested:
		return ics.ObjectStatusTentative
	}
	return ics.ObjectStatusConfirmed
}

// description says what the event is and where to join. The notes and a
// cancel reason stay out: a calendar provider keeps a copy of the feed.
func description(a *coaching.Appointment, what, room string, now time.Time) string {
	switch {
	case a.Status == coaching.ApptCancelled:
		return "Cancelled: " + what + "."
	case a.Lapsed(now):
		return "Not answered in time: " + what + "."
	case a.Status == coaching.ApptRequested:
		return "Requested, waiting for the coach to accept: " + what + "."
	}
	return what + " on Rapport.\nJoin the call: " + room
}

// oneLine drops every control character from a one-line value: the
// library escapes backslashes, commas, semicolons and newlines, but a
// carriage return in a name from a sign-in provider would end the line.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}
