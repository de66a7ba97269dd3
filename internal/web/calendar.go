package web

import (
	"bytes"
	"html/template"
	"net/http"
	"strings"

	"rapport/internal/calendar"
	"rapport/internal/coaching"
)

// calendarRoutes are the calendar feeds: the feed itself, which its token
// opens without a session, and the person's own link (the API and the
// profile's Make a new link).
func (s *Server) calendarRoutes() {
	m := s.mux
	m.HandleFunc("GET /calendar/{file}", s.calendarFeed)
	m.HandleFunc("GET /api/v1/calendar", s.signedIn(s.apiCalendar))
	m.HandleFunc("POST /api/v1/calendar/reset", s.signedIn(s.apiResetCalendar))
	m.HandleFunc("POST /profile/calendar/reset", s.signedIn(s.resetCalendarForm))
}

// calendarLinks is a feed's link for calendar apps (webcal://) and the
// same over the server's own scheme.
type calendarLinks struct {
	URL      string `json:"url"`
	HTTPSURL string `json:"https_url"`
}

// Subscribe is the webcal link as a page's href (html/template lets only
// http, https and mailto through otherwise); it is ours, built from the
// base URL and a base64url token.
func (l calendarLinks) Subscribe() template.URL { return template.URL(l.URL) }

// calendarLinksFor is the links of a feed token, on the server's address.
func (s *Server) calendarLinksFor(r *http.Request, token string) calendarLinks {
	base := s.baseURL(r)
	path := "/calendar/" + token + ".ics"
	_, host, _ := strings.Cut(base, "://")
	return calendarLinks{URL: "webcal://" + host + path, HTTPSURL: base + path}
}

// baseURL is where people reach the server: PUBLIC_URL, else the address
// this request came to.
func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL
	}
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// calendarFeed answers a feed's token (the path's NAME.ics) with its
// person's appointments as iCalendar. A replaced or unknown token is a
// plain 404.
func (s *Server) calendarFeed(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
	if !ok {
		token = ""
	}
	body, err := s.feedBody(r, token)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Content-Disposition", `inline; filename="rapport.ics"`)
	h.Set("Cache-Control", "private, max-age=300")
	w.Write(body)
}

// feedBody is the whole iCalendar answer of a feed token.
func (s *Server) feedBody(r *http.Request, token string) ([]byte, error) {
	f, err := s.svc.CalendarFeed(r.Context(), token)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(512 * (len(f.Appointments) + 1))
	err = calendar.WriteFeed(&buf, f, calendar.Site{UIDDomain: coaching.UIDDomain(s.cfg.PublicURL), BaseURL: s.baseURL(r)})
	return buf.Bytes(), err
}

func (s *Server) apiCalendar(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	token, err := s.svc.CalendarToken(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.calendarLinksFor(r, token))
}

func (s *Server) apiResetCalendar(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	token, err := s.svc.ResetCalendarToken(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.calendarLinksFor(r, token))
}

func (s *Server) resetCalendarForm(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	if _, err := s.svc.ResetCalendarToken(r.Context()); err != nil {
		s.Error(w, r, err)
		return
	}
	redirectFlash(w, r, "/profile", "calendarreset")
}

// profileCalendar is the caller's feed links for their profile page,
// made on first view.
func (s *Server) profileCalendar(r *http.Request) (calendarLinks, error) {
	token, err := s.svc.CalendarToken(r.Context())
	if err != nil {
		return calendarLinks{}, err
	}
	return s.calendarLinksFor(r, token), nil
}

// loggedPath is a request's path as the log keeps it: a calendar feed's
// token opens the feed to whoever reads it, and an unsubscribe link's
// turns reminders off, so they stay out.
func loggedPath(p string) string {
	if strings.HasPrefix(p, "/calendar/") {
		return "/calendar/{token}.ics"
	}
	if isUnsubscribe(p) {
		return "/unsubscribe/{token}"
	}
	return p
}
