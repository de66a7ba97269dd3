package web

import (
	"net/http"
	"net/netip"
	"strings"
	"time"

	"rapport/internal/coaching"
	"rapport/internal/room"
)

// deviceRoutes are the person's own sessions: the Your devices page and
// its API.
func (s *Server) deviceRoutes() {
	m := s.mux
	m.HandleFunc("GET /account/devices", s.signedIn(s.devicesPage))
	m.HandleFunc("POST /account/devices/{id}/signout", s.signedIn(s.signOutDeviceForm))
	m.HandleFunc("GET /api/v1/devices", s.signedIn(s.apiDevices))
	m.HandleFunc("DELETE /api/v1/devices/{id}", s.signedIn(s.apiSignOutDevice))
}

// device is one session as the devices page shows it.
type device struct {
	ID       int64     `json:"id"`
	Browser  string    `json:"browser"`
	Place    string    `json:"place"`
	Created  time.Time `json:"created_at"`
	LastSeen time.Time `json:"last_seen_at"`
	Current  bool      `json:"current"`
}

type devicesData struct{ Devices []device }

func (devicesData) PageTitle() string { return "Your devices" }

// devices lists the caller's sessions, this one marked.
func (s *Server) devices(r *http.Request) ([]device, error) {
	list, err := s.svc.Sessions(r.Context())
	if err != nil {
		return nil, err
	}
	current := sessionFrom(r.Context())
	out := make([]device, 0, len(list))
	for _, ss := range list {
		out = append(out, device{ID: ss.ID, Browser: describeAgent(ss.UserAgent), Place: describePlace(ss.IPPrefix),
			Created: ss.CreatedAt, LastSeen: ss.LastSeenAt, Current: current != nil && current.ID == ss.ID})
	}
	return out, nil
}

func (s *Server) devicesPage(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	list, err := s.devices(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "devices", devicesData{Devices: list})
}

func (s *Server) apiDevices(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	list, err := s.devices(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list})
}

func (s *Server) signOutDeviceForm(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	if s.signOutDevice(w, r) {
		to := "/account/devices?flash=devicesignedout"
		if cur := sessionFrom(r.Context()); cur != nil && pathIs(r, cur.ID) {
			to = "/signin"
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
	}
}

func (s *Server) apiSignOutDevice(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	if s.signOutDevice(w, r) {
		w.WriteHeader(http.StatusNoContent)
	}
}

// signOutDevice ends the session named in the path (the caller's own only)
// and closes its room connections; it reports whether it did, having
// answered otherwise. Signing out this device clears its cookie too.
func (s *Server) signOutDevice(w http.ResponseWriter, r *http.Request) bool {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.svc.SignOutDevice(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return false
	}
	s.rooms.CloseSession(id, room.ReasonSignedOut)
	if cur := sessionFrom(r.Context()); cur != nil && cur.ID == id {
		s.sessions.Clear(w)
	}
	return true
}

// pathIs reports whether the path's id is id.
func pathIs(r *http.Request, id int64) bool {
	got, err := pathID(r, "id")
	return err == nil && got == id
}

// describeAgent names a browser and its system from a User-Agent header,
// as a person would ("Firefox on Windows"); it is a description, not a
// check of anything.
func describeAgent(ua string) string {
	browser := firstMatch(ua, "Unknown browser", [][2]string{{"Edg/", "Edge"}, {"OPR/", "Opera"},
		{"Firefox/", "Firefox"}, {"Chromium/", "Chromium"}, {"HeadlessChrome/", "Headless Chrome"},
		{"Chrome/", "Chrome"}, {"Safari/", "Safari"}, {"curl/", "curl"}, {"Go-http-client", "a program"}})
	system := firstMatch(ua, "", [][2]string{{"Android", "Android"}, {"iPhone", "iPhone"}, {"iPad", "iPad"},
		{"Windows", "Windows"}, {"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"}})
	if system == "" {
		return browser
	}
	return browser + " on " + system
}

func firstMatch(s, otherwise string, pairs [][2]string) string {
	for _, p := range pairs {
		if strings.Contains(s, p[0]) {
			return p[1]
		}
	}
	return otherwise
}

// describePlace says roughly where a network is: this machine, a private
// network, or the network's prefix.
func describePlace(prefix string) string {
	p, err := netip.ParsePrefix(prefix)
	switch {
	case err != nil:
		return "Unknown network"
	case p.Addr().IsLoopback() || prefix == "::/48":
		return "This machine"
	case p.Addr().IsPrivate():
		return "A private network (" + prefix + ")"
	}
	return "Network " + prefix
}
