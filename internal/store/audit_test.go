package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/audit"
	"rapport/internal/coaching"
	"rapport/internal/store"
)

// mustRecord keeps an entry straight in the store.
func mustRecord(t *testing.T, r audit.Recorder, e audit.Entry) int64 {
	t.Helper()
	if err := r.Record(context.Background(), &e); err != nil || e.ID == 0 {
		t.Fatalf("record %+v: %v", e, err)
	}
	return e.ID
}

// details are the details of rows, in order.
func details(rows []audit.Row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Detail
	}
	return out
}

// TestAuditEntries: entries come back newest first with the names and
// emails of the people they name; each filter keeps what it says; pages
// follow one another; someone deleted since keeps their number only.
func TestAuditEntries(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		admin := mustUser(t, db, "admin@example.com", app.RoleAdmin)
		coach := mustUser(t, db, "coach@example.com", app.RoleCoach)
		gone := mustUser(t, db, "gone@example.com", app.RoleClient)
		mustRecord(t, db, audit.Entry{At: t0, ActorID: coach.ID, Action: audit.SignedIn, SubjectID: coach.ID, Detail: "a"})
		mustRecord(t, db, audit.Entry{At: t0.Add(time.Hour), ActorID: admin.ID, Action: audit.RoleChanged, SubjectID: coach.ID, Detail: "b"})
		mustRecord(t, db, audit.Entry{At: t0.Add(2 * time.Hour), Action: audit.StatusChanged, SubjectID: gone.ID, Detail: "c"})
		mustRecord(t, db, audit.Entry{At: t0.Add(3 * time.Hour), ActorID: admin.ID, Action: audit.RolePinned, SubjectID: gone.ID, Detail: "d"})
		if _, err := db.Exec(ctx, `DELETE FROM users WHERE id = ?`, gone.ID); err != nil {
			t.Fatal(err)
		}
		all, err := db.AuditEntries(ctx, audit.Filter{Limit: 10})
		if err != nil || !slices.Equal(details(all), []string{"d", "c", "b", "a"}) {
			t.Fatalf("all: %v %v", details(all), err)
		}
		if b := all[2]; b.Actor.Email != admin.Email || b.Actor.Name != admin.Name || b.Subject.Email != coach.Email || !b.At.Equal(t0.Add(time.Hour)) {
			t.Errorf("names of b: %+v", b)
		}
		if c := all[1]; !c.Actor.System() || !c.Subject.Gone() || c.Subject.ID != gone.ID {
			t.Errorf("the system's entry on someone deleted: %+v", c)
		}
		for _, tc := range []struct {
			name string
			f    audit.Filter
			want []string
		}{
			{"actor", audit.Filter{ActorID: admin.ID}, []string{"d", "b"}},
			{"system", audit.Filter{System: true}, []string{"c"}},
			{"subject", audit.Filter{SubjectID: coach.ID}, []string{"b", "a"}},
			{"action", audit.Filter{Action: audit.SignedIn}, []string{"a"}},
			{"range", audit.Filter{From: t0.Add(time.Hour), To: t0.Add(3 * time.Hour)}, []string{"c", "b"}},
			{"together", audit.Filter{ActorID: admin.ID, SubjectID: gone.ID, From: t0}, []string{"d"}},
			{"second page", audit.Filter{Offset: 1, Limit: 2}, []string{"c", "b"}},
		} {
			if tc.f.Limit == 0 {
				tc.f.Limit = 10
			}
			got, err := db.AuditEntries(ctx, tc.f)
			if err != nil || !slices.Equal(details(got), tc.want) {
				t.Errorf("%s: %v %v, want %v", tc.name, details(got), err, tc.want)
			}
		}
	})
}

// TestAuditEntryGoesWithItsChange: an entry recorded in a transaction that
// fails is not kept, nor is the change; one that commits keeps both.
func TestAuditEntryGoesWithItsChange(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u := mustUser(t, db, "pat@example.com", app.RoleClient)
		boom := errors.New("boom")
		err := db.InTx(ctx, func(q coaching.Records) error {
			if err := q.PinRole(ctx, u.ID, true); err != nil {
				return err
			}
			if err := q.Record(ctx, &audit.Entry{At: t0, Action: audit.RolePinned, SubjectID: u.ID}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if got, _ := db.AuditEntries(ctx, audit.Filter{Limit: 10}); len(got) != 0 {
			t.Fatalf("a rolled back entry was kept: %+v", got)
		}
		if got, _ := db.UserByID(ctx, u.ID); got.RolePinned {
			t.Fatal("a rolled back pin was kept")
		}
	})
}
