package web

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

func (s *Server) authRoutes() {
	m := s.mux
	m.HandleFunc("GET /signin", s.signinPage)
	m.HandleFunc("GET /auth/login", s.limited(s.oidcStart))
	m.HandleFunc("GET /auth/callback", s.limited(s.oidcCallback))
	m.HandleFunc("POST /auth/logout", s.logout)
	m.HandleFunc("POST /auth/logout-everywhere", s.signedIn(s.logoutEverywhere))
	if s.cfg.DevSignIn() {
		m.HandleFunc("GET /auth/dev", s.localOnly(s.devSigninPage))
		// Not rate-limited: it takes no secret to guess, answers only this
		// machine, and load generators sign in thousands through it.
		m.HandleFunc("POST /auth/dev", s.localOnly(s.devSignin))
	}
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
		if !s.limiter.Allow(r) {
			w.Header().Set("Retry-After", "10")
			s.Error(w, r, app.Errorf(app.ETOOMANYREQUEST, "too many sign-in attempts; wait a few seconds and try again"))
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
	ProviderName string
	Error        string // set by the server only, never from the URL
}

func (signinData) PageTitle() string { return "Sign in" }

func (s *Server) signinPage(w http.ResponseWriter, r *http.Request) {
	if userFrom(r.Context()) != nil {
		http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	provider := "Google"
	if s.oidc != nil && !strings.Contains(s.oidc.Issuer, "accounts.google.com") {
		provider = "your organisation"
	}
	s.render(w, r, http.StatusOK, "signin", signinData{Next: localPath(r.URL.Query().Get("next")),
		OIDC: s.oidc != nil, ProviderName: provider})
}

func (s *Server) oidcStart(w http.ResponseWriter, r *http.Request) {
	if s.oidc == nil {
		s.Error(w, r, app.Errorf(app.ENOTFOUND, "sign-in with a provider is not configured here"))
		return
	}
	to, err := s.oidc.Start(w, r, localPath(r.URL.Query().Get("next")))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, to, http.StatusFound)
}

func (s *Server) oidcCallback(w http.ResponseWriter, r *http.Request) {
	if s.oidc == nil {
		s.Error(w, r, app.Errorf(app.ENOTFOUND, "sign-in with a provider is not configured here"))
		return
	}
	id, next, err := s.oidc.Finish(w, r)
	var u *coaching.User
	if err == nil {
		u, err = s.svc.SignIn(r.Context(), id)
	}
	if err != nil {
		if app.ErrorCode(err) == app.EINTERNAL {
			s.Error(w, r, err)
			return
		}
		s.log.InfoContext(r.Context(), "sign-in refused", "reason", err)
		s.render(w, r, http.StatusUnauthorized, "signin", signinData{Next: "/dashboard", OIDC: true,
			ProviderName: "Google", Error: sentence(app.ErrorMessage(err))})
		return
	}
	s.startSession(w, r, u, next)
}

// startSession sets the session cookie and sends the browser on.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u *coaching.User, next string) {
	if err := s.sessions.Issue(w, u.ID, u.SessionVersion); err != nil {
		s.Error(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "signed in", "user", u.ID, "role", u.Role)
	http.Redirect(w, r, localPath(next), http.StatusSeeOther)
}

type devSigninData struct {
	Next, Email, Name, Role string
	Fields                  map[string]string
}

func (devSigninData) PageTitle() string { return "Developer sign-in" }

func (s *Server) devSigninPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "dev_signin", devSigninData{Next: localPath(r.URL.Query().Get("next")), Role: "coach"})
}

// devSignin signs in by email and role, with no provider. It exists only on
// loopback without an OIDC client, for local use, scripts and tests.
func (s *Server) devSignin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		s.Error(w, r, app.Errorf(app.EINVALID, "the form could not be read"))
		return
	}
	d := devSigninData{Next: localPath(r.PostFormValue("next")), Email: r.PostFormValue("email"),
		Name: r.PostFormValue("name"), Role: r.PostFormValue("role")}
	u, err := s.svc.DevSignIn(r.Context(), d.Email, d.Name, app.Role(d.Role))
	if err != nil {
		if code := app.ErrorCode(err); code == app.EINVALID && !wantsJSON(r) {
			d.Fields = app.ErrorFields(err)
			s.render(w, r, http.StatusBadRequest, "dev_signin", d)
			return
		}
		s.Error(w, r, err)
		return
	}
	s.startSession(w, r, u, d.Next)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	s.sessions.Clear(w)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

func (s *Server) logoutEverywhere(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	if err := s.svc.SignOutEverywhere(r.Context()); err != nil {
		s.Error(w, r, err)
		return
	}
	s.sessions.Clear(w)
	http.Redirect(w, r, "/signin?flash=signedout", http.StatusSeeOther)
}
