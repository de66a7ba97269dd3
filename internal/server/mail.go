package server

import (
	"rapport/internal/app"
	"rapport/internal/calendar"
	"rapport/internal/coaching"
	"rapport/internal/mail/outbox"
)

// mail names the practice in its emails, gives the appointment emails
// their calendar invitations, and makes the outbox's sender
// when an SMTP server is set. Without one the emails wait in the outbox,
// nothing lost, and it says once how to send them.
func (a *App) mail() {
	c := a.Config.Mail
	a.Service.Practice = coaching.Practice{Name: c.PracticeName, URL: a.publicURL()}
	a.Intake.Practice = a.Service.Practice
	a.Service.Invites = calendar.Inviter{UIDDomain: coaching.UIDDomain(a.Config.PublicURL)}.Write
	if !c.Sends() {
		hint := ""
		if a.Config.DevSignIn() {
			hint = "; meanwhile /dev/mail on this machine shows them"
		}
		a.log.Info("the practice's emails are not sent: they wait in the outbox until SMTP_HOST and MAIL_FROM (with SMTP_PORT, SMTP_USER, SMTP_PASSWORD) name a mail server" + hint)
		return
	}
	a.mailer = &outbox.Sender{Store: a.DB, SMTP: outbox.SMTP{Addr: c.SMTPAddr, User: c.SMTPUser, Password: c.SMTPPassword},
		From: c.From, FromName: c.PracticeName, Holder: leaseHolder("mail"), Clock: a.clock, Log: a.log}
	a.log.Info("the practice's emails go out through SMTP, from one server at a time", "server", c.SMTPAddr, "from", c.From)
}

// reminders is the loop that queues the reminders before sessions, on
// one server at a time (the lease "reminders"). It runs with or without
// SMTP: without, the reminders wait in the outbox like every email.
func (a *App) reminders() *app.LeasedLoop {
	return coaching.ReminderLoop(a.Service, a.DB, leaseHolder("reminders"), a.log)
}

// publicURL is the server's address as people reach it: PUBLIC_URL, else
// the address it listens on.
func (a *App) publicURL() string {
	if a.Config.PublicURL != "" {
		return a.Config.PublicURL
	}
	return "http://" + a.Config.Addr()
}
