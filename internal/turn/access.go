package turn

import (
	"context"
	"log/slog"
	"net"
	"slices"
	"sync"
	"time"

	pionturn "github.com/pion/turn/v4"
)

// Allowed says which of the users may still use the embedded TURN server
// (they exist and are not disabled); a user missing from the answer may
// not. It is never asked about user 0, the operator's own check (`rapport
// diagnose` signs credentials for no user with the secret itself).
type Allowed func(ctx context.Context, userIDs []int64) (map[int64]bool, error)

const (
	// SweepEvery is how often the server asks whether the users who hold
	// relays are still allowed, and closes the relays of those who are
	// not. With answers believed for as long, a disabled user's relays
	// close within a minute.
	SweepEvery = 30 * time.Second
	// believeFor is how long an answer of Allowed about a user stands.
	believeFor = 30 * time.Second
	// askWithin bounds a question asked from pion's read loop, which
	// handles nothing else meanwhile.
	askWithin = 2 * time.Second
)

// verdict is an answer of Allowed about one user, and when it came.
type verdict struct {
	ok bool
	at time.Time
}

// guard decides who may use the embedded server, for pion's AuthHandler
// and QuotaHandler, from the credentials, the relays each holds and the
// users who are allowed.
type guard struct {
	secret  string
	max     int
	now     func() time.Time
	allowed Allowed // nil: everyone
	log     *slog.Logger
	allocs  *allocations

	mu       sync.Mutex
	verdicts map[int64]verdict
}

// auth gives the key of a username made by Credentials (pion checks the
// request's MESSAGE-INTEGRITY with it after). A credential that has
// expired still serves while it holds a relay: the browser refreshes its
// relays, and adds permissions and channels to them, with the credential
// it made them with, for as long as the call lasts. A user known to be no
// longer allowed is refused. pion asks before it has checked the message,
// so this asks no one: a forged username costs a map lookup, not a query.
func (g *guard) auth(username, realm string, _ net.Addr) ([]byte, bool) {
	exp, user, ok := parseUsername(username)
	if !ok || (exp < g.now().Unix() && !g.allocs.holds(username)) {
		return nil, false
	}
	if allowed, known := g.known(user); known && !allowed {
		return nil, false
	}
	return pionturn.GenerateAuthKey(username, realm, sign(g.secret, username)), true
}

// quota admits an Allocate, which pion has authenticated by now, while
// its credential holds fewer than max relays and its user is allowed.
func (g *guard) quota(username, _ string, _ net.Addr) bool {
	_, user, _ := parseUsername(username)
	return g.allow(user) && g.allocs.reserve(username, g.max, time.Now())
}

// allow says whether the user is allowed: the answer of the last 30
// seconds, or Allowed's now.
func (g *guard) allow(user int64) bool {
	if g.allowed == nil || user == 0 {
		return true
	}
	if ok, known := g.known(user); known {
		return ok
	}
	ctx, cancel := context.WithTimeout(context.Background(), askWithin)
	defer cancel()
	got, err := g.allowed(ctx, []int64{user})
	if err != nil {
		g.log.Warn("TURN: is the user allowed", "user", user, "err", err)
		return false
	}
	g.believe(got, []int64{user})
	return got[user]
}

// known is the standing answer about the user, if there is one.
func (g *guard) known(user int64) (ok, known bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	v, found := g.verdicts[user]
	if !found || time.Since(v.at) > believeFor {
		return false, false
	}
	return v.ok, true
}

// believe keeps Allowed's answer about the users, and forgets answers
// that no longer stand.
func (g *guard) believe(got map[int64]bool, users []int64) {
	now := time.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	for user, v := range g.verdicts {
		if now.Sub(v.at) > believeFor {
			delete(g.verdicts, user)
		}
	}
	for _, user := range users {
		g.verdicts[user] = verdict{ok: got[user], at: now}
	}
}

// check asks whether the users are allowed, and closes the relays of those
// who are not.
func (g *guard) check(ctx context.Context, users []int64) error {
	users = slices.DeleteFunc(users, func(u int64) bool { return u == 0 })
	if g.allowed == nil || len(users) == 0 {
		return nil
	}
	got, err := g.allowed(ctx, users)
	if err != nil {
		return err
	}
	g.believe(got, users)
	for _, user := range users {
		if got[user] {
			continue
		}
		if n := g.allocs.close(user); n > 0 {
			g.log.Info("TURN relays closed: the user is no longer allowed", "user", user, "relays", n)
		}
	}
	return nil
}
