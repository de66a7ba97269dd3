package audit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"rapport/internal/app"
)

// Keeper is what Retention deletes through (store.DB). Each Delete call
// deletes at most limit of the oldest rows made before before, in a
// transaction of its own, and reports how many it deleted.
type Keeper interface {
	Recorder
	// DeleteChatMessagesBefore deletes room chat messages of calls that
	// have ended.
	DeleteChatMessagesBefore(ctx context.Context, before time.Time, limit int) (int, error)
	// DeleteConversationMessagesBefore deletes messages between coaches
	// and clients, with their files.
	DeleteConversationMessagesBefore(ctx context.Context, before time.Time, limit int) (int, error)
	// DeleteTranscriptLinesBefore deletes lines the AI heard in calls.
	DeleteTranscriptLinesBefore(ctx context.Context, before time.Time, limit int) (int, error)
	// DeleteAuditEntriesBefore deletes the log's own entries.
	DeleteAuditEntriesBefore(ctx context.Context, before time.Time, limit int) (int, error)
}

// DefaultBatch is how many rows one of Retention's transactions deletes
// unless told otherwise: a few milliseconds of SQLite's only writer, so
// that the chat's messages never wait long behind a large deletion.
const DefaultBatch = 500

// Retention deletes what the practice keeps no longer than its settings
// say (RETENTION_CHAT, RETENTION_TRANSCRIPTS, AUDIT_RETENTION), in bounded
// batches, and records what it deleted, in numbers only.
type Retention struct {
	Store Keeper
	Clock app.Clock
	// Chat, Transcripts and Audit are how long chat messages (a room's
	// and a conversation's, with its files), the AI's transcript lines and
	// the log's entries are kept; 0 keeps them forever.
	Chat, Transcripts, Audit time.Duration
	// Batch is the most rows one transaction deletes; 0 is DefaultBatch.
	Batch int
}

// Deleted counts what a run deleted.
type Deleted struct {
	ChatMessages, ConversationMessages, TranscriptLines, AuditEntries int
}

// kind is one sort of data that Retention keeps for a time.
type kind struct {
	name  string
	keep  time.Duration
	del   func(ctx context.Context, before time.Time, limit int) (int, error)
	count *int
}

// Apply deletes, once, what is older than its time, and records
// RetentionApplied with the counts (also of a run an error stopped: what it
// deleted is gone all the same).
func (r *Retention) Apply(ctx context.Context) (Deleted, error) {
	now := r.Clock.Now()
	var d Deleted
	var err error
	kinds := r.kinds(&d)
	for _, k := range kinds {
		if k.keep <= 0 {
			continue
		}
		if *k.count, err = r.sweep(ctx, k.del, now.Add(-k.keep)); err != nil {
			err = fmt.Errorf("delete %s: %w", k.name, err)
			break
		}
	}
	rerr := Record(context.WithoutCancel(ctx), r.Store, r.Clock, RetentionApplied, 0, describe(kinds, err))
	if rerr != nil {
		rerr = fmt.Errorf("record the retention's run: %w", rerr)
	}
	return d, errors.Join(err, rerr)
}

// kinds are the sorts of data, counted into d.
func (r *Retention) kinds(d *Deleted) []kind {
	return []kind{
		{"chat messages", r.Chat, r.Store.DeleteChatMessagesBefore, &d.ChatMessages},
		{"conversation messages", r.Chat, r.Store.DeleteConversationMessagesBefore, &d.ConversationMessages},
		{"transcript lines", r.Transcripts, r.Store.DeleteTranscriptLinesBefore, &d.TranscriptLines},
		{"audit entries", r.Audit, r.Store.DeleteAuditEntriesBefore, &d.AuditEntries},
	}
}

// sweep deletes batch after batch until a batch comes back short.
func (r *Retention) sweep(ctx context.Context, del func(context.Context, time.Time, int) (int, error), before time.Time) (int, error) {
	batch := r.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n, err := del(ctx, before, batch)
		total += n
		if err != nil || n < batch {
			return total, err
		}
	}
}

// describe is the run's entry: counts and ages, never content.
func describe(kinds []kind, err error) string {
	parts := make([]string, 0, len(kinds))
	for _, k := range kinds {
		if k.keep <= 0 {
			parts = append(parts, k.name+" kept forever")
			continue
		}
		parts = append(parts, fmt.Sprintf("%d %s older than %s deleted", *k.count, k.name, days(k.keep)))
	}
	s := strings.Join(parts, "; ")
	if err != nil {
		s += "; stopped early by an error, the rest goes next night"
	}
	return s
}

// KeptFor says how long a retention keeps something, for people:
// "forever" (0), "365 days", or a span that is not whole days as Go writes
// it.
func KeptFor(d time.Duration) string {
	if d <= 0 {
		return "forever"
	}
	return days(d)
}

// days writes a whole number of days as such, other spans as Go does.
func days(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d == day:
		return "1 day"
	case d%day == 0:
		return fmt.Sprintf("%d days", d/day)
	}
	return d.String()
}

// Lease keeps the nightly run to one server at a time (store.DB).
type Lease interface {
	AcquireLease(ctx context.Context, name, holder string, until, now time.Time) (bool, error)
}

// leasePrefix names the lease of a night's run after its time, so that
// every server asks for the same one and only its taker runs that night;
// it is kept for a day, not given back, so that a server that asks later
// finds it taken.
const (
	leasePrefix = "retention "
	leaseFor    = 24 * time.Hour
)

// Nightly runs a Retention once a night, at the time Next gives, on one
// server at a time. Tick drives it: Loop calls it every minute, tests
// with their own clock; one tick at a time.
type Nightly struct {
	Retention *Retention
	Lease     Lease
	Holder    string // this server's name in the lease (host/pid)
	// Next is the first run time after a time (config.Retention.NextRun).
	Next func(after time.Time) time.Time
	Log  *slog.Logger

	mu   sync.Mutex
	next time.Time // the next run; zero before the first tick
}

// Due is when the next run is (zero before the first tick).
func (n *Nightly) Due() time.Time {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.next
}

// Tick runs the retention if it is due at now and this server takes the
// night's lease; it reports whether it ran. The first tick only schedules,
// so that a server's start deletes nothing.
func (n *Nightly) Tick(ctx context.Context, now time.Time) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.next.IsZero() {
		n.next = n.Next(now)
		return false
	}
	if now.Before(n.next) {
		return false
	}
	ok, err := n.Lease.AcquireLease(ctx, leasePrefix+n.next.UTC().Format(time.RFC3339), n.Holder, now.Add(leaseFor), now)
	if err != nil {
		n.log().Warn("retention: the lease could not be read; trying again", "err", err)
		return false
	}
	n.next = n.Next(now)
	if !ok {
		n.log().Info("retention: another server runs tonight's")
		return false
	}
	d, err := n.Retention.Apply(ctx)
	if err != nil && ctx.Err() == nil {
		n.log().Error("retention stopped early", "err", err)
	}
	n.log().Info("retention applied", "chat_messages", d.ChatMessages,
		"conversation_messages", d.ConversationMessages, "transcript_lines", d.TranscriptLines,
		"audit_entries", d.AuditEntries, "next", n.next)
	return true
}

// Loop ticks every minute until ctx ends.
func (n *Nightly) Loop(ctx context.Context) {
	n.Tick(ctx, n.Retention.Clock.Now())
	app.Every(ctx, time.Minute, func(ctx context.Context) { n.Tick(ctx, n.Retention.Clock.Now()) })
}

func (n *Nightly) log() *slog.Logger {
	if n.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return n.Log
}
