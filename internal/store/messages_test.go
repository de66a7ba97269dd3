package store_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/chat"
	"rapport/internal/coaching"
	"rapport/internal/proc"
	"rapport/internal/store"
	"rapport/internal/store/storetest"
)

// mustSession makes a coach, a client, an appointment and an open session.
func mustSession(t testing.TB, db *store.DB) (*coaching.User, *coaching.CallSession) {
	t.Helper()
	coach, sessions := manySessions(t, db, 1)
	return coach, sessions[0]
}

func msg(s *coaching.CallSession, sender int64, seq int64, clientID string) *chat.Message {
	return &chat.Message{SessionID: s.ID, SenderID: sender, Kind: chat.KindText, Body: fmt.Sprintf("hello %d", seq),
		Seq: seq, ClientID: clientID, CreatedAt: t0.Add(time.Duration(seq) * time.Second)}
}

func TestAppendMessages(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		coach, s := mustSession(t, db)
		var batch []*chat.Message
		for i := int64(1); i <= 250; i++ { // more than one INSERT statement
			batch = append(batch, msg(s, coach.ID, i, fmt.Sprintf("c-%d", i)))
		}
		batch = append(batch, &chat.Message{SessionID: s.ID, Kind: chat.KindSystem, Body: "call started", Seq: 251, CreatedAt: t0})
		if err := db.AppendMessages(ctx, batch); err != nil {
			t.Fatal(err)
		}
		if batch[0].ID == 0 || batch[249].ID == 0 || batch[250].ID == 0 {
			t.Fatalf("ids not set: %+v %+v", batch[0], batch[250])
		}
		stored, _ := db.MessagesAfter(ctx, s.ID, 0, 300)
		if len(stored) != len(batch) {
			t.Fatalf("stored %d of %d", len(stored), len(batch))
		}
		for i, m := range stored { // each chunk's IDs reached its own messages
			if m.ID != batch[i].ID || m.Seq != batch[i].Seq {
				t.Fatalf("message %d: stored id %d seq %d, given id %d seq %d", i, m.ID, m.Seq, batch[i].ID, batch[i].Seq)
			}
		}
		ids, err := db.ClientIDs(ctx, s.ID)
		c7 := slices.IndexFunc(ids, func(id chat.SentID) bool { return id.ClientID == "c-7" })
		if err != nil || len(ids) != 250 || c7 < 0 || ids[c7] != (chat.SentID{SenderID: coach.ID, ClientID: "c-7", Seq: 7}) {
			t.Fatalf("client ids: %d, c-7 at %d, %v", len(ids), c7, err)
		}
		db.AppendMessages(ctx, []*chat.Message{msg(s, coach.ID, 253, "c-253")})
		last, err := db.LastSeq(ctx, s.ID)
		if err != nil || last != 253 {
			t.Fatalf("last seq %d %v", last, err)
		}
		after, _ := db.MessagesAfter(ctx, s.ID, 245, 5)
		if len(after) != 5 || after[0].Seq != 246 || after[4].Seq != 250 || after[0].SenderID != coach.ID || after[0].ClientID != "c-246" {
			t.Fatalf("after 245: %+v", after)
		}
		before, _ := db.MessagesBefore(ctx, s.ID, 0, 3)
		if len(before) != 3 || before[0].Seq != 250 || before[1].Seq != 251 || before[2].Seq != 253 ||
			before[1].SenderID != 0 || before[1].Kind != chat.KindSystem {
			t.Fatalf("newest 3: %+v", before)
		}
		older, _ := db.MessagesBefore(ctx, s.ID, 3, 10)
		if len(older) != 2 || older[0].Seq != 1 || !older[0].CreatedAt.Equal(t0.Add(time.Second)) {
			t.Fatalf("before 3: %+v", older)
		}
	})
}

