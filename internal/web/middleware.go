package web

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"rapport/internal/app"
	"rapport/internal/auth"
	"rapport/internal/coaching"
)

// statusWriter remembers the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer (for flushing
// and hijacking, which the room's signaling will need).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// withLogAndMetrics writes one log line per request and counts it by route.
func (s *Server) withLogAndMetrics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		rec := &requestRecord{}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), recordKey{}, rec)))
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		elapsed := time.Since(start)
		route := rec.route
		if route == "" {
			route = "unmatched"
		}
		s.metrics.observe(route, r.Method, sw.status, elapsed)
		attrs := []any{"method", r.Method, "path", loggedPath(r.URL.Path), "route", route, "status", sw.status,
			"bytes", sw.bytes, "duration_ms", float64(elapsed.Microseconds()) / 1000, "client", s.clientIP(r)}
		if rec.userID != 0 {
			attrs = append(attrs, "user", rec.userID)
		}
		s.log.InfoContext(r.Context(), "request", attrs...)
	})
}

// requestRecord carries what inner layers learn back to the log line: the
// middleware in between copies the request, so it travels in the context.
type requestRecord struct {
	route  string // the ServeMux pattern that matched
	userID int64  // who was signed in

	profile       *coaching.Profile // the viewer's, once a page has read it
	profileLoaded bool
}

type recordKey struct{}

func recordFrom(ctx context.Context) *requestRecord {
	rec, _ := ctx.Value(recordKey{}).(*requestRecord)
	return rec
}

// withRoute records which pattern of the ServeMux matched.
func (s *Server) withRoute(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if rec := recordFrom(r.Context()); rec != nil {
			rec.route = r.Pattern
		}
	})
}

// withRecover turns a panic into a 500 with the stack in the log only.
func (s *Server) withRecover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Error(w, r, fmt.Errorf("panic: %v\n%s", v, debug.Stack()))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// withSecurityHeaders sets a strict CSP (scripts only from our own files),
// no framing, no sniffing, a referrer policy, and HSTS under https.
func (s *Server) withSecurityHeaders(next http.Handler) http.Handler {
	hsts := s.cfg.SecureCookies
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(self), microphone=(self), display-capture=(self), geolocation=()")
		if hsts {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy allows our own scripts and styles only; avatars may
// come from Google's image host.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data: https://*.googleusercontent.com; connect-src 'self'; media-src 'self' blob:; " +
	"font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

type userKey struct{}

type sessionKey struct{}

// withSession loads the signed-in user and their session when the request
// carries a session token that still stands. Both are reloaded on every
// request, so that signing out (here, on another device or everywhere),
// disabling and role changes take effect at once. A recorded use sets the
// cookie again, so that a session in use does not expire.
func (s *Server) withSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			if u, ss := s.authenticate(w, r); u != nil {
				ctx := context.WithValue(app.WithActor(r.Context(), u.Actor()), userKey{}, u)
				ctx = context.WithValue(ctx, sessionKey{}, ss)
				r = r.WithContext(ctx)
				if rec := recordFrom(ctx); rec != nil {
					rec.userID = u.ID
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// authenticate returns the user and session of r's token, or nil (clearing
// a cookie that no longer stands).
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*coaching.User, *coaching.Session) {
	tok := s.sessions.Token(r)
	if tok == "" {
		return nil, nil
	}
	u, ss, err := s.svc.Authenticate(r.Context(), tok, auth.IPPrefix(s.clientIP(r)))
	if err != nil {
		switch {
		case r.Context().Err() != nil:
			// The client went away mid-request: nothing to report.
		case app.ErrorCode(err) == app.EINTERNAL:
			s.log.ErrorContext(r.Context(), "load session user", "err", err)
		default:
			s.sessions.Clear(w)
		}
		return nil, nil
	}
	if ss.Touched {
		s.sessions.Set(w, tok)
	}
	return u, ss
}

// sessionFrom returns the session of ctx, or nil.
func sessionFrom(ctx context.Context) *coaching.Session {
	ss, _ := ctx.Value(sessionKey{}).(*coaching.Session)
	return ss
}

// userFrom returns the signed-in user of ctx, or nil.
func userFrom(ctx context.Context) *coaching.User {
	u, _ := ctx.Value(userKey{}).(*coaching.User)
	return u
}

// signedIn wraps a handler that needs a signed-in user.
func (s *Server) signedIn(h func(http.ResponseWriter, *http.Request, *coaching.User)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u := userFrom(r.Context())
		if u == nil {
			s.Error(w, r, app.Errorf(app.EUNAUTHORIZED, "please sign in"))
			return
		}
		h(w, r, u)
	}
}
