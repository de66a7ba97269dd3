package auth

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateLimiter allows each client address a burst of requests and then a
// steady rate; it guards the sign-in routes against guessing and floods.
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

// Allow reports whether a request from r's address may go ahead.
func (l *RateLimiter) Allow(r *http.Request) bool {
	host := ClientIP(r)
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	v := l.clients[host]
	if v == nil {
		v = &visitor{lim: rate.NewLimiter(l.every, l.burst)}
		l.clients[host] = v
	}
	v.seen = now
	return v.lim.AllowN(now, 1)
}

// ClientIP is the address of whoever sent r. When the request came through
// a reverse proxy on this same host (a loopback peer), it is the last address
// the proxy added to X-Forwarded-For; a remote peer cannot claim one.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return host
	}
	xff := r.Header.Get("X-Forwarded-For")
	if i := strings.LastIndexByte(xff, ','); i >= 0 {
		xff = xff[i+1:]
	}
	if ip := net.ParseIP(strings.TrimSpace(xff)); ip != nil {
		return ip.String()
	}
	return host
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
