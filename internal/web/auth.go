package web

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"rapport/internal/app"
	"rapport/internal/auth"
	"rapport/internal/coaching"
	"rapport/internal/room"
)

func (s *Server) authRoutes() {
	m := s.mux
	m.HandleFunc("GET /signin", s.signinPage)
	m.HandleFunc("GET /auth/login", s.limited(s.oidcStart))
	m.HandleFunc("GET /auth/callback", s.limited(s.oidcCallback))
	m.HandleFunc("POST /auth/logout", s.logout)
	m.HandleFunc("POST /auth/logout-everywhere", s.signedIn(s.logoutEverywhere))
	if s.cfg.DevSignIn {
		m.HandleFunc("GET /auth/dev", s.localOnly(s.devSigninPage))
		// Not rate-limited: its token is too long to guess, it answers only
		// this machine, and load generators sign in thousands through it.
		m.HandleFunc("POST /auth/dev", s.localOnly(s.devSignin))
	}
	s.devMailRoutes()
}

// localOnly answers 404 unless the request comes straight from this machine:
// a loopback peer, no proxy headers, and a loopback Host (which also stops
// DNS rebinding from a web page). The dev sign-in must never be reachable
// through a reverse proxy, whatever the settings say.
func (s *Server) localOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !fromThisMachine(r) {
			s.Error(w, r, errNoRoute)
			return
		}
		h(w, r)
	}
}

func fromThisMachine(r *http.Request) bool {
	if r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "" || r.Header.Get("X-Real-Ip") != "" {
		return false
	}
	peer, _, err := net.SplitHostPort(r.RemoteAddr)
	if ip := net.ParseIP(peer); err != nil || ip == nil || !ip.IsLoopback() {
		return false
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

// limited refuses a client that signs in too often (guessing, floods).
func (s *Server) limited(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.limiter.Allow(s.clientIP(r)) {
			w.Header().Set("Retry-After", "10")
			s.Error(w, r, app.Errorf(app.ERATELIMITED, "too many sign-in attempts; wait a few seconds and try again"))
			return
		}
		h(w, r)
	}
}

// localPath keeps next only when it is a path on this site, so that a
// sign-in link cannot send anyone elsewhere afterwards. Backslashes and
// control characters are refused outright: browsers drop or turn them into
// slashes, which makes "/\t/evil.example" mean "//evil.example".
func localPath(next string) string {
	const home = "/dashboard"
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return home
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return home
	}
	return next
}

type signinData struct {
	Next         string
	OIDC         bool
	Unavailable  bool // the provider has not been reached yet
	ProviderName string
	Error        string // set by the server only, never from the URL
}

func (signinData) PageTitle() string { return "Sign in" }

// providerName is what the pages call the sign-in provider.
func (s *Server) providerName() string { return s.cfg.ProviderName }

// signinPage offers the sign-in, or says that it is unavailable (503) while
// the provider has not answered since the server started.
func (s *Server) signinPage(w http.ResponseWriter, r *http.Request) {
	if userFrom(r.Context()) != nil {
		http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	d := signinData{Next: localPath(r.URL.Query().Get("next")), OIDC: s.oidc != nil, ProviderName: s.providerName()}
	status := http.StatusOK
	if s.oidc != nil && !s.oidc.Ready() {
		d.Unavailable, status = true, http.StatusServiceUnavailable
		w.Header().Set("Retry-After", "30")
	}
	s.render(w, r, status, "signin", d)
}

func (s *Server) oidcStart(w http.ResponseWriter, r *http.Request) {
	if s.oidc == nil {
		s.Error(w, r, app.Errorf(app.ENOTFOUND, "sign-in with a provider is not configured here"))
		return
	}
	if !s.oidc.Ready() {
		s.signinPage(w, r)
		return
	}
	to, err := s.oidc.Start(w, r, localPath(r.URL.Query().Get("next")))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, to, http.StatusFound)
}

// oidcCallback finishes a sign-in. A callback with no sign-in in progress
// in this browser (a reload of one already finished, a link from a history)
// goes to the sign-in page, which sends a signed-in person on. A return
// path to a coach's public link for one of its session types (publicLinkIn)
// goes to the domain with the sign-in, which admits a newcomer through it
// only when that coach offers that type to new people.
func (s *Server) oidcCallback(w http.ResponseWriter, r *http.Request) {
	if s.oidc == nil {
		s.Error(w, r, app.Errorf(app.ENOTFOUND, "sign-in with a provider is not configured here"))
		return
	}
	id, next, err := s.oidc.Finish(w, r)
	if errors.Is(err, auth.ErrNoSignIn) {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	var u *coaching.User
	if err == nil {
		u, err = s.svc.SignInThrough(r.Context(), id, publicLinkIn(next))
	}
	if err != nil {
		s.signinRefused(w, r, err)
		return
	}
	s.startSession(w, r, u, next)
}

// signinRefused shows the sign-in page with why the sign-in failed, naming
// the configured provider; internal faults get the usual error page.
func (s *Server) signinRefused(w http.ResponseWriter, r *http.Request, err error) {
	code := app.ErrorCode(err)
	if code == app.EINTERNAL {
		s.Error(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "sign-in refused", "reason", err)
	status := statusOf[code]
	if code == app.EUNAVAILABLE {
		w.Header().Set("Retry-After", "30")
	}
	s.render(w, r, status, "signin", signinData{Next: "/dashboard", OIDC: true,
		ProviderName: s.providerName(), Error: sentence(app.ErrorMessage(err))})
}

// startSession begins a session on the server, gives the browser its
// token and sends it on.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u *coaching.User, next string) {
	tok, _, err := s.svc.StartSession(r.Context(), u, r.UserAgent(), auth.IPPrefix(s.clientIP(r)))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.sessions.Set(w, tok)
	s.log.InfoContext(r.Context(), "signed in", "user", u.ID, "role", u.Role)
	http.Redirect(w, r, localPath(next), http.StatusSeeOther)
}

// logout ends this device's session on the server, closes its room
// connections and clears its cookie: the old cookie answers nothing more,
// from this browser or any other.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if tok := s.sessions.Token(r); tok != "" {
		if err := s.svc.EndSession(r.Context(), tok); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	if ss := sessionFrom(r.Context()); ss != nil {
		s.rooms.CloseSession(ss.ID, room.ReasonSignedOut)
	}
	s.sessions.Clear(w)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// logoutEverywhere ends every session of the person; the service's hook
// closes all their room connections.
func (s *Server) logoutEverywhere(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	if err := s.svc.SignOutEverywhere(r.Context()); err != nil {
		s.Error(w, r, err)
		return
	}
	s.sessions.Clear(w)
	http.Redirect(w, r, "/signin?flash=signedout", http.StatusSeeOther)
}
