package web

import (
	"time"

	"rapport/internal/auth"
)

// Linkify is linkify, for the tests.
var Linkify = linkify

// SetSkool gives a running server the Skool sync's admin side.
func SetSkool(s *Server, k Skool) { s.skool = k }

// LiftWriteLimit lets a server's users change things as fast as they like:
// for tests of something else that make more changes as one person than
// WriteBurst. Call it before the server takes requests.
func LiftWriteLimit(s *Server) { s.writes = auth.NewRateLimiter(time.Nanosecond, 1<<30) }
