package config

import (
	"net"
	"strings"
)

// Alerts is where the operators are told when something needs them (the
// Skool sync failed, or its safety stop held): email through an SMTP
// server, and/or a webhook taking Slack-compatible JSON.
type Alerts struct {
	SMTPAddr     string // host:port; empty: no email
	SMTPUser     string
	SMTPPassword string
	From         string
	To           []string // the operators' addresses
	Webhook      string   // a Slack-compatible incoming webhook URL
}

var alertSettings = []Setting{
	{Name: "SMTP_HOST", Help: "the mail server alerts go through; no email when empty"},
	{Name: "SMTP_PORT", Default: "587", Help: "its port"},
	{Name: "SMTP_USER", Help: "the user to sign in to it as"},
	{Name: "SMTP_PASSWORD", Help: "its password", Secret: true},
	{Name: "ALERT_FROM", Help: "the alerts' sender address (default: SMTP_USER)"},
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
	a.From = r.strOr("ALERT_FROM", a.SMTPUser)
	r.httpURL("ALERT_WEBHOOK_URL", a.Webhook)
	switch {
	case a.SMTPAddr != "" && len(a.To) == 0:
		r.fail("ALERT_EMAILS", "required with SMTP_HOST: whom to tell")
	case a.SMTPAddr != "" && !strings.Contains(a.From, "@"):
		r.fail("ALERT_FROM", "required with SMTP_HOST (or an email address as SMTP_USER): the alerts' sender")
	case len(a.To) > 0 && a.SMTPAddr == "":
		r.fail("SMTP_HOST", "required with ALERT_EMAILS: the mail server to send through")
	}
	return a
}
