// Package auth signs people in and keeps them signed in: OpenID Connect
// (Google by default, any issuer by setting) with state, nonce and PKCE; the
// session cookie, which carries a random token of a session the server
// keeps (coaching.Session); tokens for the AI's agent; and a rate limiter
// for the sign-in routes. Pages and forms live in package web.
package auth

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

// SessionCookie is the name of the session cookie.
const SessionCookie = "rapport_session"

// Sessions sets and reads the session cookie, and signs the short-lived
// tokens of a sign-in in progress and of the AI's agent.
type Sessions struct {
	secret []byte
	Secure bool // Secure cookies, for https deployments
	Clock  app.Clock
	parser *jwt.Parser
}

// NewSessions returns sessions whose signed tokens use secret (HS256).
func NewSessions(secret []byte, secure bool) *Sessions {
	s := &Sessions{secret: secret, Secure: secure, Clock: app.SystemClock{}}
	s.parser = jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(), jwt.WithTimeFunc(func() time.Time { return s.Clock.Now() }))
	return s
}

// Set gives the browser a session's token, for as long as a session may
// go unused: each use that the server records sets it again.
func (s *Sessions) Set(w http.ResponseWriter, token string) {
	http.SetCookie(w, s.cookie(SessionCookie, token, coaching.SessionIdle))
}

// Clear removes the session cookie.
func (s *Sessions) Clear(w http.ResponseWriter) {
	http.SetCookie(w, s.cookie(SessionCookie, "", -1))
}

// Token returns the session token r carries, or "".
func (s *Sessions) Token(r *http.Request) string {
	ck, err := r.Cookie(SessionCookie)
	if err != nil {
		return ""
	}
	return ck.Value
}

// key is the jwt.Keyfunc: every token is checked with our secret.
func (s *Sessions) key(*jwt.Token) (any, error) { return s.secret, nil }

// cookie builds an HttpOnly, SameSite=Lax cookie for the whole site.
func (s *Sessions) cookie(name, value string, maxAge time.Duration) *http.Cookie {
	ck := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteLaxMode}
	if maxAge < 0 {
		ck.MaxAge = -1
	} else {
		ck.MaxAge = int(maxAge / time.Second)
	}
	return ck
}

// LoadOrCreateSecret returns the session secret kept in dataDir, creating a
// random one on first use. It is for loopback use without SESSION_SECRET:
// sessions then survive restarts without any setting.
func LoadOrCreateSecret(dataDir string) ([]byte, error) {
	return loadOrCreate(filepath.Join(dataDir, "session.key"))
}

// DevTokenFile is the file in the data directory that keeps the developer
// sign-in's token, for scripts on the same machine.
const DevTokenFile = "dev-signin.token"

// LoadOrCreateDevToken returns the developer sign-in's token kept in
// dataDir, creating a random one on first use. The sign-in link that serve
// prints carries it, and the developer sign-in answers nothing else: a
// loopback server behind a careless reverse proxy must not let anyone in.
func LoadOrCreateDevToken(dataDir string) (string, error) {
	b, err := loadOrCreate(filepath.Join(dataDir, DevTokenFile))
	return string(b), err
}

// loadOrCreate reads a secret of at least 32 bytes from path, or writes a
// random one there (mode 0600) when there is none.
func loadOrCreate(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil && len(b) >= 32 {
		return b, nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	raw := make([]byte, 48)
	rand.Read(raw)
	b = []byte(base64.RawURLEncoding.EncodeToString(raw))
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return b, nil
}
