package app

import (
	"context"
	"log/slog"
	"time"
)

// Lease is a named lease held across every server (store.DB), so that with
// several servers one at a time does a job.
type Lease interface {
	AcquireLease(ctx context.Context, name, holder string, until, now time.Time) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
}

// LeasedLoop runs a job's round every Every while its server holds the
// lease Name: at once, then each interval, until its context ends, when it
// gives the lease back so that another server takes over. A take of the
// lease lasts three rounds and is renewed each round. What a round reports
// is logged as Did (for instance "emails queued").
type LeasedLoop struct {
	Name   string
	Lease  Lease
	Holder string // this server in the lease (host/pid)
	Clock  Clock
	// Every is how often it runs (a minute by default).
	Every time.Duration
	// Job does one round's work and says how many things it did.
	Job func(ctx context.Context) (int, error)
	Did string
	Log *slog.Logger
}

// Run runs rounds until ctx ends, then gives the lease back.
func (l *LeasedLoop) Run(ctx context.Context) {
	l.logRound(ctx)
	Every(ctx, l.every(), l.logRound)
	if err := l.Lease.ReleaseLease(context.WithoutCancel(ctx), l.Name, l.Holder); err != nil {
		l.log().Warn(l.Name+": give the lease back", "err", err)
	}
}

// Round runs the job if this server holds (or takes) the lease and reports
// what it did; without the lease it does nothing.
func (l *LeasedLoop) Round(ctx context.Context) (int, error) {
	now := l.Clock.Now()
	held, err := l.Lease.AcquireLease(ctx, l.Name, l.Holder, now.Add(3*l.every()), now)
	if err != nil || !held {
		return 0, err
	}
	return l.Job(ctx)
}

func (l *LeasedLoop) logRound(ctx context.Context) {
	n, err := l.Round(ctx)
	if err != nil && ctx.Err() == nil {
		l.log().Warn(l.Name+": a round failed", "err", err)
	}
	if n > 0 {
		l.log().Info(l.Name, l.Did, n)
	}
}

func (l *LeasedLoop) every() time.Duration {
	if l.Every <= 0 {
		return time.Minute
	}
	return l.Every
}

func (l *LeasedLoop) log() *slog.Logger {
	if l.Log == nil {
		return slog.Default()
	}
	return l.Log
}
