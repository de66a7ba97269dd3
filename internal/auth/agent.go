package auth

import (
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"rapport/internal/app"
)

// agentAudience marks agent tokens apart from session tokens: neither can
// stand in for the other.
const agentAudience = "rapport-agent"

// agentClaims give the holder the AI seat of one room until they expire.
type agentClaims struct {
	jwt.RegisteredClaims
	Room string `json:"room"`
}

// AgentToken signs a token that lets a program take the AI co-coach's seat
// in one room (the co-coach worker, or a load generator) until expires.
func (s *Sessions) AgentToken(roomID string, expires time.Time) (string, error) {
	c := agentClaims{Room: roomID, RegisteredClaims: jwt.RegisteredClaims{
		Audience: jwt.ClaimStrings{agentAudience}, IssuedAt: jwt.NewNumericDate(s.Clock.Now()),
		ExpiresAt: jwt.NewNumericDate(expires)}}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.secret)
}

// AgentRoom returns the room an agent token of the request's Authorization
// header ("Bearer ...") opens, or "" when the request carries none.
func (s *Sessions) AgentRoom(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if h == "" {
		return "", nil
	}
	var c agentClaims
	if ok {
		_, err := jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(),
			jwt.WithAudience(agentAudience), jwt.WithTimeFunc(s.Clock.Now)).ParseWithClaims(tok, &c, s.key)
		if err == nil && c.Room != "" {
			return c.Room, nil
		}
	}
	return "", app.Errorf(app.EUNAUTHORIZED, "the agent token is not valid or has expired")
}
