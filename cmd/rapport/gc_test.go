package main

import (
	"io"
	"log/slog"
	"runtime/debug"
	"testing"
)

// TestLoadGeneratorCollectsSeldom: with GOGC unset the generator collects
// at five times its live heap, as the server does; GOGC, when set, wins.
func TestLoadGeneratorCollectsSeldom(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	t.Setenv("GOGC", "")
	tuneGC(loadtestGOGC, log)
	if p := debug.SetGCPercent(100); p != loadtestGOGC {
		t.Fatalf("GOGC %d, want %d", p, loadtestGOGC)
	}

	t.Setenv("GOGC", "200")
	tuneGC(loadtestGOGC, log)
	if p := debug.SetGCPercent(100); p != 100 {
		t.Fatalf("GOGC set by the environment was overridden: %d", p)
	}
}
