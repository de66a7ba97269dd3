package store_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"rapport/internal/coaching"
	"rapport/internal/store"
)

// syncBuffer is a log destination the race detector accepts.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestUnreadableAppointmentIsLeftOut writes appointments that the program
// cannot hold straight into the database (a start in the year 10000 in
// UTC, an end past 9999, and on SQLite a time that is no time): the lists
// of their coach and client leave each one out and log it, and show the
// others, instead of failing whole.
func TestUnreadableAppointmentIsLeftOut(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var logs syncBuffer
		db.SetLogger(slog.New(slog.NewTextHandler(&logs, nil)))
		coach := mustUser(t, db, "coach@example.com", "coach")
		client := mustUser(t, db, "client@example.com", "client")
		bad := map[string]string{
			"10000-01-01T04:00:00.000000Z": "year 10000",
			"9999-12-31T22:00:00.000000Z":  "ends in the year 10000 (240 minutes)",
		}
		if db.Dialect.Name() == "sqlite" {
			bad["not a time"] = "no time at all"
		}
		good := mustAppt(t, db, coach, client, t0, "room-good-0000000000000000")
		i := 0
		for start := range bad {
			i++
			a := mustAppt(t, db, coach, client, t0.Add(time.Duration(i)*2*time.Hour), "room-bad-000000000000000"+string(rune('0'+i)))
			if _, err := db.Exec(ctx, `UPDATE appointments SET starts_at = ?, duration_minutes = 240 WHERE id = ?`, start, a.ID); err != nil {
				t.Fatalf("write %s: %v", bad[start], err)
			}
		}
		for name, f := range map[string]coaching.AppointmentFilter{
			"coach": {CoachID: coach.ID}, "client": {ClientID: client.ID}, "all": {}, "newest first": {Desc: true},
		} {
			f.Page = coaching.Page{Limit: 50}
			list, err := db.ListAppointments(ctx, f)
			if err != nil {
				t.Fatalf("%s: the list failed whole: %v", name, err)
			}
			if len(list) != 1 || list[0].ID != good.ID {
				t.Errorf("%s: %d appointments, want only the readable one", name, len(list))
			}
		}
		if n := strings.Count(logs.String(), "skip an unreadable appointment"); n != 4*len(bad) {
			t.Errorf("logged %d skips, want %d:\n%s", n, 4*len(bad), logs.String())
		}
	})
}
