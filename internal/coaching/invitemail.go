package coaching

import (
	"context"
	"html/template"
	"strconv"
	"strings"
	texttemplate "text/template"

	"rapport/internal/mail"
)

// Practice is how the practice's emails name it and link back to it.
type Practice struct {
	// Name is the practice's name in emails; empty: "Rapport".
	Name string
	// URL is the server's address as people reach it (PUBLIC_URL, else the
	// address it listens on), with no trailing slash; empty: no links.
	URL string
}

// name is the practice's name, or Rapport's.
func (p Practice) name() string {
	if p.Name == "" {
		return "Rapport"
	}
	return p.Name
}

// signInURL is where an emailed person signs in, or "" when unknown.
func (p Practice) signInURL() string {
	if p.URL == "" {
		return ""
	}
	return strings.TrimSuffix(p.URL, "/") + "/signin"
}

// queueInvitationEmail queues, in q's transaction, the email that tells
// the invited address of the coach's invitation. It is one email per
// coach and address: inviting again sends nothing more.
func (s *Service) queueInvitationEmail(ctx context.Context, q Records, inv *Invitation) error {
	coach, err := q.UserByID(ctx, inv.CoachID)
	if err != nil {
		return err
	}
	return q.EnqueueMail(ctx, s.Practice.invitationEmail(coach, inv))
}

// InvitationMailKey is the dedupe key of the invitation email of a coach
// to an address (in any case).
func InvitationMailKey(coachID int64, email string) string {
	return mail.Key("invitation", strconv.FormatInt(coachID, 10)+"/"+strings.ToLower(email), 1)
}

// invitationEmail is the email of coach's invitation inv.
func (p Practice) invitationEmail(coach *User, inv *Invitation) *mail.Message {
	d := inviteMailData{Coach: mail.OneLine(coach.DisplayName()), Practice: mail.OneLine(p.name()), Name: inv.Name, URL: p.signInURL()}
	return &mail.Message{
		Key:       InvitationMailKey(inv.CoachID, inv.Email),
		To:        inv.Email,
		ToName:    inv.Name,
		Subject:   d.Coach + " invites you to work with them on " + d.Practice,
		Text:      mail.Render(inviteText, d),
		HTML:      mail.Render(inviteHTML, d),
		CreatedAt: inv.CreatedAt,
	}
}

// inviteMailData fills the invitation email's templates.
type inviteMailData struct{ Coach, Practice, Name, URL string }

// The invitation email, as text and as HTML (html/template escapes what
// the coach typed there).
var (
	inviteText = texttemplate.Must(texttemplate.New("text").Parse(`Hello{{if .Name}} {{.Name}}{{end}},

{{.Coach}} invites you to work with them on {{.Practice}}.
{{if .URL}}
Sign in to accept the invitation:
{{.URL}}
{{else}}
Sign in to {{.Practice}} to accept the invitation.
{{end}}
If you did not expect this email, you can ignore it: nothing happens until you accept.
`))
	inviteHTML = template.Must(template.New("html").Parse(`<!doctype html>
<html><body style="font-family: sans-serif; line-height: 1.5">
<p>Hello{{if .Name}} {{.Name}}{{end}},</p>
<p><strong>{{.Coach}}</strong> invites you to work with them on {{.Practice}}.</p>
{{if .URL}}<p><a href="{{.URL}}">Sign in to accept the invitation</a></p>
{{else}}<p>Sign in to {{.Practice}} to accept the invitation.</p>
{{end}}<p style="color: #666">If you did not expect this email, you can ignore it: nothing happens until you accept.</p>
</body></html>
`))
)
