package room_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/chat"
	"rapport/internal/coaching"
	"rapport/internal/notify"
	"rapport/internal/protocol"
	"rapport/internal/room"
	"rapport/internal/store/storetest"
)

// countConn counts frames and throws them away.
type countConn struct{ n atomic.Int64 }

func (c *countConn) Send(f *protocol.Frame) bool { f.Bytes(); c.n.Add(1); return true }
func (c *countConn) Close(string)                {}

// memWriter "stores" at once, numbering messages, so that the benchmark
// measures the room and not the database (BenchmarkWriter does that).
type memWriter struct{ id atomic.Int64 }

func (w *memWriter) Submit(m *chat.Message, done func(*chat.Message, error)) {
	m.ID = w.id.Add(1)
	done(m, nil)
}

// BenchmarkRoomChat is the room's per-message path: take a message, hand it
// to the writer, acknowledge it and fan it out, encoded once, to two others.
func BenchmarkRoomChat(b *testing.B) {
	db := storetest.MustOpen(b, "sqlite")
	clock := app.SystemClock{}
	svc := coaching.NewService(db, clock)
	ctx := context.Background()
	coach, _ := svc.DevSignIn(ctx, "coach@example.com", "Cora", app.RoleCoach)
	client, _ := svc.DevSignIn(ctx, "client@example.com", "Cleo", app.RoleClient)
	db.LinkCoachClient(ctx, coach.ID, client.ID, clock.Now())
	appt, _ := svc.Book(app.WithActor(ctx, coach.Actor()), coaching.Booking{ClientID: client.ID,
		StartsAt: clock.Now().Add(time.Hour), Duration: time.Hour})
	m := room.NewManager(svc, db, &memWriter{}, notify.NewHub(), clock, slog.New(slog.NewTextHandler(io.Discard, nil)))
	m.ChatRate, m.ChatBurst = 1e9, 1e9
	sender, a, c := &countConn{}, &countConn{}, &countConn{}
	h, _ := m.Join(appt, coach, sender, protocol.JoinRequest{}, "j")
	m.Join(appt, client, a, protocol.JoinRequest{}, "j")
	m.Join(appt, room.AIUser(), c, protocol.JoinRequest{}, "j")
	startA, startC := a.n.Load(), c.n.Load()
	b.ReportAllocs()
	i := 0
	caughtUp := func() {
		for a.n.Load()-startA < int64(i) || c.n.Load()-startC < int64(i) {
			time.Sleep(50 * time.Microsecond)
		}
	}
	for b.Loop() {
		i++
		h.Chat("r", fmt.Sprint("c", i), "How did the exercise go this week?")
		if i%256 == 0 {
			caughtUp() // timed: the room keeps up, not just the queue
		}
	}
	caughtUp()
}
