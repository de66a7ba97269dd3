package conversation

import (
	"context"
	"fmt"
	htmltemplate "html/template"
	"strconv"
	"strings"
	"text/template"
	"time"

	"rapport/internal/coaching"
	"rapport/internal/mail"
)

// Default timing of the unread-message emails.
const (
	DefaultNoticeAfter = 15 * time.Minute
	DefaultNoticeEvery = time.Hour
)

// MailUnread is the kind of the unread-message email.
const MailUnread = coaching.MailUnreadMessages

// SendUnreadNotices queues an email to each person with a message unread
// for NoticeAfter, at most one per conversation every NoticeEvery, and
// returns how many it queued. The email says who wrote and links to the
// conversation; it never carries what was written.
func (s *Service) SendUnreadNotices(ctx context.Context) (int, error) {
	after, every := s.NoticeAfter, s.NoticeEvery
	if after <= 0 {
		after = DefaultNoticeAfter
	}
	if every <= 0 {
		every = DefaultNoticeEvery
	}
	now := s.Clock.Now().UTC()
	due, err := s.Store.UnreadNotices(ctx, now, after, every)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, n := range due {
		if err := ctx.Err(); err != nil {
			return sent, err
		}
		if err := s.Store.NoticeSent(ctx, n, now, s.unreadEmail(n, now)); err != nil {
			return sent, fmt.Errorf("the unread notice of conversation %d: %w", n.Conversation.ID, err)
		}
		sent++
	}
	return sent, nil
}

// unreadEmail is the notice of n.
func (s *Service) unreadEmail(n *UnreadNotice, at time.Time) *mail.Message {
	d := unreadData{From: mail.OneLine(n.From.DisplayName()), Name: mail.OneLine(n.To.DisplayName()), Unread: n.Unread,
		Practice: mail.OneLine(s.Practice.Name), URL: s.conversationURL(n.Conversation.ID), Choices: s.choicesURL()}
	if d.Practice == "" {
		d.Practice = "Rapport"
	}
	subject := d.From + " sent you a message"
	if n.Unread > 1 {
		subject = fmt.Sprintf("%s sent you %d messages", d.From, n.Unread)
	}
	about := strconv.FormatInt(n.Conversation.ID, 10) + "/" + strconv.FormatInt(n.To.ID, 10)
	return &mail.Message{
		Key:       mail.Key(MailUnread, about, int(n.Seq)),
		To:        n.To.Email,
		ToName:    n.To.Name,
		Subject:   subject + " on " + d.Practice,
		Text:      mail.Render(unreadText, d),
		HTML:      mail.Render(unreadHTML, d),
		CreatedAt: at,
	}
}

// choicesURL links to the profile's email choices, or is "".
func (s *Service) choicesURL() string {
	if s.Practice.URL == "" {
		return ""
	}
	return strings.TrimSuffix(s.Practice.URL, "/") + "/profile#emails"
}

// conversationURL links to a conversation, or is "" when the server's
// address is unknown.
func (s *Service) conversationURL(id int64) string {
	if s.Practice.URL == "" {
		return ""
	}
	return strings.TrimSuffix(s.Practice.URL, "/") + "/messages/" + strconv.FormatInt(id, 10)
}

type unreadData struct {
	From, Name, Practice, URL string
	Choices                   string // the profile's email choices, or ""
	Unread                    int
}

var (
	unreadText = template.Must(template.New("text").Parse(`Hello {{.Name}},

{{.From}} sent you {{if eq .Unread 1}}a message{{else}}{{.Unread}} messages{{end}} on {{.Practice}}.
{{if .URL}}
Read and answer: {{.URL}}
{{end}}{{if .Choices}}
You get this email because a message waited 15 minutes. Choose your emails: {{.Choices}}
{{end}}
-- 
{{.Practice}}
`))
	unreadHTML = htmltemplate.Must(htmltemplate.New("html").Parse(`<p>Hello {{.Name}},</p>
<p>{{.From}} sent you {{if eq .Unread 1}}a message{{else}}{{.Unread}} messages{{end}} on {{.Practice}}.</p>
{{if .URL}}<p><a href="{{.URL}}">Read and answer</a></p>{{end}}
{{if .Choices}}<p style="color:#666">You get this email because a message waited 15 minutes. <a href="{{.Choices}}">Choose your emails</a>.</p>{{end}}
<p style="color:#666">{{.Practice}}</p>
`))
)
