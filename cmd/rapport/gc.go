package main

import (
	"log/slog"
	"os"
	"runtime/debug"

	"rapport/internal/proc"
)

// serveGOGC is the collector's target for `rapport serve` when GOGC is not
// set: a collection when the heap has grown to five times what is live,
// rather than Go's default of twice. A busy server on one core pays for each
// collection with a burst of latency for every room at once (its marking
// takes the core from the rooms for a while); collecting a fifth as often
// keeps those bursts out of all but the rarest chat messages, for memory
// that stays modest (a few hundred MB at thousands of connections).
// GOMEMLIMIT, Go's own soft limit, still applies when set.
const serveGOGC = 400

// tuneLoadtestGC keeps the load generator from collecting while it
// measures, unless GOGC or GOMEMLIMIT say otherwise: a collection pauses
// the generator, and the pause shows in its latencies as if it were the
// server's (at 1,000 chat rooms a collection of its 700 MB heap put 250 ms
// into one run's tail). Its heap is garbage within seconds, so it grows
// until a memory limit (a quarter of the machine's memory, at most 8 GiB:
// minutes of the heaviest load) and only then collects; the result says
// how many collections fell into the measurement.
func tuneLoadtestGC(log *slog.Logger) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	mem, ok := proc.MemTotal()
	if !ok {
		mem = 4 << 30
	}
	limit := min(mem/4, 8<<30)
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(limit)
	log.Debug("collector off until the memory limit", "GOMEMLIMIT", limit)
}

// tuneGC sets the collector's target to percent unless GOGC says
// otherwise.
func tuneGC(percent int, log *slog.Logger) {
	if os.Getenv("GOGC") != "" {
		return
	}
	debug.SetGCPercent(percent)
	log.Debug("garbage collector target set", "GOGC", percent)
}
