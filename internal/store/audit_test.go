package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/audit"
	"rapport/internal/chat"
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

// TestRetentionDeletes: each delete takes at most its batch of the oldest
// rows made before the time; chat messages of an open call stay whatever
// their age; nothing newer goes.
func TestRetentionDeletes(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if n, err := db.DeleteTranscriptLinesBefore(ctx, t0, 10); n != 0 || err != nil {
			t.Fatalf("an empty table: %d %v", n, err)
		}
		coach, sessions := manySessions(t, db, 2)
		ended, open := sessions[0], sessions[1]
		cutoff := t0.Add(10 * time.Second)
		var msgs []*chat.Message
		for seq := int64(1); seq <= 15; seq++ { // 1-9 before the cutoff
			for _, s := range []*coaching.CallSession{ended, open} {
				msgs = append(msgs, msg(s, coach.ID, seq, fmt.Sprintf("c-%d-%d", s.ID, seq)))
			}
		}
		if err := db.AppendMessages(ctx, msgs); err != nil {
			t.Fatal(err)
		}
		if kept, err := db.EndCallSession(ctx, ended.ID, t0.Add(time.Minute)); err != nil || !kept {
			t.Fatalf("end the call: %v %v", kept, err)
		}
		for i := range 7 { // 0-4 before the cutoff
			l := &coaching.TranscriptLine{SessionID: ended.ID, SpeakerID: coach.ID, Body: "words", CreatedAt: t0.Add(time.Duration(i*2) * time.Second)}
			if err := db.AddTranscriptLine(ctx, l); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 4 { // 0-2 before the cutoff
			mustRecord(t, db, audit.Entry{At: t0.Add(time.Duration(i*4) * time.Second), Action: audit.SignedIn})
		}
		deletes := func(del func(context.Context, time.Time, int) (int, error), batch int) []int {
			var out []int
			for {
				n, err := del(ctx, cutoff, batch)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, n)
				if n < batch {
					return out
				}
			}
		}
		if got := deletes(db.DeleteChatMessagesBefore, 4); !slices.Equal(got, []int{4, 4, 1}) {
			t.Errorf("chat batches %v, want 4, 4, 1: the ended call's nine old messages", got)
		}
		if got := deletes(db.DeleteTranscriptLinesBefore, 2); !slices.Equal(got, []int{2, 2, 1}) {
			t.Errorf("transcript batches %v, want 2, 2, 1", got)
		}
		if got := deletes(db.DeleteAuditEntriesBefore, 5); !slices.Equal(got, []int{3}) {
			t.Errorf("audit batches %v, want 3", got)
		}
		if left, _ := db.MessagesAfter(ctx, ended.ID, 0, 100); len(left) != 6 || left[0].Seq != 10 {
			t.Errorf("the ended call keeps %d messages from seq %d, want 6 from 10", len(left), left[0].Seq)
		}
		if left, _ := db.MessagesAfter(ctx, open.ID, 0, 100); len(left) != 15 {
			t.Errorf("the open call keeps %d messages, want all 15", len(left))
		}
		if left, _ := db.TranscriptLines(ctx, ended.ID, 0, 100); len(left) != 2 || !left[0].CreatedAt.Equal(cutoff) {
			t.Errorf("transcript left %+v", left)
		}
		if left, _ := db.AuditEntries(ctx, audit.Filter{Limit: 10}); len(left) != 1 {
			t.Errorf("audit entries left %d, want 1", len(left))
		}
	})
}
