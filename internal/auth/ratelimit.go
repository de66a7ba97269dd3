package auth

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter allows each key (a client's address, a person) a burst of
// requests and then a steady rate: RateLimiter in one process,
// cluster.Limiter across the nodes of a cluster.
type Limiter interface {
	// Allow reports whether one more request of key may go ahead.
	Allow(key string) bool
	// Reserve is Allow, and when it says no, how long until a request
	// would be allowed (for Retry-After).
	Reserve(key string) (bool, time.Duration)
}

// RateLimiter allows each client address a burst of requests and then a
// steady rate, in this process; it guards the sign-in routes against
// guessing and floods.
type RateLimiter struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	clients map[string]*visitor
	swept   time.Time
}

type visitor struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewRateLimiter allows burst requests at once and then one per interval.
func NewRateLimiter(interval time.Duration, burst int) *RateLimiter {
	return &RateLimiter{every: rate.Every(interval), burst: burst, clients: map[string]*visitor{}}
}

// Allow reports whether one more request of key (a client's address, a
// person) may go ahead.
func (l *RateLimiter) Allow(key string) bool {
	ok, _ := l.Reserve(key)
	return ok
}

// Reserve is Allow, and when it says no, how long until a request would
// be allowed (for Retry-After).
func (l *RateLimiter) Reserve(key string) (bool, time.Duration) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	v := l.clients[key]
	if v == nil {
		v = &visitor{lim: rate.NewLimiter(l.every, l.burst)}
		l.clients[key] = v
	}
	v.seen = now
	res := v.lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// Proxies are the reverse proxies whose X-Forwarded-For is believed
// (TRUSTED_PROXIES).
type Proxies []netip.Prefix

// trusts reports whether addr is one of the proxies.
func (p Proxies) trusts(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, pr := range p {
		if pr.Contains(addr) {
			return true
		}
	}
	return false
}

// ClientIP is the address of whoever sent r: the peer, unless the peer is
// a trusted proxy; then X-Forwarded-For read from the right, past every
// trusted proxy, to the first address that is not one. Only what trusted
// proxies added is believed: an address a client wrote itself is further
// left and never reached.
func (p Proxies) ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !p.trusts(peer) {
		return host
	}
	hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		client = a.Unmap()
		if !p.trusts(client) {
			break
		}
	}
	return client.String()
}

// IPPrefix is the network of an address that a person may recognise
// without it naming one machine: the /24 of IPv4, the /48 of IPv6.
func IPPrefix(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ""
	}
	bits := 48
	if addr = addr.Unmap(); addr.Is4() {
		bits = 24
	}
	p, _ := addr.Prefix(bits)
	return p.String()
}

// sweep forgets addresses idle for ten minutes, once a minute.
func (l *RateLimiter) sweep(now time.Time) {
	if now.Sub(l.swept) < time.Minute {
		return
	}
	l.swept = now
	for k, v := range l.clients {
		if now.Sub(v.seen) > 10*time.Minute {
			delete(l.clients, k)
		}
	}
}
