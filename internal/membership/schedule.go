package membership

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"
)

// Lease keeps one run at a time across every node (store.DB).
type Lease interface {
	AcquireLease(ctx context.Context, name, holder string, until, now time.Time) (bool, error)
}

// Runner runs one sync (Syncer does).
type Runner interface {
	Run(ctx context.Context, o Options) (*Report, error)
}

// Scheduler runs the sync every day at a set time (with some jitter, so
// that the practice does not knock at the same second every day), one
// node at a time, retrying a failed run with backoff and telling the
// operators when it still fails or when the safety stop holds. Tick drives
// it: the server calls it twice a minute, tests with a fake clock.
type Scheduler struct {
	Runner Runner
	Lease  Lease
	Holder string // this node's name for the lease
	// Next is the first sync time after a time (config.Skool.NextSync).
	Next    func(after time.Time) time.Time
	Jitter  time.Duration // up to this much later than Next says
	Retries int           // tries after a failure (3)
	Backoff time.Duration // the first wait before one; doubled each time (5 minutes)
	// NoRetry says a failure must not be tried again (a challenge that
	// needs a human: retrying it would lock the account out).
	NoRetry func(error) bool
	Notify  Notifier
	Log     *slog.Logger

	next    time.Time // the next run
	slot    time.Time // the sync time it is for, before the jitter: the same on every node
	attempt int       // failed tries of the current run
}

// The lease of a night's run is named for its sync time, so that every
// node asks for the same one and only its taker runs (and retries) that
// night's sync; it is kept for a day, not given back, so that a node
// whose jitter comes later finds it taken.
const (
	leasePrefix = "skool-sync "
	leaseFor    = 24 * time.Hour
)

// Due is when the scheduler will run next (zero before its first tick).
func (s *Scheduler) Due() time.Time { return s.next }

// Tick runs the sync if it is due at now.
func (s *Scheduler) Tick(ctx context.Context, now time.Time) {
	if s.next.IsZero() {
		s.schedule(now)
		return
	}
	if now.Before(s.next) {
		return
	}
	ok, err := s.Lease.AcquireLease(ctx, leasePrefix+s.slot.UTC().Format(time.RFC3339), s.Holder, now.Add(leaseFor), now)
	if err != nil {
		s.log().Warn("skool sync: the lease could not be read", "err", err)
		return // try again at the next tick
	}
	if !ok {
		s.log().Info("skool sync: another node is running it")
		s.schedule(now)
		return
	}
	_, err = s.Runner.Run(ctx, Options{})
	s.ended(ctx, now, err)
}

// ended decides what comes after a run.
func (s *Scheduler) ended(ctx context.Context, now time.Time, err error) {
	switch {
	case err == nil:
		s.attempt = 0
		s.schedule(now)
	case errors.Is(err, ErrStopped), errors.Is(err, ErrBusy):
		s.attempt = 0 // the syncer told the operators of a stop; a busy sync is another's run
		s.log().Warn("skool sync did not change anything", "err", err)
		s.schedule(now)
	case s.attempt < s.retries() && (s.NoRetry == nil || !s.NoRetry(err)):
		s.attempt++
		s.next = now.Add(s.backoff() << (s.attempt - 1))
		s.log().Warn("skool sync failed; trying again", "attempt", s.attempt, "at", s.next, "err", err)
	default:
		s.alert(ctx, "Skool sync failed", err)
		s.attempt = 0
		s.schedule(now)
	}
}

// schedule sets the next run: the next sync time after now, plus jitter.
func (s *Scheduler) schedule(now time.Time) {
	s.slot = s.Next(now)
	s.next = s.slot
	if s.Jitter > 0 {
		s.next = s.next.Add(rand.N(s.Jitter))
	}
	s.log().Info("skool sync scheduled", "at", s.next)
}

func (s *Scheduler) alert(ctx context.Context, subject string, err error) {
	s.log().Error(subject, "err", err)
	if s.Notify == nil {
		return
	}
	body := fmt.Sprintf("%v\n\nThe next sync is at %s. The roles are as the last good run left them.", err, s.Next(time.Now()).Format(time.RFC1123))
	if nerr := s.Notify.Notify(ctx, subject, body); nerr != nil {
		s.log().Error("skool sync: the operators could not be told", "err", nerr)
	}
}

func (s *Scheduler) retries() int {
	if s.Retries <= 0 {
		return 3
	}
	return s.Retries
}

func (s *Scheduler) backoff() time.Duration {
	if s.Backoff <= 0 {
		return 5 * time.Minute
	}
	return s.Backoff
}

func (s *Scheduler) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// Loop ticks the scheduler every 30 seconds until ctx ends.
func (s *Scheduler) Loop(ctx context.Context) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	s.Tick(ctx, time.Now())
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			s.Tick(ctx, now)
		}
	}
}
