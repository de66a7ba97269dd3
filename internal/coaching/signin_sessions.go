package coaching

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"
	"unicode/utf8"

	"rapport/internal/app"
	"rapport/internal/audit"
)

// Session is a signed-in browser, kept on the server so that signing out
// ends it for good and one device can be signed out without the others.
// The browser holds a random token; the store keeps only its hash.
type Session struct {
	ID         int64     `json:"id"`
	UserID     int64     `json:"-"`
	TokenHash  string    `json:"-"`
	Version    int64     `json:"-"` // the user's session version when it began
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	UserAgent  string    `json:"user_agent"`
	IPPrefix   string    `json:"ip_prefix"` // the network it was last used from, like 203.0.113.0/24
	// Touched says that Authenticate has just recorded a use: the
	// browser's cookie may be set again to last SessionIdle from now.
	Touched bool `json:"-"`
}

// Session lifetimes: a session unused for SessionIdle ends; its last use is
// written at most once every SessionTouchEvery, not on every request.
const (
	SessionIdle       = 14 * 24 * time.Hour
	SessionTouchEvery = time.Minute
)

// SessionStore keeps the sign-in sessions.
type SessionStore interface {
	CreateSession(ctx context.Context, s *Session) error
	// SessionByToken returns the session of a token's hash and its user.
	SessionByToken(ctx context.Context, tokenHash string) (*Session, *User, error)
	TouchSession(ctx context.Context, id int64, at time.Time, ipPrefix string) error
	// DeleteSession ends one session of a user; false when they have none
	// of that ID.
	DeleteSession(ctx context.Context, userID, id int64) (bool, error)
	// DeleteUserSessions ends every session of a user.
	DeleteUserSessions(ctx context.Context, userID int64) error
	// ListSessions returns a user's sessions of a version, the latest used first.
	ListSessions(ctx context.Context, userID, version int64) ([]*Session, error)
	// DeleteIdleSessions ends the sessions last used before a time.
	DeleteIdleSessions(ctx context.Context, before time.Time) (int64, error)
	// StandingSessions returns which of ids stand: used since idleBefore,
	// of the user's current version, the user not disabled.
	StandingSessions(ctx context.Context, ids []int64, idleBefore time.Time) (map[int64]bool, error)
}

// HashToken is what the store keeps of a session token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// StartSession begins a session for a user who has just signed in and
// returns the token for the browser's cookie. The sign-in goes into the
// audit log, with the network it came from, in the same transaction.
func (s *Service) StartSession(ctx context.Context, u *User, userAgent, ipPrefix string) (string, *Session, error) {
	raw := make([]byte, 32)
	rand.Read(raw)
	token := base64.RawURLEncoding.EncodeToString(raw)
	now := s.Clock.Now()
	ss := &Session{UserID: u.ID, TokenHash: HashToken(token), Version: u.SessionVersion, CreatedAt: now,
		LastSeenAt: now, UserAgent: clip(userAgent, 300), IPPrefix: clip(ipPrefix, 64)}
	err := s.Store.InTx(ctx, func(q Records) error {
		if err := q.CreateSession(ctx, ss); err != nil {
			return err
		}
		who := app.WithActor(ctx, &app.Actor{UserID: u.ID, Role: u.Role, Email: u.Email})
		return audit.Record(who, q, s.Clock, audit.SignedIn, u.ID, signInDetail(ss))
	})
	if err != nil {
		return "", nil, fmt.Errorf("start session: %w", err)
	}
	return token, ss, nil
}

// signInDetail is a sign-in's audit detail: its session and network.
func signInDetail(ss *Session) string {
	d := fmt.Sprintf("session %d", ss.ID)
	if ss.IPPrefix != "" {
		d += " from " + ss.IPPrefix
	}
	return d
}

var errSignInAgain = app.Errorf(app.EUNAUTHORIZED, "your session has ended; please sign in again")

