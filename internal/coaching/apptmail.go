package coaching

import (
	"context"
	"fmt"
	"html/template"
	"strconv"
	texttemplate "text/template"
	"time"

	"rapport/internal/app"
	"rapport/internal/mail"
)

// The kinds of appointment email, the first part of their dedupe keys.
const (
	MailBooked    = "appointment-booked"
	MailChanged   = "appointment-changed"
	MailCancelled = "appointment-cancelled"
	// The emails of booking requests (requestmail.go).
	MailRequested = "appointment-requested"
	MailAccepted  = "appointment-accepted"
	MailDeclined  = "appointment-declined"
	MailWithdrawn = "appointment-withdrawn"
)

// The methods of a CalendarInvite (iTIP, RFC 5546).
const (
	InviteRequest = "REQUEST" // a booking or a change
	InviteCancel  = "CANCEL"
)

// CalendarInvite is the calendar invitation an appointment or series email
// carries, for one of its two people.
type CalendarInvite struct {
	Method string // InviteRequest or InviteCancel
	// Appointment is the one the invitation is about; with Series set it
	// is an occurrence, sent as that instance of the series' event.
	Appointment *Appointment
	// Series, with Occurrences (all of them) and no Appointment, sends
	// the whole series as one recurring event.
	Series        *Series
	Occurrences   []*Appointment
	Coach, Client *User
	Practice      string // the practice's name
	// RoomURL is where to join ("" when the server's address is unknown):
	// the appointment's room, or a series' join link, which leads to its
	// current occurrence's room. RoomBase, for a series, is the rooms'
	// address before a room ID, for an occurrence that moved.
	RoomURL, RoomBase string
	Zone              *time.Location // the recipient's
	Now               time.Time
}

// InviteWriter writes a CalendarInvite as an iCalendar object; package
// calendar's Inviter.Write is the one the server sets.
type InviteWriter func(inv *CalendarInvite) (string, error)

// AppointmentMailKey is the dedupe key of an appointment email of a kind
// to one of its people (to is "coach" or "client") at the appointment's
// sequence: one email per appointment, kind, person and sequence.
func AppointmentMailKey(kind string, apptID int64, to string, seq int) string {
	return mail.Key(kind, strconv.FormatInt(apptID, 10)+"/"+to, seq)
}

// apptMail is what an appointment email says beyond the appointment.
type apptMail struct {
	kind    string    // MailBooked, MailChanged, MailCancelled, or a request's
	actorID int64     // who made the change
	was     time.Time // a change's former start
	todos   []ToDo    // what the booking asks of the client before the session
}

// queueAppointmentEmails queues, in q's transaction, the email of a
// booking, a change of time or a cancellation to both of appt's people,
// each in their zone with the invitation their calendar takes. appt is as
// just written: its Sequence is the stored one.
func (s *Service) queueAppointmentEmails(ctx context.Context, q Records, appt *Appointment, m apptMail) error {
	coach, err := q.UserByID(ctx, appt.CoachID)
	if err != nil {
		return err
	}
	client, err := q.UserByID(ctx, appt.ClientID)
	if err != nil {
		return err
	}
	coachAv, err := q.Availability(ctx, appt.CoachID)
	if app.ErrorCode(err) == app.ENOTFOUND {
		coachAv, err = nil, nil
	} else if err != nil {
		return err
	}
	rule, err := seriesOf(ctx, q, appt)
	if err != nil {
		return err
	}
	if coachAv == nil && rule != nil {
		coachAv = &Availability{TimeZone: rule.Zone} // a series repeats on its coach's clock
	}
	now := s.Clock.Now()
	return s.queueToBoth(ctx, q, coach, client, m.kind, coachAv, func(r recipient, zone *time.Location) (*mail.Message, error) {
		msg, err := s.appointmentEmail(appt, rule, m, r.to, r.other, coach, client, zone, now)
		if err == nil {
			msg.Key = AppointmentMailKey(m.kind, appt.ID, r.role, appt.Sequence)
		}
		return msg, err
	})
}

// recipient is one of an email's two people: to, beside the other, in
// the role ("coach" or "client") its dedupe key names.
type recipient struct {
	to, other *User
	role      string
}

