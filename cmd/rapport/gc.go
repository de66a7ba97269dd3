package main

import (
	"log/slog"
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

// tuneGC sets the collector's target to percent unless GOGC (in set's
// environment) says otherwise.
func tuneGC(set settings, percent int, log *slog.Logger) {
	if set.has("GOGC") {
		return
	}
	debug.SetGCPercent(percent)
	log.Debug("garbage collector target set", "GOGC", percent)
}
