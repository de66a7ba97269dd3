package config

import (
	"net"
	"strings"
)

// Alerts is where the operators are told when something needs them (the
// Skool sync failed, or its safety stop held): email through an SMTP
// server, and/or a webhook taking Slack-compatible JSON. The SMTP server
// is the practice's mail server too (Mail): SMTP_HOST alone sends the
// practice's emails, and ALERT_EMAILS adds the operators' alerts.
type Alerts struct {
	SMTPAddr     string // host:port; empty: no email
	SMTPUser     string
	SMTPPassword string
	From         string
	To           []string // the operators' addresses
	Webhook      string   // a Slack-compatible incoming webhook URL
}

var alertSettings = []Setting{
	{Name: "SMTP_HOST", Help: "the mail server the practice's emails and the alerts go through; none is sent when empty (they wait in the outbox)"},
	{Name: "SMTP_PORT", Default: "587", Help: "its port"},
	{Name: "SMTP_USER", Help: "the user to sign in to it as"},
	{Name: "SMTP_PASSWORD", Help: "its password", Secret: true},
	{Name: "ALERT_FROM", Help: "the alerts' sender address (default: MAIL_FROM, else SMTP_USER)"},
	{Name: "ALERT_EMAILS", Help: "the operators' addresses, comma-separated"},
	{Name: "ALERT_WEBHOOK_URL", Help: "a Slack-compatible incoming webhook for alerts"},
}

func init() { Settings = append(Settings, alertSettings...) }

// alerts reads the SMTP_ and ALERT_ settings.
func (r *reader) alerts() Alerts {
	a := Alerts{SMTPUser: r.str("SMTP_USER"), SMTPPassword: r.secret("SMTP_PASSWORD"), To: r.list("ALERT_EMAILS"),
		Webhook: r.str("ALERT_WEBHOOK_URL")}
	if host := r.str("SMTP_HOST"); host != "" {
		a.SMTPAddr = net.JoinHostPort(host, r.strOr("SMTP_PORT", "587"))
	}
	a.From = r.strOr("ALERT_FROM", r.strOr("MAIL_FROM", a.SMTPUser))
	r.httpURL("ALERT_WEBHOOK_URL", a.Webhook)
	switch {
	case len(a.To) > 0 && a.SMTPAddr == "":
		r.fail("SMTP_HOST", "required with ALERT_EMAILS: the mail server to send through")
	case len(a.To) > 0 && !strings.Contains(a.From, "@"):
		r.fail("ALERT_FROM", "required with ALERT_EMAILS (or an email address as MAIL_FROM or SMTP_USER): the alerts' sender")
	}
	return a
}
