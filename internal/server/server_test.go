package server_test

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"rapport/internal/config"
	"rapport/internal/server"
	"rapport/internal/store/storetest"
)

// TestLoadRoomsOnlyOnLoopback: a server that others can reach (listening
// on all addresses, a public URL, or a sign-in provider) refuses to start
// with the load generator's rooms, naming the setting; a developer's
// loopback server starts with them.
func TestLoadRoomsOnlyOnLoopback(t *testing.T) {
	for name, settings := range map[string]map[string]string{
		"AllAddresses": {"HOST": "0.0.0.0", "SESSION_SECRET": strings.Repeat("s", 32)},
		"PublicURL":    {"PUBLIC_URL": "https://coaching.example.com"},
		"SignIn":       {"GOOGLE_CLIENT_ID": "id", "GOOGLE_CLIENT_SECRET": "secret"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := newApp(t, settings)
			if err == nil || !strings.Contains(err.Error(), "serve --loadtest") {
				t.Fatalf("started with the load rooms (error %v)", err)
			}
		})
	}
	a, err := newApp(t, nil)
	if err != nil {
		t.Fatalf("a loopback server refused the load rooms: %v", err)
	}
	a.Close()
}

func newApp(t *testing.T, settings map[string]string) (*server.App, error) {
	t.Helper()
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := settings[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	cfg.LoadTest = true
	return server.New(server.Options{Config: cfg, DB: storetest.MustOpen(t, "sqlite"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), SessionSecret: []byte(strings.Repeat("s", 32))})
}
