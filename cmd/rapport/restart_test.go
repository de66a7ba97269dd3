package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rapport/internal/coaching"
	"rapport/internal/config"
	"rapport/internal/porttest"
	"rapport/internal/practicetest"
	"rapport/internal/roomclient"
	"rapport/internal/server"
	"rapport/internal/store/storetest"
)

// TestNothingLostAcrossARestart sends 10,000 messages from three
// participants (coach, client and the AI seat) with a graceful restart of
// the server in the middle, and checks that every acknowledged message is
// stored exactly once and reached both other participants.
func TestNothingLostAcrossARestart(t *testing.T) {
	t.Parallel()
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) { nothingLost(t, dialect) })
	}
}

func nothingLost(t *testing.T, dialect string) {
	const total = 10_000
	vars := map[string]string{"PORT": strconv.Itoa(porttest.Free(t)), "RAPPORT_DATA_DIR": t.TempDir(), "DATABASE_URL": storetest.URL(t, dialect)}
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	start := func() *server.Main {
		m := &server.Main{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), DevToken: practicetest.DevToken,
			Tune: func(a *server.App) { // this test is about loss, not limits
				a.Rooms.ChatRate, a.Rooms.ChatBurst = 1e6, 1e6
				a.Signaling.FrameRate, a.Signaling.FrameBurst = 1e6, 1e6
			}}
		if err := m.Run(context.Background()); err != nil {
			t.Error(err)
		}
		return m
	}
	var current atomic.Pointer[server.Main]
	current.Store(start())
	defer func() { current.Load().Close() }()
	base := current.Load().URL()
	room := practicetest.BookRoom(t, base, "coach@example.com", "client@example.com")
	roomID, headers := room.RoomID, room.Seats()

	type seat struct {
		c    *roomclient.Client
		mu   sync.Mutex
		got  map[string]int // body -> times delivered
		sent []string
	}
	seats := make([]*seat, 3)
	for i := range seats {
		s := &seat{got: map[string]int{}}
		c, err := roomclient.Dial(t.Context(), roomclient.Options{BaseURL: base, RoomID: roomID, Header: headers[i],
			OnMessage: func(msg roomclient.Message) { s.mu.Lock(); s.got[msg.Body]++; s.mu.Unlock() }})
		if err != nil {
			t.Fatalf("seat %d: %v", i, err)
		}
		s.c = c
		defer c.Close()
		seats[i] = s
	}

	var acked atomic.Int64
	restarted := make(chan struct{})
	go func() { // restart gracefully once half the messages are acknowledged
		for acked.Load() < total/2 {
			time.Sleep(time.Millisecond)
		}
		current.Load().Close()
		current.Store(start())
		close(restarted)
	}()
	var wg sync.WaitGroup
	for i, s := range seats {
		for w := range 4 { // four senders per seat
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Seat i sends the messages n with n%3 == i; its worker w
				// every fourth of those.
				for n := i + 3*w; n < total; n += 12 {
					body := fmt.Sprintf("seat %d message %d", i, n)
					ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					_, err := s.c.Send(ctx, body)
					cancel()
					if err != nil {
						t.Errorf("%s: %v", body, err)
						return
					}
					s.mu.Lock()
					s.sent = append(s.sent, body)
					s.mu.Unlock()
					acked.Add(1)
				}
			}()
		}
	}
	wg.Wait()
	<-restarted
	if acked.Load() != total {
		t.Fatalf("%d messages acknowledged, want %d", acked.Load(), total)
	}
	// Every participant gets every other participant's messages, once.
	deadline := time.Now().Add(20 * time.Second)
	for i, s := range seats {
		want := 0
		for j, o := range seats {
			if j != i {
				want += len(o.sent)
			}
		}
		for {
			s.mu.Lock()
			n := len(s.got)
			s.mu.Unlock()
			if n == want || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		for j, o := range seats {
			if j == i {
				continue
			}
			for _, body := range o.sent {
				if got := s.got[body]; got != 1 {
					t.Fatalf("seat %d got %q %d times", i, body, got)
				}
			}
		}
	}
	assertStoredOnce(t, current.Load(), total)
}

// assertStoredOnce checks the one call session holds total messages with
// distinct client IDs and gapless-enough sequence numbers.
func assertStoredOnce(t *testing.T, m *server.Main, total int) {
	t.Helper()
	list, err := m.DB.ListAppointments(context.Background(), appointmentsOfAll())
	if err != nil || len(list) != 1 {
		t.Fatalf("appointments: %v %v", list, err)
	}
	sessions, _ := m.DB.ListCallSessions(context.Background(), list[0].ID)
	if len(sessions) != 1 {
		t.Fatalf("the restart made %d sessions; the call must go on in one", len(sessions))
	}
	msgs, err := m.DB.MessagesAfter(context.Background(), sessions[0].ID, 0, 2*total)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, msg := range msgs {
		if ids[msg.ClientID] {
			t.Fatalf("client ID %s stored twice", msg.ClientID)
		}
		ids[msg.ClientID] = true
	}
	if len(msgs) != total {
		t.Fatalf("stored %d messages, want %d", len(msgs), total)
	}
}

func appointmentsOfAll() coaching.AppointmentFilter {
	return coaching.AppointmentFilter{Page: coaching.Page{Limit: 10}}
}
