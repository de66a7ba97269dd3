package web

import (
	"crypto/subtle"
	"net/http"
	"net/url"

	"rapport/internal/app"
	"rapport/internal/auth"
)

// devCookie keeps the developer sign-in's token in the browser that opened
// the link serve printed, for the developer sign-in's path only.
const devCookie = "rapport_dev"

// errDevLocked is the answer to a developer sign-in without the token.
var errDevLocked = app.Errorf(app.EFORBIDDEN, "the developer sign-in opens only through the link that `rapport serve` printed when it started (its token is also in the data directory's "+auth.DevTokenFile+")")

type devSigninData struct {
	Next, Email, Name, Role string
	Fields                  map[string]string
}

func (devSigninData) PageTitle() string { return "Developer sign-in" }

// devSigninPage shows the developer sign-in to a browser that holds the
// token. The link with ?token= puts it in a cookie and comes back without
// it, so that the token does not stay in the address bar and history.
func (s *Server) devSigninPage(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"))
	if tok := r.URL.Query().Get("token"); tok != "" && s.validDevToken(tok) {
		http.SetCookie(w, &http.Cookie{Name: devCookie, Value: tok, Path: "/auth/dev", HttpOnly: true,
			SameSite: http.SameSiteStrictMode, Secure: s.cfg.SecureCookies, MaxAge: 30 * 24 * 3600})
		http.Redirect(w, r, "/auth/dev?next="+url.QueryEscape(next), http.StatusSeeOther)
		return
	}
	if !s.devCookieValid(r) {
		s.Error(w, r, errDevLocked)
		return
	}
	s.render(w, r, http.StatusOK, "dev_signin", devSigninData{Next: next, Role: string(app.RoleClient)})
}

// devSignin signs in by email, with no provider; the role applies to a new
// user only. It exists only on loopback without an OIDC client, for local
// use, scripts and tests, and answers only with the token (the cookie the
// link set, or a token form field for scripts).
func (s *Server) devSignin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		s.Error(w, r, app.Errorf(app.EINVALID, "the form could not be read"))
		return
	}
	if !s.devCookieValid(r) && !s.validDevToken(r.PostFormValue("token")) {
		s.Error(w, r, errDevLocked)
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

func (s *Server) devCookieValid(r *http.Request) bool {
	ck, err := r.Cookie(devCookie)
	return err == nil && s.validDevToken(ck.Value)
}

// validDevToken compares in constant time.
func (s *Server) validDevToken(tok string) bool {
	return s.devToken != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(s.devToken)) == 1
}
