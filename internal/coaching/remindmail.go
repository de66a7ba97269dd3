package coaching

import (
	"context"
	"fmt"
	"html/template"
	"strconv"
	texttemplate "text/template"
	"time"

	"rapport/internal/mail"
)

// ReminderMailKey is the dedupe key of a reminder email: the appointment,
// the person (to is "coach" or "client"), the offset and the appointment's
// sequence. One email per key, ever.
func ReminderMailKey(apptID int64, to string, offset time.Duration, seq int) string {
	about := strconv.FormatInt(apptID, 10) + "/" + to + "/" + strconv.Itoa(int(offset/time.Minute)) + "m"
	return mail.Key(MailReminder, about, seq)
}

// UnsubscribePath is the path of a person's one-click unsubscribe link,
// before its token.
const UnsubscribePath = "/unsubscribe/"

// queueReminderEmails queues, in q's transaction, the reminder of offset
// to each of appt's people who did not turn reminders off, in their zone,
// and reports how many it queued. A reminder carries no calendar
// invitation (nothing changed) but the room's link, and, when the
// server's address is known, the person's one-click unsubscribe link.
func (s *Service) queueReminderEmails(ctx context.Context, q Records, appt *Appointment, av *Availability, offset time.Duration, now time.Time) (int, error) {
	queued := 0
	for _, side := range []struct {
		to, other *User
		role      string
	}{{appt.Coach, appt.Client, "coach"}, {appt.Client, appt.Coach, "client"}} {
		if side.to == nil || side.other == nil || side.to.Status == StatusDisabled {
			continue
		}
		msg, err := s.reminderEmail(ctx, q, appt, av, side.to, side.other, now)
		if err != nil {
			return queued, err
		}
		if msg == nil { // this person turned reminders off; the other may not have
			continue
		}
		msg.Key = ReminderMailKey(appt.ID, side.role, offset, appt.Sequence)
		if err := q.EnqueueMail(ctx, msg); err != nil {
			return queued, fmt.Errorf("queue the reminder to the %s: %w", side.role, err)
		}
		if msg.ID != 0 {
			queued++
		}
	}
	return queued, nil
}

// reminderEmail is the reminder to one of appt's people, or nil when they
// turned reminders off.
func (s *Service) reminderEmail(ctx context.Context, q Records, appt *Appointment, av *Availability, to, other *User, now time.Time) (*mail.Message, error) {
	p := s.Practice
	var token string
	var choices EmailChoices
	var err error
	if p.URL != "" {
		token, choices, err = s.unsubscribeToken(ctx, q, to.ID)
	} else {
		choices, err = choicesOf(ctx, q, to.ID)
	}
	if err != nil || !choices.Wants(MailReminder) {
		return nil, err
	}
	zone, err := zoneOf(ctx, q, to.ID, av)
	if err != nil {
		return nil, err
	}
	d := reminderData{Name: to.DisplayName(), Other: mail.OneLine(other.DisplayName()), Title: mail.OneLine(appt.Title),
		Practice: mail.OneLine(p.name()), When: span(appt, zone), In: startsIn(appt.StartsAt.Sub(now))}
	msg := &mail.Message{To: to.Email, ToName: mail.OneLine(to.DisplayName()), CreatedAt: now,
		Subject: "Reminder: " + d.Title + " with " + d.Other + ", " + appt.StartsAt.In(zone).Format("Mon 2 Jan 2006, 15:04 MST")}
	if p.URL != "" {
		d.Room = p.URL + "/rooms/" + appt.RoomID
		d.Link = p.URL + "/appointments/" + strconv.FormatInt(appt.ID, 10)
		d.Choices = p.URL + "/profile#emails"
		d.Unsubscribe = p.URL + UnsubscribePath + token
		msg.Unsubscribe = d.Unsubscribe
	}
	msg.Text, msg.HTML = mail.Render(reminderText, d), mail.Render(reminderHTML, d)
	return msg, nil
}

// startsIn says how soon a session starts: "in 1 hour", "in 25 minutes",
// "in 24 hours", "in 3 days".
func startsIn(d time.Duration) string {
	switch minutes := int((d + 30*time.Second) / time.Minute); {
	case minutes < 90:
		return plural(max(minutes, 1), "minute")
	case minutes < 48*60:
		return plural((minutes+30)/60, "hour")
	default:
		return plural((minutes+12*60)/(24*60), "day")
	}
}

// plural is "in 1 hour", "in 2 hours".
func plural(n int, unit string) string {
	if n == 1 {
		return "in 1 " + unit
	}
	return "in " + strconv.Itoa(n) + " " + unit + "s"
}

// reminderData fills the reminder's templates.
type reminderData struct {
	Name, Other, Title, Practice, When, In string
	Room, Link, Choices, Unsubscribe       string
}

// The reminder email, as text and as HTML (html/template escapes the
// names and the title people typed).
var (
	reminderText = texttemplate.Must(texttemplate.New("text").Parse(`Hello {{.Name}},

A reminder: your session with {{.Other}} starts {{.In}}.

What:   {{.Title}} with {{.Other}}
When:   {{.When}}{{if .Room}}
Join:   {{.Room}}{{end}}
{{if .Link}}
See it on {{.Practice}}: {{.Link}}
{{end}}{{if .Unsubscribe}}
--
Stop reminder emails: {{.Unsubscribe}}
Choose which emails you get: {{.Choices}}
{{end}}`))
	reminderHTML = template.Must(template.New("html").Parse(`<!doctype html>
<html><body style="font-family: sans-serif; line-height: 1.5">
<p>Hello {{.Name}},</p>
<p>A reminder: your session with {{.Other}} starts {{.In}}.</p>
<table style="border-collapse: collapse">
<tr><th style="text-align: left; padding-right: 1em">What</th><td>{{.Title}} with {{.Other}}</td></tr>
<tr><th style="text-align: left; padding-right: 1em">When</th><td>{{.When}}</td></tr>
{{if .Room}}<tr><th style="text-align: left; padding-right: 1em">Join</th><td><a href="{{.Room}}">{{.Room}}</a></td></tr>
{{end}}</table>
{{if .Link}}<p><a href="{{.Link}}">See it on {{.Practice}}</a></p>
{{end}}{{if .Unsubscribe}}<p style="color: #666; font-size: small"><a href="{{.Unsubscribe}}">Stop reminder emails</a> · <a href="{{.Choices}}">Choose which emails you get</a></p>
{{end}}</body></html>
`))
)
