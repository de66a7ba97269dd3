// Package turn gives browsers the TURN servers they may relay their media
// through, with credentials that expire: the embedded TURN server (pion), an
// external one sharing its secret (coturn's use-auth-secret), or Twilio's
// Network Traversal Service. No lasting secret reaches a browser.
package turn

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // the TURN REST scheme is HMAC-SHA1
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"rapport/internal/protocol"
)

// Credentials are a user's time-limited TURN credentials in the TURN REST
// scheme (draft-uberti-behave-turn-rest, as coturn's use-auth-secret): the
// username is "<expiry unix time>:<user id>", the password the base64
// HMAC-SHA1 of the username under the shared secret.
func Credentials(secret string, userID int64, expires time.Time) (username, password string) {
	username = strconv.FormatInt(expires.Unix(), 10) + ":" + strconv.FormatInt(userID, 10)
	return username, sign(secret, username)
}

func sign(secret, username string) string {
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte(username))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Check returns the password of a username made by Credentials, if it has
// not expired at now.
func Check(secret, username string, now time.Time) (string, bool) {
	exp, _, ok := parseUsername(username)
	if !ok || exp < now.Unix() {
		return "", false
	}
	return sign(secret, username), true
}

// parseUsername reads a username made by Credentials: its expiry (unix
// time) and its user.
func parseUsername(username string) (expires, userID int64, ok bool) {
	ts, id, found := strings.Cut(username, ":")
	exp, err1 := strconv.ParseInt(ts, 10, 64)
	user, err2 := strconv.ParseInt(id, 10, 64)
	if !found || err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return exp, user, true
}

// Shared gives each user credentials for TURN servers that know the
// secret: the embedded one, or coturn with use-auth-secret.
type Shared struct {
	URLs   []string // turn:host:3478?transport=udp, turns:host:5349?transport=tcp, ...
	Secret string
	TTL    time.Duration // how long credentials last
	Now    func() time.Time
}

// ICEServers is the user's entry for RTCConfiguration.iceServers.
func (s *Shared) ICEServers(userID int64) []protocol.ICEServer {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	user, pass := Credentials(s.Secret, userID, now().Add(s.TTL))
	return []protocol.ICEServer{{URLs: s.URLs, Username: user, Credential: pass}}
}
