package auth

import (
	"net/http/httptest"
	"testing"
	"time"
)

func TestClientIP(t *testing.T) {
	for _, tc := range []struct{ remote, xff, want string }{
		{"203.0.113.7:5000", "", "203.0.113.7"},
		{"203.0.113.7:5000", "198.51.100.1", "203.0.113.7"}, // a remote peer cannot claim another address
		{"127.0.0.1:5000", "198.51.100.1", "198.51.100.1"},  // our own proxy may
		{"127.0.0.1:5000", "10.0.0.1, 198.51.100.2", "198.51.100.2"},
		{"127.0.0.1:5000", "garbage", "127.0.0.1"},
		{"[::1]:5000", "2001:db8::1", "2001:db8::1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := ClientIP(r); got != tc.want {
			t.Errorf("ClientIP(%s, %q) = %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
}

func TestRateLimiterIsPerClient(t *testing.T) {
	l := NewRateLimiter(time.Hour, 3)
	req := func(ip string) bool {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = ip + ":1"
		return l.Allow(r)
	}
	for i := range 3 {
		if !req("192.0.2.1") {
			t.Fatalf("request %d refused within the burst", i)
		}
	}
	if req("192.0.2.1") {
		t.Fatal("fourth request allowed")
	}
	if !req("192.0.2.2") {
		t.Fatal("another client was limited too")
	}
}
