package coaching

import (
	"log/slog"

	"rapport/internal/app"
)

// ReminderLease is the lease that lets one server at a time queue the
// reminders.
const ReminderLease = "reminders"

// ReminderLoop queues the due reminders every minute while its server
// holds the lease "reminders", so that with several servers one does the
// work. The store's dedupe (one handled row per appointment, sequence and
// offset; one outbox row per key) is the last guard should two overlap.
func ReminderLoop(s *Service, lease app.Lease, holder string, log *slog.Logger) *app.LeasedLoop {
	return &app.LeasedLoop{Name: ReminderLease, Lease: lease, Holder: holder, Clock: s.Clock, Log: log,
		Job: s.SendDueReminders, Did: "emails"}
}
