package app

import (
	"context"
	"testing"
	"time"
)

func TestEveryRunsUntilItsContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	runs := make(chan struct{}, 10)
	done := make(chan struct{})
	go func() {
		Every(ctx, time.Millisecond, func(context.Context) { runs <- struct{}{} })
		close(done)
	}()
	for range 3 {
		<-runs
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Every went on after its context ended")
	}
}