func TestAppendMessagesIsAllOrNothing(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		coach, s := mustSession(t, db)
		db.AppendMessages(ctx, []*chat.Message{msg(s, coach.ID, 1, "a")})
		// seq 1 again under another client ID breaks the unique seq: the
		// whole batch must fail, and nothing of it stay.
		err := db.AppendMessages(ctx, []*chat.Message{msg(s, coach.ID, 2, "b"), msg(s, coach.ID, 1, "c")})
		if app.ErrorCode(err) != app.ECONFLICT {
			t.Fatalf("seq clash: %v", err)
		}
		if last, _ := db.LastSeq(ctx, s.ID); last != 1 {
			t.Fatalf("half a batch stayed: last seq %d", last)
		}
	})
}

func TestWriterBatchesInOrder(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		coach, s := mustSession(t, db)
		w := chat.NewWriter(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
		const n = 2000
		var mu sync.Mutex
		var order []int64
		var wg sync.WaitGroup
		wg.Add(n)
		for i := int64(1); i <= n; i++ {
			w.Submit(msg(s, coach.ID, i, fmt.Sprint(i)), func(m *chat.Message, err error) {
				if err != nil || m.ID == 0 {
					t.Errorf("message %d: %v", m.Seq, err)
				}
				mu.Lock()
				order = append(order, m.Seq)
				mu.Unlock()
				wg.Done()
			})
		}
		wg.Wait()
		for i, seq := range order {
			if seq != int64(i+1) {
				t.Fatalf("callback %d was for seq %d", i, seq)
			}
		}
		w.Close()
		var got error
		w.Submit(msg(s, coach.ID, n+1, "late"), func(_ *chat.Message, err error) { got = err })
		if got != chat.ErrClosed {
			t.Fatalf("after close: %v", got)
		}
		if last, _ := db.LastSeq(context.Background(), s.ID); last != n {
			t.Fatalf("stored up to %d", last)
		}
	})
}

// BenchmarkWriter stores messages through the batching writer, as rooms do:
// many submitters, one transaction per batch.
func BenchmarkWriter(b *testing.B) {
	for _, d := range []string{"sqlite", "postgres"} {
		b.Run(d, func(b *testing.B) {
			db := openBench(b, d)
			coach, s := mustSession(b, db)
			w := chat.NewWriter(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
			defer w.Close()
			var wg sync.WaitGroup
			b.ReportAllocs()
			i := int64(0)
			for b.Loop() {
				i++
				wg.Add(1)
				w.Submit(msg(s, coach.ID, i, ""), func(*chat.Message, error) { wg.Done() })
			}
			wg.Wait()
		})
	}
}

// TestWriterIsolatesABadMessage: one message that cannot be stored (its
// session is gone) fails alone; the rest of its batch is stored.
func TestWriterIsolatesABadMessage(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		coach, s := mustSession(t, db)
		w := chat.NewWriter(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
		defer w.Close()
		w.Linger = 50 * time.Millisecond // so that all three share a batch
		bad := msg(s, coach.ID, 2, "bad")
		bad.SessionID = 9999
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i, m := range []*chat.Message{msg(s, coach.ID, 1, "a"), bad, msg(s, coach.ID, 3, "c")} {
			wg.Add(1)
			w.Submit(m, func(_ *chat.Message, err error) { errs[i] = err; wg.Done() })
		}
		wg.Wait()
		if errs[0] != nil || errs[1] == nil || errs[2] != nil {
			t.Fatalf("outcomes %v", errs)
		}
	})
}

func TestSweepEndsOnlyIdleCalls(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := app.NewFixedClock(t0)
		svc := coaching.NewService(db, clock)
		_, s := mustSession(t, db) // opened at t0
		a, _ := db.AppointmentByID(ctx, s.AppointmentID)
		clock.Advance(10 * time.Minute)
		if _, err := svc.OpenCall(ctx, a); err != nil { // a room takes it up again
			t.Fatal(err)
		}
		if n, err := svc.EndStaleCalls(ctx, t0.Add(5*time.Minute), nil); err != nil || n != 0 {
			t.Fatalf("a call just taken up was swept: %d %v", n, err)
		}
		if n, _ := svc.EndStaleCalls(ctx, t0.Add(11*time.Minute), func(int64) bool { return true }); n != 0 {
			t.Fatal("a live call was swept")
		}
		if n, err := svc.EndStaleCalls(ctx, t0.Add(11*time.Minute), nil); err != nil || n != 1 {
			t.Fatalf("the idle call was not swept: %d %v", n, err)
		}
	})
}

