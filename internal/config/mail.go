package config

import (
	"net/mail"
	"strings"
)

// Mail is how the practice's own emails (invitations, and later
// reminders) leave: through the same SMTP server as the operators'
// alerts (SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD), from MAIL_FROM
// under the practice's name. Without SMTP_HOST they wait in the outbox.
type Mail struct {
	SMTPAddr     string // host:port; empty: nothing is sent
	SMTPUser     string
	SMTPPassword string
	From         string // the sender's address
	PracticeName string // the sender's name, and the practice's in emails
}

// Sends reports whether the practice's emails are sent.
func (m Mail) Sends() bool { return m.SMTPAddr != "" }

// mailSettings are the practice's mail server (the alerts' too) and its
// sender.
var mailSettings = []Setting{
	{Name: "SMTP_HOST", Help: "the mail server the practice's emails and the alerts go through; none is sent when empty (they wait in the outbox). STARTTLS when it offers it, implicit TLS on port 465"},
	{Name: "SMTP_PORT", Default: "587", Help: "its port"},
	{Name: "SMTP_USER", Help: "the user to sign in to it as; no authentication when empty"},
	{Name: "SMTP_PASSWORD", Help: "its password", Secret: true},
	{Name: "MAIL_FROM", Help: "the practice's emails' sender address (default: ALERT_FROM, else SMTP_USER); required with SMTP_HOST"},
	{Name: "PRACTICE_NAME", Default: "Rapport", Help: "the practice's name: the sender's name of its emails, and what they call it"},
}

// mail reads MAIL_FROM and PRACTICE_NAME; the server is the alerts'.
func (r *reader) mail(a Alerts) Mail {
	m := Mail{SMTPAddr: a.SMTPAddr, SMTPUser: a.SMTPUser, SMTPPassword: a.SMTPPassword,
		PracticeName: r.value("PRACTICE_NAME")}
	m.From = r.str("MAIL_FROM")
	if m.From == "" && bareAddress(a.From) {
		m.From = a.From
	}
	if strings.ContainsAny(m.PracticeName, "\r\n") {
		r.fail("PRACTICE_NAME", "must be on one line")
	}
	switch {
	case m.From != "" && !bareAddress(m.From):
		r.fail("MAIL_FROM", "%q is not an email address (like coach@example.com)", m.From)
	case m.SMTPAddr != "" && m.From == "":
		r.fail("MAIL_FROM", "required with SMTP_HOST: the address the practice's emails come from")
	}
	return m
}

// bareAddress reports whether s is an address alone (local@domain).
func bareAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
}
