package app

import (
	"context"
	"time"
)

// Every runs fn once an interval until ctx ends: the loop of the background
// jobs (sweeps, checks, reapers), each of which runs until the server stops.
func Every(ctx context.Context, interval time.Duration, fn func(ctx context.Context)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn(ctx)
		}
	}
}
