package web

import (
	"crypto/subtle"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"rapport/internal/app"
)

// A person may make WriteBurst changes at once, then one every WriteEvery:
// far more than anyone types, far less than a script that invites two
// hundred people in a second.
const (
	WriteEvery = 2 * time.Second
	WriteBurst = 30
)

// DefaultBodyTimeout is how long a request's body may take to arrive.
const DefaultBodyTimeout = 30 * time.Second

// clientIP is the address of whoever sent r, believing the forwarded
// address of TRUSTED_PROXIES only.
func (s *Server) clientIP(r *http.Request) string { return s.proxies.ClientIP(r) }

// withWriteLimit answers 429, with Retry-After, a signed-in person who
// changes things faster than WriteBurst and WriteEvery allow, through the
// API or the forms. Sign-in has its own limit, and a room's connection its
// own per frame.
func (s *Server) withWriteLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := userFrom(r.Context())
		if u == nil || !isWrite(r.Method) || strings.HasPrefix(r.URL.Path, "/rooms/") || strings.HasPrefix(r.URL.Path, "/auth/") {
			next.ServeHTTP(w, r)
			return
		}
		if ok, wait := s.writes.Reserve(strconv.FormatInt(u.ID, 10)); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
			s.Error(w, r, app.Errorf(app.ERATELIMITED, "too many changes in a short time; wait a few seconds and try again"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func isWrite(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

// withBodyDeadline bounds how long a request's body may take to arrive
// (the server bounds its headers): a client that sends a body a byte a
// minute holds no handler. The bound lifts once the body is read, so that
// it cannot end a handler that takes its time afterwards.
func (s *Server) withBodyDeadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 && s.BodyTimeout > 0 {
			rc := http.NewResponseController(w)
			if rc.SetReadDeadline(time.Now().Add(s.BodyTimeout)) == nil {
				r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// deadlineBody lifts the read deadline when the body ends.
type deadlineBody struct {
	io.ReadCloser
	rc *http.ResponseController
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if errors.Is(err, io.EOF) {
		b.rc.SetReadDeadline(time.Time{})
	} else if errors.Is(err, os.ErrDeadlineExceeded) {
		return n, app.Errorf(app.EINVALID, "the request's body took too long to arrive")
	}
	return n, err
}

// metricsGate lets this machine read /metrics (a request straight from
// loopback, as from a Prometheus or `rapport-load` beside the server),
// and anyone with METRICS_TOKEN as a bearer token; others get 404.
func (s *Server) metricsGate(h http.Handler) http.Handler {
	token := s.cfg.MetricsToken
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fromThisMachine(r) || bearerIs(r, token) {
			h.ServeHTTP(w, r)
			return
		}
		s.Error(w, r, errNoRoute)
	})
}

// bearerIs reports whether r carries token as its bearer token (never when
// token is empty), comparing in constant time.
func bearerIs(r *http.Request, token string) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && token != "" && subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1
}

// MetricsHandler is /metrics for a listener of its own (METRICS_ADDR): it
// asks for METRICS_TOKEN when one is set.
func (s *Server) MetricsHandler() http.Handler {
	h, token := s.metrics.Handler(), s.cfg.MetricsToken
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token != "" && !bearerIs(r, token) {
			http.Error(w, "a bearer token is required", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
	return mux
}
