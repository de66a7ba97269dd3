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

func TestAgentToken(t *testing.T) {
	s := NewSessions([]byte("0123456789abcdef0123456789abcdef"), false)
	tok, _ := s.AgentToken("room-1", time.Now().Add(time.Hour))
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	if room, err := s.AgentRoom(r); err != nil || room != "room-1" {
		t.Fatalf("agent room %q %v", room, err)
	}
	if _, err := s.ParseToken(tok); err == nil {
		t.Fatal("an agent token passed as a session")
	}
	session, _ := s.Token(7, 0)
	r.Header.Set("Authorization", "Bearer "+session)
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
