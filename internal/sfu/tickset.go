package sfu

import (
	"context"
	"sync"
	"time"

	"rapport/internal/app"
)

// rtcpInterval is the SFU's RTCP tick. On every one, each publisher gets
// its transport-wide feedback and the NACKs due, every 100 ms as pion's
// and browsers' own do; receiver and sender reports go every reportEvery
// ticks.
const rtcpInterval = 100 * time.Millisecond

// rtcpTicks runs fns, one after the other, every interval on one goroutine
// for the whole SFU, until stop, which waits for it to end.
func rtcpTicks(interval time.Duration, fns ...func(context.Context)) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		app.Every(ctx, interval, func(ctx context.Context) {
			for _, fn := range fns {
				fn(ctx)
			}
		})
	}()
	return func() error {
		cancel()
		<-done
		return nil
	}
}

// tickSet is the members a periodic sender visits on each tick (peers for
// their feedback, layers and downTracks for their reports): added and
// removed by their owners, read as a snapshot that the tick reuses.
type tickSet[T comparable] struct {
	mu      sync.Mutex
	members map[T]struct{}
	list    []T
}

func (s *tickSet[T]) add(m T) {
	s.mu.Lock()
	if s.members == nil {
		s.members = map[T]struct{}{}
	}
	s.members[m] = struct{}{}
	s.mu.Unlock()
}

func (s *tickSet[T]) remove(m T) {
	s.mu.Lock()
	delete(s.members, m)
	s.mu.Unlock()
}

// snapshot is the members now, in a slice reused by the next snapshot: one
// goroutine (the tick's) may call it.
func (s *tickSet[T]) snapshot() []T {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list = s.list[:0]
	for m := range s.members {
		s.list = append(s.list, m)
	}
	return s.list
}
