// Package servertest builds and runs the whole application for tests that
// drive it from outside, as browsers and the load generator do: on a
// throwaway database (SQLite or PostgreSQL), with the developer sign-in
// open to DevToken, stopped and drained when the test ends. The web,
// signaling and load generator tests share it.
package servertest

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/audit"
	"rapport/internal/auth"
	"rapport/internal/config"
	"rapport/internal/server"
	"rapport/internal/store"
	"rapport/internal/store/storetest"
)

// DevToken opens the developer sign-in of the servers built here.
const DevToken = "a-developer-sign-in-token-for-the-tests"

// Options change what Build runs; the zero value is the defaults on SQLite.
type Options struct {
	Dialect string         // "sqlite" (the default) or "postgres"
	Config  *config.Config // nil: every setting at its default
	OIDC    *auth.OIDC     // a sign-in provider, or nil
	Clock   app.Clock      // nil: the real clock
	// Audit keeps the audit log's entries (a test's own, to read them
	// back); nil: the server's log does.
	Audit audit.Recorder
}

// App is the application a test built, and its database.
type App struct {
	*server.App
	DB *store.DB
	// URL is the base URL of its test HTTP server (Start), or "".
	URL string
}

// Config returns the settings of env (a name's value, as the environment
// would give it), failing tb when they do not load.
func Config(tb testing.TB, env map[string]string) *config.Config {
	tb.Helper()
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		tb.Fatal(err)
	}
	return cfg
}

// Build builds the application without serving it (a test calls its
// Handler); it is drained and closed when tb ends.
func Build(tb testing.TB, o Options) *App {
	tb.Helper()
	a := build(tb, o)
	tb.Cleanup(func() { stop(a, nil) })
	return a
}

// Start builds the application and serves it on a test HTTP server; when
// tb ends the application is drained (its rooms' connections closed, so
// that no long poll holds the server), the server stops, and the
// application closes.
func Start(tb testing.TB, o Options) *App {
	tb.Helper()
	a := build(tb, o)
	srv := httptest.NewServer(a.Handler())
	tb.Cleanup(func() { stop(a, srv) })
	a.URL = srv.URL
	return a
}

func build(tb testing.TB, o Options) *App {
	tb.Helper()
	if o.Dialect == "" {
		o.Dialect = "sqlite"
	}
	if o.Config == nil {
		o.Config = Config(tb, nil)
	}
	db := storetest.MustOpen(tb, o.Dialect)
	a, err := server.New(server.Options{Config: o.Config, DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		SessionSecret: []byte(strings.Repeat("s", 32)), OIDC: o.OIDC, DevToken: DevToken, Clock: o.Clock, Audit: o.Audit})
	if err != nil {
		tb.Fatal(err)
	}
	return &App{App: a, DB: db}
}

// stop drains a, stops srv (when there is one) and closes a.
func stop(a *App, srv *httptest.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	a.Drain(ctx)
	if srv != nil {
		srv.Close()
	}
	a.Close()
}

// MustStart runs the application with the default settings, changed by
// tune when it is not nil, and returns its base URL.
func MustStart(tb testing.TB, tune func(*config.Config)) string {
	tb.Helper()
	cfg := Config(tb, nil)
	if tune != nil {
		tune(cfg)
	}
	return Start(tb, Options{Config: cfg}).URL
}

// LoadRooms is a tune for MustStart: `serve --loadtest`, the load
// generator's rooms.
func LoadRooms(cfg *config.Config) { cfg.LoadTest = true }
