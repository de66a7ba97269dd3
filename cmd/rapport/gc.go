package main

import (
	"log/slog"
	"os"
	"runtime/debug"
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

// loadtestGOGC is the load generator's collector target when GOGC is not
// set: the server's, for the same reason (each collection is a burst of
// latency, here in what the generator measures), and the generator
// collects rather than grows. A generator that never collected took fresh
// memory for all it allocated (35 MB a second at 1,000 chat rooms), and
// the kernel's page faults for it came in bursts that held its core for
// half a second at a time: 29,000 faults in 0.6 s, 440-500 ms in the tail
// of each of four two-minute runs. At 400 it collects about every 15 s
// (a live heap near 100 MB), and the worst delivery of the same runs took
// 97-103 ms; the result says how many collections fell into a measurement.
const loadtestGOGC = 400

// tuneGC sets the collector's target to percent unless GOGC says
// otherwise.
func tuneGC(percent int, log *slog.Logger) {
	if os.Getenv("GOGC") != "" {
		return
	}
	debug.SetGCPercent(percent)
	log.Debug("garbage collector target set", "GOGC", percent)
}
