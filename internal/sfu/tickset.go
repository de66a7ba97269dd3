package sfu

import "sync"

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
