package intake

import (
	"context"
	"html/template"
	"strconv"
	texttemplate "text/template"

	"rapport/internal/mail"
)

// MailRequest is the kind of the email that asks a client to fill in a
// questionnaire their coach sent; it always goes (it is not among the
// email choices). A booking's request travels in the booking email
// instead.
const MailRequest = "questionnaire-request"

// RequestMailKey is the dedupe key of a request's email: one per request.
func RequestMailKey(requestID int64) string {
	return mail.Key(MailRequest, strconv.FormatInt(requestID, 10), 0)
}

// queueRequestEmail queues, in rec's transaction, the email that asks r's
// client to fill it in.
func (s *Service) queueRequestEmail(ctx context.Context, rec Records, r *Request) error {
	coach, err := rec.UserByID(ctx, r.CoachID)
	if err != nil {
		return err
	}
	client, err := rec.UserByID(ctx, r.ClientID)
	if err != nil {
		return err
	}
	d := requestMailData{Name: client.DisplayName(), Coach: mail.OneLine(coach.DisplayName()), Title: mail.OneLine(r.Version.Title),
		Intro: r.Version.Intro, Practice: mail.OneLine(s.practiceName()), URL: s.requestURL(r.ID), Questions: len(r.Version.Questions)}
	return rec.EnqueueMail(ctx, &mail.Message{Key: RequestMailKey(r.ID), To: client.Email, ToName: mail.OneLine(client.DisplayName()),
		Subject: d.Coach + " asks you to fill in “" + d.Title + "”", Text: mail.Render(requestText, d), HTML: mail.Render(requestHTML, d),
		CreatedAt: r.SentAt})
}

// practiceName is the practice's name in emails, or Rapport's.
func (s *Service) practiceName() string {
	if s.Practice.Name == "" {
		return "Rapport"
	}
	return s.Practice.Name
}

// requestMailData fills the request email's templates.
type requestMailData struct {
	Name, Coach, Title, Intro, Practice, URL string
	Questions                                int
}

// The request email, as text and as HTML (html/template escapes what the
// coach typed).
var (
	requestText = texttemplate.Must(texttemplate.New("text").Parse(`Hello {{.Name}},

{{.Coach}} asks you to fill in the questionnaire “{{.Title}}” ({{.Questions}} question{{if ne .Questions 1}}s{{end}}).
{{with .Intro}}
{{.}}
{{end}}{{if .URL}}
Fill it in on {{.Practice}}:
{{.URL}}
{{else}}
Sign in to {{.Practice}} to fill it in: your dashboard lists it.
{{end}}
You can save your answers and come back before you submit them. Once submitted, {{.Coach}} reads them.
`))
	requestHTML = template.Must(template.New("html").Parse(`<!doctype html>
<html><body style="font-family: sans-serif; line-height: 1.5">
<p>Hello {{.Name}},</p>
<p><strong>{{.Coach}}</strong> asks you to fill in the questionnaire “{{.Title}}” ({{.Questions}} question{{if ne .Questions 1}}s{{end}}).</p>
{{with .Intro}}<p style="white-space: pre-wrap">{{.}}</p>
{{end}}{{if .URL}}<p><a href="{{.URL}}">Fill it in on {{.Practice}}</a></p>
{{else}}<p>Sign in to {{.Practice}} to fill it in: your dashboard lists it.</p>
{{end}}<p style="color: #666">You can save your answers and come back before you submit them. Once submitted, {{.Coach}} reads them.</p>
</body></html>
`))
)
