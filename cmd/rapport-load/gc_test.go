package main

import (
	"runtime/debug"
	"testing"
)

// TestLoadGeneratorCollectsSeldom: with GOGC unset the generator collects
// at five times its live heap, as the server does; GOGC, when set, wins.
func TestLoadGeneratorCollectsSeldom(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)

	t.Setenv("GOGC", "")
	tuneGC(loadGOGC)
	if p := debug.SetGCPercent(100); p != loadGOGC {
		t.Fatalf("GOGC %d, want %d", p, loadGOGC)
	}

	t.Setenv("GOGC", "200")
	tuneGC(loadGOGC)
	if p := debug.SetGCPercent(100); p != 100 {
		t.Fatalf("GOGC set by the environment was overridden: %d", p)
	}
}
