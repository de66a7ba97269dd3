package turn

import (
	"net"
	"sync"
	"time"

	pionturn "github.com/pion/turn/v4"
)

// DefaultMaxAllocations is how many relays one credential may hold at a
// time unless told otherwise (TURN_MAX_ALLOCATIONS). A browser's peer
// connection makes one per TURN URL and local network interface, a few in
// all; an ICE restart makes a few more before the old ones go.
const DefaultMaxAllocations = 10

// reserveFor is how long an Allocate the quota admitted holds its place
// before its allocation exists: one that fails after the quota (no port
// left, say) gives its place back by itself.
const reserveFor = 5 * time.Second

// fiveTuple names an allocation as pion does: the client's address, the
// server's, and the transport. pion's events give it both when an
// allocation is made and when it is deleted (the username is the same but
// names many allocations), so counts kept by it cannot drift.
type fiveTuple struct{ src, dst, proto string }

// relayRecord is a live allocation: whose credential made it, and the relay
// address it was given.
type relayRecord struct {
	username string
	userID   int64
	relay    string
}

// allocations keeps the embedded server's live relays, from pion's
// events: how many each credential holds, for the quota; and each relay's
// socket, so that a user's relays can be closed (pion deletes an
// allocation whose relay socket fails, and has no other way to).
type allocations struct {
	mu       sync.Mutex
	live     map[fiveTuple]relayRecord
	held     map[string]int          // live allocations per username
	reserved map[string][]time.Time  // admitted Allocates not made yet, per username
	sockets  map[string]*relaySocket // by relay address
}

func newAllocations() *allocations {
	return &allocations{live: map[fiveTuple]relayRecord{}, held: map[string]int{},
		reserved: map[string][]time.Time{}, sockets: map[string]*relaySocket{}}
}

// events are the pion callbacks that keep the records.
func (a *allocations) events() pionturn.EventHandler {
	return pionturn.EventHandler{OnAllocationCreated: a.created, OnAllocationDeleted: a.deleted}
}

func (a *allocations) created(src, dst net.Addr, proto, username, _ string, relay net.Addr, _ int) {
	_, userID, _ := parseUsername(username)
	k := fiveTuple{src.String(), dst.String(), proto}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.unreserve(username)
	if _, ok := a.live[k]; ok {
		return
	}
	a.live[k] = relayRecord{username: username, userID: userID, relay: relay.String()}
	a.held[username]++
}

func (a *allocations) deleted(src, dst net.Addr, proto, _, _ string) {
	k := fiveTuple{src.String(), dst.String(), proto}
	a.mu.Lock()
	defer a.mu.Unlock()
	r, ok := a.live[k]
	if !ok {
		return
	}
	delete(a.live, k)
	if a.held[r.username]--; a.held[r.username] <= 0 {
		delete(a.held, r.username)
	}
}

// holds reports whether the credential holds a live relay.
func (a *allocations) holds(username string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.held[username] > 0
}

// reserve takes a place for a new allocation of the credential if it holds
// fewer than max, counting the places taken in the last few seconds: the
// Allocates of one credential on several TCP connections are handled at
// once, and must not all pass before the first allocation exists.
func (a *allocations) reserve(username string, max int, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.lapse(username, now)
	if a.held[username]+len(a.reserved[username]) >= max {
		return false
	}
	a.reserved[username] = append(a.reserved[username], now)
	return true
}

// unreserve gives back the credential's oldest place.
func (a *allocations) unreserve(username string) {
	if r := a.reserved[username]; len(r) > 1 {
		a.reserved[username] = r[1:]
	} else {
		delete(a.reserved, username)
	}
}

// lapse gives back the credential's places taken too long ago: their
// Allocates failed.
func (a *allocations) lapse(username string, now time.Time) {
	r := a.reserved[username]
	for len(r) > 0 && now.Sub(r[0]) > reserveFor {
		r = r[1:]
	}
	if len(r) == 0 {
		delete(a.reserved, username)
	} else {
		a.reserved[username] = r
	}
}

// lapseAll gives back every place taken too long ago.
func (a *allocations) lapseAll(now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for username := range a.reserved {
		a.lapse(username, now)
	}
}

// users are the users who hold relays.
func (a *allocations) users() []int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	seen := map[int64]bool{}
	var out []int64
	for _, r := range a.live {
		if !seen[r.userID] {
			seen[r.userID] = true
			out = append(out, r.userID)
		}
	}
	return out
}

// close closes the relay sockets of the user's allocations, which makes
// pion delete them, and says how many there were.
func (a *allocations) close(userID int64) int {
	a.mu.Lock()
	var socks []*relaySocket
	for _, r := range a.live {
		if s := a.sockets[r.relay]; r.userID == userID && s != nil {
			socks = append(socks, s)
		}
	}
	a.mu.Unlock() // Close ends in pion's deleted event, which locks
	for _, s := range socks {
		s.Close()
	}
	return len(socks)
}

// generator wraps the server's relay address generator so that every
// relay socket it makes is kept, by the relay address pion reports.
func (a *allocations) generator(g pionturn.RelayAddressGenerator) pionturn.RelayAddressGenerator {
	return keepingGenerator{RelayAddressGenerator: g, a: a}
}

type keepingGenerator struct {
	pionturn.RelayAddressGenerator
	a *allocations
}

func (g keepingGenerator) AllocatePacketConn(network string, port int) (net.PacketConn, net.Addr, error) {
	conn, addr, err := g.RelayAddressGenerator.AllocatePacketConn(network, port)
	if err != nil {
		return nil, nil, err
	}
	s := &relaySocket{PacketConn: conn, a: g.a, key: addr.String()}
	g.a.mu.Lock()
	g.a.sockets[s.key] = s
	g.a.mu.Unlock()
	return s, addr, nil
}

// relaySocket is a relay's socket that is forgotten when it closes. It
// closes once: pion closes it again when it deletes the allocation.
type relaySocket struct {
	net.PacketConn
	a    *allocations
	key  string
	once sync.Once
	err  error
}

func (s *relaySocket) Close() error {
	s.once.Do(func() {
		s.a.mu.Lock()
		if s.a.sockets[s.key] == s {
			delete(s.a.sockets, s.key)
		}
		s.a.mu.Unlock()
		s.err = s.PacketConn.Close()
	})
	return s.err
}
