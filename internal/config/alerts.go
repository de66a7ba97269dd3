package config

import (
	"cmp"
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

// alertSettings are the alerts' environment variables; they go through
// the practice's SMTP server (mailSettings).
var alertSettings = []Setting{
	{Name: "ALERT_FROM", Help: "the alerts' sender address (default: MAIL_FROM, else SMTP_USER)"},
	{Name: "ALERT_EMAILS", Help: "the operators' addresses, comma-separated"},
	{Name: "ALERT_WEBHOOK_URL", Help: "a Slack-compatible incoming webhook for alerts"},
}

// alerts reads the SMTP_ and ALERT_ settings.
func (r *reader) alerts() Alerts {
	a := Alerts{SMTPUser: r.str("SMTP_USER"), SMTPPassword: r.secret("SMTP_PASSWORD"), To: r.list("ALERT_EMAILS"),
		Webhook: r.str("ALERT_WEBHOOK_URL")}
	if host := r.str("SMTP_HOST"); host != "" {
		a.SMTPAddr = net.JoinHostPort(host, r.value("SMTP_PORT"))
	}
	a.From = cmp.Or(r.str("ALERT_FROM"), r.str("MAIL_FROM"), a.SMTPUser)
	r.httpURL("ALERT_WEBHOOK_URL", a.Webhook)
	switch {
	case len(a.To) > 0 && a.SMTPAddr == "":
		r.fail("SMTP_HOST", "required with ALERT_EMAILS: the mail server to send through")
	case len(a.To) > 0 && !strings.Contains(a.From, "@"):
		r.fail("ALERT_FROM", "required with ALERT_EMAILS (or an email address as MAIL_FROM or SMTP_USER): the alerts' sender")
	}
	return a
}