// queueToBoth queues, in q's transaction, an email of kind to the coach
// and to the client, each as build makes it in their zone (their
// profile's, else av's); a person the kind is not for, or whose
// choices turn it off (read now, as it is queued), gets none.
func (s *Service) queueToBoth(ctx context.Context, q Records, coach, client *User, kind string, av *Availability,
	build func(r recipient, zone *time.Location) (*mail.Message, error)) error {
	for _, r := range []recipient{{coach, client, "coach"}, {client, coach, "client"}} {
		if !mailGoesTo(kind, r.role) {
			continue
		}
		if wants, err := wantsEmail(ctx, q, r.to.ID, kind); err != nil {
			return err
		} else if !wants {
			continue
		}
		zone, err := zoneOf(ctx, q, r.to.ID, av)
		if err != nil {
			return err
		}
		msg, err := build(r, zone)
		if err != nil {
			return err
		}
		if err := q.EnqueueMail(ctx, msg); err != nil {
			return fmt.Errorf("queue the %s email to the %s: %w", kind, r.role, err)
		}
	}
	return nil
}

// seriesOf is the rule of appt's series, or nil for a single appointment
// or an occurrence of a series booked before rules were kept.
func seriesOf(ctx context.Context, q Records, appt *Appointment) (*Series, error) {
	if appt.SeriesID == "" || appt.OccurrenceAt == nil {
		return nil, nil
	}
	rule, err := q.Series(ctx, appt.SeriesID)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return nil, nil
	}
	return rule, err
}

// zoneOf is the zone a person's emails give times in: their profile's,
// else the coach's availability's, else UTC.
func zoneOf(ctx context.Context, q Records, userID int64, coachAv *Availability) (*time.Location, error) {
	p, err := q.Profile(ctx, userID)
	if err != nil && app.ErrorCode(err) != app.ENOTFOUND {
		return nil, err
	}
	if loc := p.Timezone(); err == nil && loc != nil {
		return loc, nil
	}
	if coachAv != nil {
		if loc, err := coachAv.Location(); err == nil {
			return loc, nil
		}
	}
	return time.UTC, nil
}

// appointmentEmail is the email to one of appt's people.
func (s *Service) appointmentEmail(appt *Appointment, rule *Series, m apptMail, to, other, coach, client *User, zone *time.Location, now time.Time) (*mail.Message, error) {
	p := s.Practice
	d := apptMailData{Name: to.DisplayName(), Other: mail.OneLine(other.DisplayName()), Title: mail.OneLine(appt.Title),
		Practice: mail.OneLine(p.name()), When: span(appt, zone), Reason: appt.CancelReason}
	if to.ID == client.ID {
		d.ToDos = m.todos
	}
	if p.URL != "" {
		d.Room = p.URL + "/rooms/" + appt.RoomID
		d.Link = p.URL + "/appointments/" + strconv.FormatInt(appt.ID, 10)
	}
	by := p.actorName(m.actorID, to, other)
	short := appt.StartsAt.In(zone).Format("Mon 2 Jan 2006, 15:04 MST")
	method := InviteRequest
	switch m.kind {
	case MailBooked:
		d.Subject = "Booked: " + d.Title + " with " + d.Other + ", " + short
		d.Lead = by + " booked a session: it is confirmed."
	case MailChanged:
		d.Subject = "Moved: " + d.Title + " with " + d.Other + ", now " + short
		d.Lead = by + " moved a session to a new time."
		if !m.was.IsZero() {
			d.Was = m.was.In(zone).Format("Monday 2 January 2006, 15:04 MST")
		}
	case MailCancelled:
		d.Subject = "Cancelled: " + d.Title + " with " + d.Other + ", " + short
		d.Lead = by + " cancelled a session."
		d.Cancelled, method = true, InviteCancel
	default:
		var ok bool
		if method, ok = requestEmail(&d, m.kind, by, short, to.ID == coach.ID); !ok {
			return nil, fmt.Errorf("no appointment email of kind %q", m.kind)
		}
	}
	msg := &mail.Message{To: to.Email, ToName: mail.OneLine(to.DisplayName()), Subject: d.Subject,
		Text: mail.Render(apptText, d), HTML: mail.Render(apptHTML, d), CreatedAt: now}
	if s.Invites != nil && method != "" {
		cal, err := s.Invites(&CalendarInvite{Method: method, Appointment: appt, Series: rule, Coach: coach, Client: client,
			Practice: d.Practice, RoomURL: d.Room, Zone: zone, Now: now})
		if err != nil {
			return nil, fmt.Errorf("the calendar invitation of appointment %d: %w", appt.ID, err)
		}
		msg.Calendar, msg.CalendarMethod = cal, method
	}
	return msg, nil
}

