package skooltest

import (
	"net/http"
	"strings"
	"time"
)

// signInPage shows the form, or sends a signed-in browser home.
func (s *Site) signInPage(w http.ResponseWriter, r *http.Request) {
	if s.hasSession(r) {
		http.Redirect(w, r, "/", http.StatusFound)
		return
	}
	render(w, http.StatusOK, "signin.html", page{Title: "Log In | Skool", Route: "/login", Data: map[string]any{}, Next: localPath(r.URL.Query().Get("next"))})
}

// signInSubmit checks the account: a wrong one gets the form again with a
// message; a right one a session, or first the two-factor page.
func (s *Site) signInSubmit(w http.ResponseWriter, r *http.Request) {
	s.signIns.Add(1)
	next := localPath(r.URL.Query().Get("next"))
	if !strings.EqualFold(r.PostFormValue("email"), Email) || r.PostFormValue("password") != Password {
		render(w, http.StatusOK, "signin.html", page{Title: "Log In | Skool", Route: "/login", Data: map[string]any{},
			Next: next, Error: "Incorrect email or password."})
		return
	}
	if s.opts.RequireTwoFactor {
		http.Redirect(w, r, "/login/verify", http.StatusSeeOther)
		return
	}
	t := token()
	s.mu.Lock()
	s.sessions[t] = true
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: "auth_token", Value: t, Path: "/", MaxAge: int((30 * 24 * time.Hour).Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode})
	if next == "" {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// verifyPage asks for the code Skool emailed: only a person can go on.
func (s *Site) verifyPage(w http.ResponseWriter, r *http.Request) {
	render(w, http.StatusOK, "verify.html", page{Title: "Verify it's you | Skool", Route: "/login/verify", Data: map[string]any{}})
}

// home is the signed-in start page.
func (s *Site) home(w http.ResponseWriter, r *http.Request) {
	render(w, http.StatusOK, "home.html", page{Title: "Skool", Route: "/", Data: map[string]any{"user": map[string]any{"email": Email}}})
}

// localPath keeps a redirect on the site.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return ""
	}
	return p
}
