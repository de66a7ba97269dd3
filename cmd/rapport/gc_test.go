package main

import (
	"io"
	"log/slog"
	"runtime/debug"
	"testing"
)

// TestServerCollectsSeldom: with GOGC unset the server collects at five
// times its live heap; GOGC, when set, wins.
func TestServerCollectsSeldom(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	gogc := func(v string) settings {
		return settings{env: func(name string) (string, bool) { return v, name == "GOGC" }}
	}
	tuneGC(gogc(""), serveGOGC, log)
	if p := debug.SetGCPercent(100); p != serveGOGC {
		t.Fatalf("GOGC %d, want %d", p, serveGOGC)
	}

	tuneGC(gogc("200"), serveGOGC, log)
	if p := debug.SetGCPercent(100); p != 100 {
		t.Fatalf("GOGC set by the environment was overridden: %d", p)
	}
}