// actorName is who made a change as its email's recipient reads it:
// "You", the other person's name, or the practice's (a server's own
// change, an admin's).
func (p Practice) actorName(actorID int64, to, other *User) string {
	switch actorID {
	case to.ID:
		return "You"
	case other.ID:
		return other.DisplayName()
	}
	return p.name()
}

// span says when an appointment is, in zone: "Monday 8 March 2030,
// 10:00–11:00 EST (America/New_York)".
func span(appt *Appointment, zone *time.Location) string {
	start, end := appt.StartsAt.In(zone), appt.EndsAt().In(zone)
	endLayout := "15:04 MST"
	if end.YearDay() != start.YearDay() || end.Year() != start.Year() {
		endLayout = "Monday 2 January 2006, 15:04 MST"
	}
	return start.Format("Monday 2 January 2006, 15:04") + "–" + end.Format(endLayout) + " (" + zone.String() + ")"
}

// apptMailData fills the appointment emails' templates.
type apptMailData struct {
	Subject, Lead, Name, Other, Title, Practice string
	When, Was, Room, Link, Reason               string
	Cancelled                                   bool
	// NoInvite: the email carries no calendar invitation (a request).
	NoInvite bool
	// Answer is the link where the coach accepts or declines a request.
	Answer string
	// ToDos are what the booking asks of the client before the session.
	ToDos []ToDo
}

// The appointment emails, as text and as HTML (html/template escapes the
// names, the title and the reason people typed).
var (
	apptText = texttemplate.Must(texttemplate.New("text").Parse(`Hello {{.Name}},

{{.Lead}}

What:   {{.Title}} with {{.Other}}
When:   {{.When}}{{if .Was}}
Was:    {{.Was}}{{end}}{{if and .Room (not .Cancelled)}}
Join:   {{.Room}}{{end}}{{if .Cancelled}}
Reason: {{if .Reason}}{{.Reason}}{{else}}none given{{end}}{{end}}
{{if .Answer}}
Accept or decline: {{.Answer}}
{{end}}{{range .ToDos}}
Before the session: {{.Text}}{{if .URL}}
{{.URL}}{{end}}
{{end}}{{if .Link}}
See it on {{.Practice}}: {{.Link}}
{{end}}
{{if .NoInvite}}{{else if .Cancelled}}The invitation attached takes it out of your calendar.{{else}}The invitation attached puts it in your calendar.{{end}}
`))
	apptHTML = template.Must(template.New("html").Parse(`<!doctype html>
<html><body style="font-family: sans-serif; line-height: 1.5">
<p>Hello {{.Name}},</p>
<p>{{.Lead}}</p>
<table style="border-collapse: collapse">
<tr><th style="text-align: left; padding-right: 1em">What</th><td>{{.Title}} with {{.Other}}</td></tr>
<tr><th style="text-align: left; padding-right: 1em">When</th><td>{{if .Cancelled}}<s>{{.When}}</s>{{else}}{{.When}}{{end}}</td></tr>
{{if .Was}}<tr><th style="text-align: left; padding-right: 1em">Was</th><td><s>{{.Was}}</s></td></tr>
{{end}}{{if and .Room (not .Cancelled)}}<tr><th style="text-align: left; padding-right: 1em">Join</th><td><a href="{{.Room}}">{{.Room}}</a></td></tr>
{{end}}{{if .Cancelled}}<tr><th style="text-align: left; padding-right: 1em">Reason</th><td>{{if .Reason}}{{.Reason}}{{else}}none given{{end}}</td></tr>
{{end}}</table>
{{if .Answer}}<p><a href="{{.Answer}}">Accept or decline</a></p>
{{end}}{{if .ToDos}}<p><strong>Before the session</strong></p>
<ul>{{range .ToDos}}<li>{{if .URL}}<a href="{{.URL}}">{{.Text}}</a>{{else}}{{.Text}}{{end}}</li>{{end}}</ul>
{{end}}{{if .Link}}<p><a href="{{.Link}}">See it on {{.Practice}}</a></p>
{{end}}{{if not .NoInvite}}<p style="color: #666">{{if .Cancelled}}The invitation attached takes it out of your calendar.{{else}}The invitation attached puts it in your calendar.{{end}}</p>
{{end}}
</body></html>
`))
)
