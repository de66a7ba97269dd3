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

// The kinds of series email: a whole series booked, and a change to an
// occurrence and all later ones.
const (
	MailSeriesBooked    = "series-booked"
	MailSeriesCancelled = "series-cancelled"
	MailSeriesMoved     = "series-moved"
)

// seriesMail is what a series email says beyond the series.
type seriesMail struct {
	kind    string    // MailSeriesBooked, MailSeriesCancelled or MailSeriesMoved
	actorID int64     // who made the change
	from    time.Time // a change's first occurrence, as it was
	reason  string    // a cancellation's
	changed []*Appointment
}

// seriesChanged sends a change to occurrences of a series to calendars and
// inboxes: the whole series again, at a raised sequence, in one email to
// each person. A series booked before rules were kept has no rule: its
// occurrences then go one email each, as single appointments do.
func (s *Service) seriesChanged(ctx context.Context, q Records, seriesID string, changed []*Appointment, m seriesMail) error {
	rule, err := q.Series(ctx, seriesID)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return s.eachChanged(ctx, q, changed, m)
	} else if err != nil {
		return err
	}
	if rule.Sequence, err = q.RaiseSeriesSequence(ctx, seriesID); err != nil {
		return err
	}
	all, err := q.SeriesAppointments(ctx, seriesID)
	if err != nil {
		return err
	}
	m.changed = changed
	return s.queueSeriesEmails(ctx, q, rule, all, m)
}

// queueCancellations queues the emails of appointments cancelled together
// (a client ending the work with their coach): one for each single
// appointment, and one for each series, whose calendar event then loses
// the cancelled occurrences.
func (s *Service) queueCancellations(ctx context.Context, q Records, actorID int64, cancelled []*Appointment, reason string) error {
	series := map[string][]*Appointment{}
	var order []string
	for _, appt := range cancelled {
		if appt.SeriesID == "" {
			if err := s.queueAppointmentEmails(ctx, q, appt, apptMail{kind: MailCancelled, actorID: actorID}); err != nil {
				return err
			}
			continue
		}
		if series[appt.SeriesID] == nil {
			order = append(order, appt.SeriesID)
		}
		series[appt.SeriesID] = append(series[appt.SeriesID], appt)
	}
	for _, id := range order {
		group := series[id]
		m := seriesMail{kind: MailSeriesCancelled, actorID: actorID, from: group[0].StartsAt, reason: reason}
		if err := s.seriesChanged(ctx, q, id, group, m); err != nil {
			return err
		}
	}
	return nil
}

// eachChanged queues the single-appointment email of each changed one.
func (s *Service) eachChanged(ctx context.Context, q Records, changed []*Appointment, m seriesMail) error {
	kind := MailChanged
	if m.kind == MailSeriesCancelled {
		kind = MailCancelled
	}
	for _, appt := range changed {
		if err := s.queueAppointmentEmails(ctx, q, appt, apptMail{kind: kind, actorID: m.actorID}); err != nil {
			return err
		}
	}
	return nil
}

// SeriesMailKey is the dedupe key of a series email of a kind to one of
// its people (to is "coach" or "client") at the series' sequence.
func SeriesMailKey(kind, seriesID, to string, seq int) string {
	return mail.Key(kind, seriesID+"/"+to, seq)
}

// queueSeriesEmails queues, in q's transaction, a series email to both of
// its people, each in their zone, with the whole series as one recurring
// event for their calendar. all is every occurrence, in the rule's order.
func (s *Service) queueSeriesEmails(ctx context.Context, q Records, rule *Series, all []*Appointment, m seriesMail) error {
	first := all[0]
	coach, err := q.UserByID(ctx, first.CoachID)
	if err != nil {
		return err
	}
	client, err := q.UserByID(ctx, first.ClientID)
	if err != nil {
		return err
	}
	if m.changed == nil {
		m.changed = all
	}
	now := s.Clock.Now()
	return s.queueToBoth(ctx, q, coach, client, m.kind, &Availability{TimeZone: rule.Zone}, func(r recipient, zone *time.Location) (*mail.Message, error) {
		msg, err := s.seriesEmail(rule, all, m, r.to, r.other, coach, client, zone, now)
		if err == nil {
			msg.Key = SeriesMailKey(m.kind, rule.ID, r.role, rule.Sequence)
		}
		return msg, err
	})
}

