package web

// Linkify is linkify, for the tests.
var Linkify = linkify

// SetSkool gives a running server the Skool sync's admin side.
func SetSkool(s *Server, k Skool) { s.skool = k }
