package auth

import (
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

func TestClientIP(t *testing.T) {
	loopback := Proxies{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	lan := Proxies{netip.MustParsePrefix("10.0.0.0/8")}
	for _, tc := range []struct {
		proxies           Proxies
		remote, xff, want string
	}{
		{loopback, "203.0.113.7:5000", "", "203.0.113.7"},
		{loopback, "203.0.113.7:5000", "198.51.100.1", "203.0.113.7"}, // a remote peer cannot claim another address
		{loopback, "127.0.0.1:5000", "198.51.100.1", "198.51.100.1"},  // our own proxy may
		{loopback, "127.0.0.1:5000", "10.0.0.1, 198.51.100.2", "198.51.100.2"},
		{loopback, "127.0.0.1:5000", "garbage", "127.0.0.1"},
		{loopback, "[::1]:5000", "2001:db8::1", "2001:db8::1"},
		{loopback, "10.0.0.5:5000", "198.51.100.1", "10.0.0.5"},                   // a proxy on another host is not believed by default
		{lan, "10.0.0.5:5000", "198.51.100.1", "198.51.100.1"},                    // TRUSTED_PROXIES=10.0.0.0/8
		{lan, "10.0.0.5:5000", "6.6.6.6, 198.51.100.1, 10.0.0.9", "198.51.100.1"}, // past every proxy, no further
		{lan, "10.0.0.5:5000", "10.0.0.7", "10.0.0.7"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := tc.proxies.ClientIP(r); got != tc.want {
			t.Errorf("ClientIP(%v, %s, %q) = %s, want %s", tc.proxies, tc.remote, tc.xff, got, tc.want)
		}
	}
}

func TestRateLimiterIsPerClient(t *testing.T) {
	l := NewRateLimiter(time.Hour, 3)
	for i := range 3 {
		if !l.Allow("192.0.2.1") {
			t.Fatalf("request %d refused within the burst", i)
		}
	}
	if ok, wait := l.Reserve("192.0.2.1"); ok || wait < 59*time.Minute {
		t.Fatalf("fourth request: allowed %v, retry after %s", ok, wait)
	}
	if !l.Allow("192.0.2.2") {
		t.Fatal("another client was limited too")
	}
}

func TestAgentToken(t *testing.T) {
	s := NewSessions([]byte("0123456789abcdef0123456789abcdef"), false)
	tok, _ := s.AgentToken("room-1", time.Now().Add(time.Hour))
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	if room, err := s.AgentRoom(r); err != nil || room != "room-1" {
		t.Fatalf("agent room %q %v", room, err)
	}
	r.Header.Set("Authorization", "Bearer opaque-session-token")
	if _, err := s.AgentRoom(r); err == nil {
		t.Fatal("a session token passed as an agent token")
	}
	old, _ := s.AgentToken("room-1", time.Now().Add(-time.Minute))
	r.Header.Set("Authorization", "Bearer "+old)
	if _, err := s.AgentRoom(r); err == nil {
		t.Fatal("an expired agent token passed")
	}
	r.Header.Del("Authorization")
	if room, err := s.AgentRoom(r); room != "" || err != nil {
		t.Fatal("no header must mean no agent")
	}
}
