package coaching

import (
	"context"
	"log/slog"
	"time"

	"rapport/internal/app"
)

// ReminderLease is the lease that lets one server at a time queue the
// reminders.
const ReminderLease = "reminders"

// Lease is a lease held across every server (store.DB).
type Lease interface {
	AcquireLease(ctx context.Context, name, holder string, until, now time.Time) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
}

// ReminderLoop queues the due reminders every Every while its server holds
// the lease "reminders", so that with several servers one does the work.
// The store's dedupe (one handled row per appointment, sequence and
// offset; one outbox row per key) is the last guard should two overlap.
type ReminderLoop struct {
	Service *Service
	Lease   Lease
	// Holder names this server in the lease (host/pid).
	Holder string
	// Every is how often it looks (a minute by default); a take of the
	// lease lasts three rounds, renewed each round.
	Every time.Duration
	Log   *slog.Logger
}

// Run queues the due reminders at once and then every Every until ctx
// ends; then it gives the lease back so that another server takes over.
func (l *ReminderLoop) Run(ctx context.Context) {
	l.logRound(ctx)
	app.Every(ctx, l.every(), l.logRound)
	if err := l.Lease.ReleaseLease(context.WithoutCancel(ctx), ReminderLease, l.Holder); err != nil {
		l.log().Warn("reminders: give the lease back", "err", err)
	}
}

// logRound runs a round and logs what happened.
func (l *ReminderLoop) logRound(ctx context.Context) {
	n, err := l.Round(ctx)
	if err != nil && ctx.Err() == nil {
		l.log().Warn("reminders: queue the due reminders", "err", err)
	}
	if n > 0 {
		l.log().Info("reminders: queued", "emails", n)
	}
}

// Round queues the due reminders if this server holds (or takes) the
// lease, and reports how many emails it queued; without the lease it does
// nothing.
func (l *ReminderLoop) Round(ctx context.Context) (int, error) {
	now := l.Service.Clock.Now()
	held, err := l.Lease.AcquireLease(ctx, ReminderLease, l.Holder, now.Add(3*l.every()), now)
	if err != nil || !held {
		return 0, err
	}
	return l.Service.SendDueReminders(ctx)
}

func (l *ReminderLoop) every() time.Duration {
	if l.Every <= 0 {
		return time.Minute
	}
	return l.Every
}

func (l *ReminderLoop) log() *slog.Logger {
	if l.Log == nil {
		return slog.Default()
	}
	return l.Log
}
