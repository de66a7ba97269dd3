package main

import (
	"io"
	"log/slog"
	"runtime/debug"
	"testing"

	"rapport/internal/proc"
)

// TestLoadGeneratorDoesNotCollectWhileItMeasures: with neither GOGC nor
// GOMEMLIMIT set, the generator turns its collector off up to a memory
// limit within the machine's memory; GOGC, when set, wins.
func TestLoadGeneratorDoesNotCollectWhileItMeasures(t *testing.T) {
	oldPercent, oldLimit := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
	defer func() { debug.SetGCPercent(oldPercent); debug.SetMemoryLimit(oldLimit) }()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	tuneLoadtestGC(log)
	if p := debug.SetGCPercent(100); p != -1 {
		t.Fatalf("GOGC %d, want off", p)
	}
	limit := debug.SetMemoryLimit(-1)
	mem, _ := proc.MemTotal()
	if limit <= 0 || limit > 8<<30 || limit > mem {
		t.Fatalf("memory limit %d, want within 8 GiB and the machine's %d", limit, mem)
	}

	t.Setenv("GOGC", "200")
	debug.SetGCPercent(100)
	tuneLoadtestGC(log)
	if p := debug.SetGCPercent(100); p != 100 {
		t.Fatalf("GOGC set by the environment was overridden: %d", p)
	}
}
