// Package auth signs people in and keeps them signed in: OpenID Connect
// (Google by default, any issuer by setting) with state, nonce and PKCE; the
// session as a signed JWT in an HttpOnly cookie with sliding renewal; and a
// rate limiter for the sign-in routes. Pages and forms live in package web.
package auth

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"rapport/internal/app"
)

// SessionCookie is the name of the session cookie.
const SessionCookie = "rapport_session"

// Session lifetimes: a session lasts TTL from its last renewal, and a request
// renews it once it is RenewAfter old, so that active people stay signed in.
const (
	DefaultTTL        = 14 * 24 * time.Hour
	DefaultRenewAfter = 12 * time.Hour
)

// Sessions issues and checks session cookies.
type Sessions struct {
	secret     []byte
	Secure     bool // Secure cookies, for https deployments
	TTL        time.Duration
	RenewAfter time.Duration
	Clock      app.Clock
	parser     *jwt.Parser
}

// NewSessions returns sessions signed with secret (HS256).
func NewSessions(secret []byte, secure bool) *Sessions {
	s := &Sessions{secret: secret, Secure: secure, TTL: DefaultTTL, RenewAfter: DefaultRenewAfter, Clock: app.SystemClock{}}
	s.parser = jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(), jwt.WithTimeFunc(func() time.Time { return s.Clock.Now() }))
	return s
}

// Claims are what a session cookie says: who, and which session version.
type Claims struct {
	jwt.RegisteredClaims
	Version int64 `json:"ver"`
}

// UserID returns the user the claims are about.
func (c *Claims) UserID() int64 {
	id, _ := strconv.ParseInt(c.Subject, 10, 64)
	return id
}

// Token signs a session token for a user at a session version.
func (s *Sessions) Token(userID, version int64) (string, error) {
	now := s.Clock.Now()
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   strconv.FormatInt(userID, 10),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(s.TTL)),
		},
		Version: version,
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.secret)
}

// Issue sets a fresh session cookie for the user.
func (s *Sessions) Issue(w http.ResponseWriter, userID, version int64) error {
	tok, err := s.Token(userID, version)
	if err != nil {
		return fmt.Errorf("sign session: %w", err)
	}
	http.SetCookie(w, s.cookie(SessionCookie, tok, s.TTL))
	return nil
}

// Clear removes the session cookie.
func (s *Sessions) Clear(w http.ResponseWriter) {
	http.SetCookie(w, s.cookie(SessionCookie, "", -1))
}

// Parse reads and verifies the session cookie of r.
func (s *Sessions) Parse(r *http.Request) (*Claims, error) {
	ck, err := r.Cookie(SessionCookie)
	if err != nil {
		return nil, app.Errorf(app.EUNAUTHORIZED, "please sign in")
	}
	return s.ParseToken(ck.Value)
}

// ParseToken verifies a session token.
func (s *Sessions) ParseToken(tok string) (*Claims, error) {
	var c Claims
	_, err := s.parser.ParseWithClaims(tok, &c, s.key)
	if err != nil || c.UserID() <= 0 {
		return nil, app.Errorf(app.EUNAUTHORIZED, "your session has ended; please sign in again")
	}
	return &c, nil
}

// key is the jwt.Keyfunc: every token is checked with our secret.
func (s *Sessions) key(*jwt.Token) (any, error) { return s.secret, nil }

// NeedsRenewal reports whether a session is old enough to be renewed.
func (s *Sessions) NeedsRenewal(c *Claims) bool {
	return c.IssuedAt != nil && s.Clock.Now().Sub(c.IssuedAt.Time) > s.RenewAfter
}

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
