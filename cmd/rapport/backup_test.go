package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"rapport/internal/config"
	"rapport/internal/porttest"
	"rapport/internal/practicetest"
	"rapport/internal/roomclient"
	"rapport/internal/server"
)

// TestBackupUnderChatLoad backs up a server while two people chat as fast
// as they can, restores the archive into a new directory, starts a server
// on it, and finds there every message acknowledged before the backup
// began. A second restore into the now full directory is refused.
func TestBackupUnderChatLoad(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	m := startOn(t, dataDir)
	base := m.URL()
	room := practicetest.BookRoom(t, base, "coach@example.com", "client@example.com")
	roomID, headers := room.RoomID, room.Seats()

	var mu sync.Mutex
	var acked []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i, h := range headers[:2] {
		c, err := roomclient.Dial(t.Context(), roomclient.Options{BaseURL: base, RoomID: roomID, Header: h})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				body := fmt.Sprintf("seat %d message %d", i, n)
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				_, err := c.Send(ctx, body)
				cancel()
				if err != nil {
					t.Errorf("%s: %v", body, err)
					return
				}
				mu.Lock()
				acked = append(acked, body)
				mu.Unlock()
			}
		}()
	}
	waitUntil(t, 30*time.Second, "300 messages acknowledged", func() bool { mu.Lock(); defer mu.Unlock(); return len(acked) >= 300 })
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()

	file := filepath.Join(t.TempDir(), "practice.tar.gz")
	code, out, errs := runCLI(t, map[string]string{"RAPPORT_DATA_DIR": dataDir, "DATABASE_URL": ""}, "backup", file)
	close(stop)
	wg.Wait()
	if code != 0 || !strings.Contains(out, "backed up the database") {
		t.Fatalf("backup: exit %d: %s%s", code, out, errs)
	}
	m.Close()

	restored := filepath.Join(t.TempDir(), "restored")
	if code, out, errs := runCLI(t, map[string]string{"RAPPORT_DATA_DIR": restored}, "restore", file); code != 0 {
		t.Fatalf("restore: exit %d: %s%s", code, out, errs)
	}
	if code, _, errs := runCLI(t, map[string]string{"RAPPORT_DATA_DIR": restored}, "restore", file); code != 1 || !strings.Contains(errs, "is not empty") {
		t.Fatalf("a second restore into the same directory: exit %d: %s", code, errs)
	}
	again := startOn(t, restored)
	defer again.Close()
	stored := storedBodies(t, again)
	for _, body := range before {
		if !stored[body] {
			t.Fatalf("%q was acknowledged before the backup began and is not in it (%d of %d stored)", body, len(stored), len(before))
		}
	}
	t.Logf("%d messages acknowledged before the backup, %d in it", len(before), len(stored))
}

// TestBackupSaysWhatItCannotDo: PostgreSQL, no database yet, a restore
// with DATABASE_URL elsewhere, no file name: each a clear answer.
func TestBackupSaysWhatItCannotDo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(t.TempDir(), "b.tar.gz")
	cases := []struct {
		env        map[string]string
		args       []string
		code       int
		wantStderr string
	}{
		{map[string]string{"RAPPORT_DATA_DIR": dir, "DATABASE_URL": "postgres://u:p@127.0.0.1:1/x"}, []string{"backup", file}, 1, "pg_dump"},
		{map[string]string{"RAPPORT_DATA_DIR": dir, "DATABASE_URL": ""}, []string{"backup", file}, 1, "nothing to back up"},
		{map[string]string{"RAPPORT_DATA_DIR": dir, "DATABASE_URL": "sqlite:///tmp/elsewhere.db"}, []string{"restore", file}, 1, "unset DATABASE_URL"},
		{map[string]string{"RAPPORT_DATA_DIR": dir, "DATABASE_URL": ""}, []string{"backup"}, 2, "one file name"},
	}
	for _, c := range cases {
		code, _, errs := runCLI(t, c.env, c.args...)
		if code != c.code || !strings.Contains(errs, c.wantStderr) {
			t.Errorf("%v with %v: exit %d: %s, want %d and %q", c.args, c.env, code, errs, c.code, c.wantStderr)
		}
	}
}

// startOn starts a server on SQLite in dataDir, without chat limits.
func startOn(t *testing.T, dataDir string) *server.Main {
	t.Helper()
	vars := map[string]string{"PORT": strconv.Itoa(porttest.Free(t)), "RAPPORT_DATA_DIR": dataDir}
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	m := &server.Main{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), DevToken: practicetest.DevToken,
		Tune: func(a *server.App) {
			a.Rooms.ChatRate, a.Rooms.ChatBurst = 1e6, 1e6
			a.Signaling.FrameRate, a.Signaling.FrameBurst = 1e6, 1e6
		}}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return m
}

// storedBodies reads every chat message of the server's one appointment.
func storedBodies(t *testing.T, m *server.Main) map[string]bool {
	t.Helper()
	ctx := context.Background()
	list, err := m.DB.ListAppointments(ctx, appointmentsOfAll())
	if err != nil || len(list) != 1 {
		t.Fatalf("appointments: %v %v", list, err)
	}
	sessions, err := m.DB.ListCallSessions(ctx, list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	bodies := map[string]bool{}
	for _, s := range sessions {
		msgs, err := m.DB.MessagesAfter(ctx, s.ID, 0, 1_000_000)
		if err != nil {
			t.Fatal(err)
		}
		for _, msg := range msgs {
			bodies[msg.Body] = true
		}
	}
	return bodies
}

// waitUntil polls cond until it holds, failing t after limit.
func waitUntil(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", limit, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