// Authenticate returns the user and the session behind a token, when the
// session still stands: it exists, was used within SessionIdle, the user is
// not disabled and has not signed out everywhere since. A session that
// does not stand is deleted. Its last use (and network) is recorded at most
// once a SessionTouchEvery.
func (s *Service) Authenticate(ctx context.Context, token, ipPrefix string) (*User, *Session, error) {
	if token == "" {
		return nil, nil, errSignInAgain
	}
	ss, u, err := s.Store.SessionByToken(ctx, HashToken(token))
	if app.ErrorCode(err) == app.ENOTFOUND {
		return nil, nil, errSignInAgain
	} else if err != nil {
		return nil, nil, fmt.Errorf("authenticate: %w", err)
	}
	now := s.Clock.Now()
	if u.Status == StatusDisabled || u.SessionVersion != ss.Version || now.Sub(ss.LastSeenAt) > SessionIdle {
		if _, err := s.Store.DeleteSession(ctx, u.ID, ss.ID); err != nil {
			return nil, nil, fmt.Errorf("end a session that no longer stands: %w", err)
		}
		return nil, nil, errSignInAgain
	}
	if now.Sub(ss.LastSeenAt) >= SessionTouchEvery || (ipPrefix != "" && ipPrefix != ss.IPPrefix) {
		ss.LastSeenAt, ss.IPPrefix, ss.Touched = now, clip(ipPrefix, 64), true
		if err := s.Store.TouchSession(ctx, ss.ID, now, ss.IPPrefix); err != nil {
			return nil, nil, fmt.Errorf("record the session's use: %w", err)
		}
	}
	return u, ss, nil
}

// StandingSessions returns which of some sessions still stand (exist, were
// used within SessionIdle, of a user not disabled who has not signed out
// everywhere since), for connections that outlive the request that opened
// them: a room's connections are checked as often as they are pinged.
func (s *Service) StandingSessions(ctx context.Context, ids []int64) (map[int64]bool, error) {
	return s.Store.StandingSessions(ctx, ids, s.Clock.Now().Add(-SessionIdle))
}

// EndSession ends the session of a token: signing out on this device.
func (s *Service) EndSession(ctx context.Context, token string) error {
	ss, _, err := s.Store.SessionByToken(ctx, HashToken(token))
	if app.ErrorCode(err) == app.ENOTFOUND {
		return nil
	} else if err != nil {
		return fmt.Errorf("sign out: %w", err)
	}
	_, err = s.Store.DeleteSession(ctx, ss.UserID, ss.ID)
	return err
}

// Sessions lists the caller's sessions that still stand, the latest used first.
func (s *Service) Sessions(ctx context.Context) ([]*Session, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	u, err := s.Store.UserByID(ctx, a.UserID)
	if err != nil {
		return nil, err
	}
	list, err := s.Store.ListSessions(ctx, a.UserID, u.SessionVersion)
	if err != nil {
		return nil, err
	}
	now, out := s.Clock.Now(), list[:0]
	for _, ss := range list {
		if now.Sub(ss.LastSeenAt) <= SessionIdle {
			out = append(out, ss)
		}
	}
	return out, nil
}

// SignOutDevice ends one of the caller's sessions; another person's is not
// found.
func (s *Service) SignOutDevice(ctx context.Context, id int64) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	found, err := s.Store.DeleteSession(ctx, a.UserID, id)
	if err != nil {
		return err
	}
	if !found {
		return notFound("session")
	}
	return nil
}

// SweepSessions deletes the sessions unused for SessionIdle.
func (s *Service) SweepSessions(ctx context.Context) (int64, error) {
	return s.Store.DeleteIdleSessions(ctx, s.Clock.Now().Add(-SessionIdle))
}

// clip cuts text a browser sent (a User-Agent) to at most n bytes of
// clean text (CleanText), whole characters only.
func clip(s string, n int) string {
	s = CleanText(s)
	for len(s) > n {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}