// seriesEmail is the email of a series to one of its people.
func (s *Service) seriesEmail(rule *Series, all []*Appointment, m seriesMail, to, other, coach, client *User, zone *time.Location, now time.Time) (*mail.Message, error) {
	p := s.Practice
	d := seriesMailData{Name: to.DisplayName(), Other: mail.OneLine(other.DisplayName()), Title: mail.OneLine(rule.Title),
		Practice: mail.OneLine(p.name()), Every: everyWords(rule.EveryWeeks), Reason: m.reason, Cancelled: m.kind == MailSeriesCancelled}
	for _, a := range m.changed {
		d.Dates = append(d.Dates, span(a, zone))
	}
	if p.URL != "" {
		d.Link = p.URL + "/appointments/" + strconv.FormatInt(m.changed[0].ID, 10)
	}
	by := p.actorName(m.actorID, to, other)
	n := len(m.changed)
	firstShort := m.changed[0].StartsAt.In(zone).Format("Mon 2 Jan 2006, 15:04 MST")
	switch m.kind {
	case MailSeriesBooked:
		d.Subject = fmt.Sprintf("Booked: %s with %s, %s from %s (%d sessions)", d.Title, d.Other, d.Every, firstShort, n)
		d.Lead = fmt.Sprintf("%s booked a series of %d sessions, %s: each is confirmed.", by, n, d.Every)
	case MailSeriesCancelled:
		d.Subject = fmt.Sprintf("Cancelled: %s with %s, %d sessions from %s", d.Title, d.Other, n,
			m.from.In(zone).Format("Mon 2 Jan 2006"))
		d.Lead = fmt.Sprintf("%s cancelled %s of the series, from %s on.", by, sessionsWord(n),
			m.from.In(zone).Format("Monday 2 January 2006"))
	case MailSeriesMoved:
		d.Subject = fmt.Sprintf("Moved: %s with %s, %d sessions now from %s", d.Title, d.Other, n, firstShort)
		d.Lead = fmt.Sprintf("%s moved %s of the series, from %s on, to these times.", by, sessionsWord(n),
			m.from.In(zone).Format("Monday 2 January 2006"))
	default:
		return nil, fmt.Errorf("no series email of kind %q", m.kind)
	}
	msg := &mail.Message{To: to.Email, ToName: mail.OneLine(to.DisplayName()), Subject: d.Subject,
		Text: mail.Render(seriesText, d), HTML: mail.Render(seriesHTML, d), CreatedAt: now}
	if s.Invites != nil {
		inv := &CalendarInvite{Method: InviteRequest, Series: rule, Occurrences: all, Coach: coach, Client: client,
			Practice: d.Practice, Zone: zone, Now: now}
		if allCancelled(all) {
			inv.Method = InviteCancel
		}
		if p.URL != "" {
			inv.RoomURL = p.URL + "/series/" + rule.ID + "/join"
			inv.RoomBase = p.URL + "/rooms/"
		}
		cal, err := s.Invites(inv)
		if err != nil {
			return nil, fmt.Errorf("the calendar invitation of series %s: %w", rule.ID, err)
		}
		msg.Calendar, msg.CalendarMethod = cal, inv.Method
	}
	return msg, nil
}

// allCancelled reports whether no occurrence of a series takes place.
func allCancelled(all []*Appointment) bool {
	for _, a := range all {
		if a.Status != ApptCancelled {
			return false
		}
	}
	return true
}

// everyWords says a series' rhythm.
func everyWords(weeks int) string {
	if weeks == 2 {
		return "every two weeks"
	}
	return "every week"
}

// sessionsWord counts sessions in words: "1 session", "9 sessions".
func sessionsWord(n int) string {
	if n == 1 {
		return "1 session"
	}
	return strconv.Itoa(n) + " sessions"
}

// seriesMailData fills the series emails' templates.
type seriesMailData struct {
	Subject, Lead, Name, Other, Title, Practice, Every string
	Link, Reason                                       string
	Dates                                              []string
	Cancelled                                          bool
}

// The series emails, as text and as HTML.
var (
	seriesText = texttemplate.Must(texttemplate.New("text").Parse(`Hello {{.Name}},

{{.Lead}}

What:   {{.Title}} with {{.Other}}, {{.Every}}
{{range .Dates}}        {{.}}
{{end}}{{if .Cancelled}}Reason: {{if .Reason}}{{.Reason}}{{else}}none given{{end}}
{{end}}{{if .Link}}
See it on {{.Practice}}: {{.Link}}
{{end}}
The invitation attached keeps the series in your calendar up to date.
`))
	seriesHTML = template.Must(template.New("html").Parse(`<!doctype html>
<html><body style="font-family: sans-serif; line-height: 1.5">
<p>Hello {{.Name}},</p>
<p>{{.Lead}}</p>
<p><strong>{{.Title}}</strong> with {{.Other}}, {{.Every}}</p>
<ul>{{range .Dates}}<li>{{if $.Cancelled}}<s>{{.}}</s>{{else}}{{.}}{{end}}</li>{{end}}</ul>
{{if .Cancelled}}<p>Reason: {{if .Reason}}{{.Reason}}{{else}}none given{{end}}</p>
{{end}}{{if .Link}}<p><a href="{{.Link}}">See it on {{.Practice}}</a></p>
{{end}}<p style="color: #666">The invitation attached keeps the series in your calendar up to date.</p>
</body></html>
`))
)
