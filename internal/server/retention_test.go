package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/audit"
	"rapport/internal/server/servertest"
)

// TestTheServerRunsTheRetention: the server's nightly retention follows
// the settings and runs at RETENTION_TIME by the server's clock, once.
func TestTheServerRunsTheRetention(t *testing.T) {
	clock := app.NewFixedClock(time.Date(2030, 3, 4, 3, 30, 0, 0, time.UTC))
	cfg := servertest.Config(t, map[string]string{"RETENTION_CHAT": "90d", "RETENTION_TIME": "03:45"})
	a := servertest.Build(t, servertest.Options{Config: cfg, Clock: clock})
	r := a.Retention.Retention
	if r.Chat != 90*24*time.Hour || r.Transcripts != 0 || r.Audit != 730*24*time.Hour {
		t.Fatalf("the retention %+v does not follow the settings", r)
	}
	ctx := context.Background()
	// The loop's first tick schedules; ticking before it would leave that
	// first tick to find the run due once the clock moves.
	for end := time.Now().Add(5 * time.Second); a.Retention.Due().IsZero() && time.Now().Before(end); {
		time.Sleep(5 * time.Millisecond)
	}
	if want := time.Date(2030, 3, 4, 3, 45, 0, 0, time.UTC); !a.Retention.Due().Equal(want) {
		t.Fatalf("due %v, want %v", a.Retention.Due(), want)
	}
	clock.Advance(20 * time.Minute)
	if !a.Retention.Tick(ctx, clock.Now()) || a.Retention.Tick(ctx, clock.Now()) {
		t.Fatal("the retention did not run once at its time")
	}
	rows, err := a.DB.AuditEntries(ctx, audit.Filter{Action: audit.RetentionApplied, Limit: 5})
	if err != nil || len(rows) != 1 || !strings.HasPrefix(rows[0].Detail, "0 chat messages older than 90 days deleted") {
		t.Fatalf("the run's entries %+v %v", rows, err)
	}
}
