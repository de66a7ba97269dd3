// Package servertest runs the whole application on a test HTTP server, on
// loopback with a throwaway SQLite database and the developer sign-in open
// to DevToken, for tests that drive it from outside as clients do (the
// load generator's).
package servertest

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"rapport/internal/config"
	"rapport/internal/server"
	"rapport/internal/store/storetest"
)

// DevToken opens the developer sign-in of the servers MustStart runs.
const DevToken = "a-developer-sign-in-token-for-the-tests"

// MustStart runs the application with the default settings, changed by
// tune when it is not nil, and returns its base URL; the server stops
// when tb ends.
func MustStart(tb testing.TB, tune func(*config.Config)) string {
	tb.Helper()
	cfg, err := config.Load(func(string) (string, bool) { return "", false })
	if err != nil {
		tb.Fatal(err)
	}
	if tune != nil {
		tune(cfg)
	}
	a, err := server.New(server.Options{Config: cfg, DB: storetest.MustOpen(tb, "sqlite"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), SessionSecret: []byte(strings.Repeat("s", 32)), DevToken: DevToken})
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		a.Drain(ctx)
		srv.Close()
		a.Close()
	})
	return srv.URL
}

// LoadRooms is a tune for MustStart: `serve --loadtest`, the load
// generator's rooms.
func LoadRooms(cfg *config.Config) { cfg.LoadTest = true }
