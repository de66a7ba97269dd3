// Package skooltest is a stand-in for Skool over real HTTP, for tests of
// the scraper and of what uses it: a Next.js-like site with a slow
// JavaScript firewall check, a sign-in form, two-factor sign-in, and the
// member administration of communities, paged with a next button or
// scrolled endlessly, its first page in __NEXT_DATA__ and the next pages
// from the JSON API its script fetches. The "changed layout" variant is
// Skool after a redesign; the "list only" one has no member data in its
// JSON, only the visible list.
package skooltest

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rapport/internal/membership"
)

// The monitoring account the stand-in accepts.
const (
	Email    = "Monitor@Example.com"
	Password = "correct horse battery staple"
)

// Layout is how the member pages look.
type Layout string

// The layouts.
const (
	Standard Layout = ""          // as the built-in selectors expect
	Changed  Layout = "changed"   // after a redesign: other JSON, other elements
	ListOnly Layout = "list-only" // no members in the page's JSON; dates shown only as text
)

// Options are what the stand-in holds and how it behaves.
type Options struct {
	// Members per community slug; nil: DefaultMembers().
	Members map[string][]membership.Member
	Layout  Layout
	// ChallengeFor is how long the firewall's JavaScript check takes on a
	// browser's first visit; 0: no check.
	ChallengeFor time.Duration
	// RequireTwoFactor asks for an emailed code after the password.
	RequireTwoFactor bool
	// PageSize is the members per page; 0: 30.
	PageSize int
	// Scroll makes the list endless, loading more on scroll, instead of
	// paged with a next button.
	Scroll bool
}

// Site is a running stand-in.
type Site struct {
	URL string // the stand-in's address, for SKOOL_URL

	opts     Options
	waf      string // the firewall's cookie value
	signIns  atomic.Int32
	mu       sync.Mutex
	sessions map[string]bool
	agents   []string // the User-Agent headers seen
}

// New starts a stand-in for the test and returns its URL (SKOOL_URL).
func New(t testing.TB, opts Options) string { return Start(t, opts).URL }

// Start starts a stand-in for the test.
func Start(t testing.TB, opts Options) *Site {
	t.Helper()
	if opts.Members == nil {
		opts.Members = DefaultMembers()
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 30
	}
	s := &Site{opts: opts, waf: token(), sessions: map[string]bool{}}
	srv := httptest.NewServer(s.routes())
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Members is what the stand-in holds for a community.
func (s *Site) Members(slug string) []membership.Member { return s.opts.Members[slug] }

// SignIns counts the sign-in forms submitted, right or wrong.
func (s *Site) SignIns() int { return int(s.signIns.Load()) }

// UserAgents are the User-Agent headers of the requests so far.
func (s *Site) UserAgents() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.agents...)
}

func token() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Chromium is RAPPORT_CHROMIUM or /usr/bin/chromium; without it the test
// is skipped, or fails when CI=true.
func Chromium(t testing.TB) string {
	t.Helper()
	path := os.Getenv("RAPPORT_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no Chromium at %s (set RAPPORT_CHROMIUM): %v", path, err)
		}
		t.Skipf("no Chromium at %s (set RAPPORT_CHROMIUM to run the browser test): %v", path, err)
	}
	return path
}

// routes are the stand-in's pages behind its bot checks.
func (s *Site) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", s.signInPage)
	mux.HandleFunc("POST /login", s.signInSubmit)
	mux.HandleFunc("GET /login/verify", s.verifyPage)
	mux.HandleFunc("GET /{$}", s.signedIn(s.home))
	mux.HandleFunc("GET /{slug}/-/members", s.signedIn(s.membersPage))
	mux.HandleFunc("GET /api/groups/{slug}/members", s.api(s.membersAPI))
	mux.HandleFunc("GET /api/v2/communities/{slug}/roster", s.api(s.rosterAPI))
	mux.HandleFunc("GET /_next/static/chunks/members.js", serveScript)
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	return s.firewall(mux)
}

// firewall turns away browsers that say they are automated, and shows a
// first visit the JavaScript check for ChallengeFor.
func (s *Site) firewall(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.agents = append(s.agents, r.UserAgent())
		s.mu.Unlock()
		if strings.Contains(r.UserAgent(), "HeadlessChrome") {
			http.Error(w, "Access denied: automated browser", http.StatusForbidden)
			return
		}
		if s.opts.ChallengeFor > 0 && !s.passedCheck(r) && !strings.HasPrefix(r.URL.Path, "/_next/") {
			if strings.HasPrefix(r.URL.Path, "/api/") {
				http.Error(w, `{"error":"challenge"}`, http.StatusForbidden)
				return
			}
			s.challenge(w)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Site) passedCheck(r *http.Request) bool {
	c, err := r.Cookie("aws-waf-token")
	return err == nil && c.Value == s.waf
}

// signedIn sends a browser without a session to the sign-in form.
func (s *Site) signedIn(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.hasSession(r) {
			http.Redirect(w, r, "/login?next="+r.URL.Path, http.StatusFound)
			return
		}
		h(w, r)
	}
}

// api answers 401 without a session.
func (s *Site) api(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.hasSession(r) {
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		h(w, r)
	}
}

func (s *Site) hasSession(r *http.Request) bool {
	c, err := r.Cookie("auth_token")
	if err != nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[c.Value]
}
