package web

import (
	"time"

	"rapport/internal/auth"
)

// Linkify is linkify, for the tests.
var Linkify = linkify

// SetSkool gives a running server the Skool sync's admin side.
func SetSkool(s *Server, k Skool) { s.skool = k }

// SetWriteLimit replaces a running server's limit on changes per person,
// for tests that make many changes on purpose.
func SetWriteLimit(s *Server, every time.Duration, burst int) {
	s.writes = auth.NewRateLimiter(every, burst)
}