// BenchmarkAppendAcrossSessions stores batches as a busy server does: 50
// messages a batch, each from another of 1,000 live sessions, so that every
// message lands on its own page of the (session, seq) index. It reports the
// time per message and, on SQLite, the bytes the process wrote to storage
// per message (the log, mostly: this is what a busy chat costs the disk).
func BenchmarkAppendAcrossSessions(b *testing.B) {
	for _, d := range []string{"sqlite", "postgres"} {
		b.Run(d, func(b *testing.B) {
			db := openBench(b, d)
			_, sessions := manySessions(b, db, 1000)
			seqs := make([]int64, len(sessions))
			const batch = 50
			ctx := context.Background()
			next := 0
			written0, _ := proc.Written(os.Getpid())
			b.ReportAllocs()
			for b.Loop() {
				msgs := make([]*chat.Message, batch)
				for i := range msgs {
					k := next % len(sessions)
					next += 7 // rooms take turns, not in order
					seqs[k]++
					msgs[i] = msg(sessions[k], 0, seqs[k], fmt.Sprintf("c-%d", seqs[k]))
					msgs[i].Kind = chat.KindSystem
				}
				if err := db.AppendMessages(ctx, msgs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/message")
			if written1, ok := proc.Written(os.Getpid()); ok && d == "sqlite" {
				b.ReportMetric(float64(written1-written0)/float64(b.N*batch), "written-B/message")
			}
		})
	}
}

// manySessions makes a coach and a client and opens n calls of theirs,
// each of its own appointment, the first at t0.
func manySessions(t testing.TB, db *store.DB, n int) (*coaching.User, []*coaching.CallSession) {
	t.Helper()
	coach := mustUser(t, db, "coach@example.com", app.RoleCoach)
	client := mustUser(t, db, "client@example.com", app.RoleClient)
	out := make([]*coaching.CallSession, n)
	for i := range out {
		a := mustAppt(t, db, coach, client, t0.Add(time.Duration(i)*time.Hour), fmt.Sprintf("room-%028d", i))
		s, err := db.OpenCallSession(context.Background(), a.ID, t0)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = s
	}
	return coach, out
}

// TestCheckpointsLetTheLogStartOver: a writer that never pauses still gets
// its log copied and started over by Checkpoints, so that the log stays a
// fraction of what the writer wrote (SQLite restarts a log only once all of
// it is copied, which a checkpoint beside a busy writer never achieves).
func TestCheckpointsLetTheLogStartOver(t *testing.T) {
	logSize := func(checkpoints bool) int64 {
		db := storetest.MustOpen(t, "sqlite")
		_, sessions := manySessions(t, db, 200)
		ended, end := context.WithCancel(context.Background())
		end()
		db.Checkpoints(ended, time.Hour, func(err error) { t.Error(err) }) // truncates the log of the setup
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			if checkpoints {
				db.Checkpoints(ctx, 20*time.Millisecond, func(err error) { t.Error(err) })
			}
		}()
		seq := int64(0)
		for round := 0; round < 150; round++ { // 150 commits of 40 messages on 40 pages
			seq++
			var batch []*chat.Message
			for k := range 40 {
				batch = append(batch, msg(sessions[(round*40+k)%len(sessions)], 0, seq, ""))
				batch[k].Kind = chat.KindSystem
			}
			if err := db.AppendMessages(context.Background(), batch); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Millisecond)
		}
		st, err := os.Stat(db.Where + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		cancel()
		<-done
		return st.Size()
	}
	without, with := logSize(false), logSize(true)
	t.Logf("log without Checkpoints %d KiB, with %d KiB", without/1024, with/1024)
	if with*3 > without {
		t.Errorf("the log grew to %d KiB with Checkpoints, %d KiB without", with/1024, without/1024)
	}
}
