package room

import (
	"maps"
	"sync"
)

// pathCounter counts the people in live rooms by the network path their
// media takes, as their clients report it (Presence.Path), for metrics.
type pathCounter struct {
	mu sync.Mutex
	n  map[string]int
}

// move counts one person off the path from (none when "") and onto to.
func (c *pathCounter) move(from, to string) {
	if from == to {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	if from != "" {
		c.n[from]--
		if c.n[from] <= 0 {
			delete(c.n, from)
		}
	}
	if to != "" {
		c.n[to]++
	}
}

// Paths counts the people in this server's live rooms by their media's
// network path ("sfu-udp", "turn-tls", "tunnel", "p2p", "none" ...).
func (m *Manager) Paths() map[string]int {
	m.paths.mu.Lock()
	defer m.paths.mu.Unlock()
	return maps.Clone(m.paths.n)
}
