package web

import (
	"net/http"
	"strconv"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

// loadRoomRoutes adds the load generator's rooms (`rapport-load sfu` and
// `rapport-load tunnel`): SFU rooms of any size, with no appointment, chat
// or timer. They exist only with `serve --loadtest`, which a server off
// loopback refuses to start with, only while the developer sign-in is on,
// and only for a signed-in request straight from this machine.
func (s *Server) loadRoomRoutes() {
	if !s.cfg.LoadTest || !s.cfg.DevSignIn {
		return
	}
	s.mux.HandleFunc("GET /loadtest/sfu/{room}/{peer}", s.localOnly(s.signedIn(s.loadMedia)))
	s.mux.HandleFunc("GET /loadtest/tunnel/{room}/{peer}", s.localOnly(s.signedIn(s.loadTunnel)))
}

// loadMedia serves a peer of `rapport-load sfu`.
func (s *Server) loadMedia(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	peer, err := loadPeer(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.rooms.ServeLoadMedia(w, r, r.PathValue("room"), peer, s.originPatterns)
}

// loadTunnel serves a tunnel participant of `rapport-load tunnel`.
func (s *Server) loadTunnel(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	peer, err := loadPeer(r)
	if err == nil {
		err = s.rooms.ServeLoadTunnel(w, r, r.PathValue("room"), peer, s.originPatterns)
	}
	if err != nil {
		s.Error(w, r, err)
	}
}

// loadPeer is the peer number in a load room's path.
func loadPeer(r *http.Request) (int64, error) {
	peer, err := strconv.ParseInt(r.PathValue("peer"), 10, 64)
	if err != nil || peer < 1 {
		return 0, app.Invalid(map[string]string{"peer": "must be a positive number"})
	}
	return peer, nil
}
