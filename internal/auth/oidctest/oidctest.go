// Package oidctest is a stand-in OpenID Connect provider for tests: it
// speaks the real protocol over real HTTP (discovery, JWKS, an authorization
// endpoint that approves at once, a token endpoint that checks the client
// secret and the PKCE verifier), so that the sign-in code under test is the
// code production runs against Google. Like Zitadel and others by default,
// it can leave the email out of the ID token and give it at UserInfo only.
package oidctest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// User is who the provider says signs in next.
type User struct {
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
	Picture       string
	HostedDomain  string // Google's hd claim; empty: none
}

// Provider is a running stand-in provider.
type Provider struct {
	*httptest.Server
	ClientID, ClientSecret string

	mu    sync.Mutex
	key   *rsa.PrivateKey
	next  User
	codes map[string]grant
	// Tamper, when set, may change the ID token claims before signing (to
	// test a wrong nonce, audience or expiry).
	Tamper func(claims jwt.MapClaims)
	// SignWith, when set, signs tokens with another key than the published one.
	SignWith *rsa.PrivateKey
	// EmailAtUserInfoOnly leaves email and email_verified out of the ID
	// token; the UserInfo endpoint gives them (OIDC Core 5.4).
	EmailAtUserInfoOnly bool
	// TamperUserInfo, when set, may change the UserInfo answer.
	TamperUserInfo func(claims map[string]any)

	access   map[string]User // access tokens and whom they are for
	lastAuth url.Values      // the last authorization request
	down     bool
}

type grant struct {
	user                       User
	nonce, challenge, redirect string
}

// New starts a provider for one client.
func New(clientID, clientSecret string) *Provider {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	p := &Provider{ClientID: clientID, ClientSecret: clientSecret, key: key, codes: map[string]grant{}, access: map[string]User{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /userinfo", p.userinfo)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	p.Server = httptest.NewServer(mux)
	return p
}

// SignInAs sets who signs in at the next authorization.
func (p *Provider) SignInAs(u User) {
	p.mu.Lock()
	p.next = u
	p.mu.Unlock()
}

// SetDown makes discovery fail (503) while down, as a provider that
// cannot be reached.
func (p *Provider) SetDown(down bool) {
	p.mu.Lock()
	p.down = down
	p.mu.Unlock()
}

// LastAuthorization is the query of the last authorization request.
func (p *Provider) LastAuthorization() url.Values {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lastAuth
}

func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	down := p.down
	p.mu.Unlock()
	if down {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	writeJSON(w, map[string]any{
		"issuer": p.URL, "authorization_endpoint": p.URL + "/authorize", "token_endpoint": p.URL + "/token",
		"userinfo_endpoint": p.URL + "/userinfo",
		"jwks_uri":          p.URL + "/jwks", "response_types_supported": []string{"code"},
		"subject_types_supported": []string{"public"}, "id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported": []string{"S256"},
	})
}

func (p *Provider) jwks(w http.ResponseWriter, r *http.Request) {
	pub := p.key.PublicKey
	writeJSON(w, map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "alg": "RS256", "use": "sig", "kid": "k1",
		"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

// authorize approves at once, as a user who clicks "Continue" would.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != p.ClientID || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" {
		http.Error(w, "bad authorization request", http.StatusBadRequest)
		return
	}
	code := b64(randomBytes(16))
	p.mu.Lock()
	p.lastAuth = q
	p.codes[code] = grant{user: p.next, nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
	p.mu.Unlock()
	to, _ := url.Parse(q.Get("redirect_uri"))
	v := to.Query()
	v.Set("code", code)
	v.Set("state", q.Get("state"))
	to.RawQuery = v.Encode()
	http.Redirect(w, r, to.String(), http.StatusFound)
}

func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	}
	p.mu.Lock()
	g, found := p.codes[r.PostFormValue("code")]
	delete(p.codes, r.PostFormValue("code"))
	p.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
	switch {
	case id != p.ClientID || secret != p.ClientSecret:
		tokenError(w, "invalid_client")
	case !found || g.redirect != r.PostFormValue("redirect_uri"):
		tokenError(w, "invalid_grant")
	case b64(sum[:]) != g.challenge:
		tokenError(w, "invalid_grant") // PKCE verifier does not match the challenge
	default:
		at := "at-" + b64(randomBytes(8))
		p.mu.Lock()
		p.access[at] = g.user
		p.mu.Unlock()
		writeJSON(w, map[string]any{"access_token": at, "token_type": "Bearer",
			"expires_in": 3600, "id_token": p.idToken(g)})
	}
}

// userinfo answers with the claims of the access token's user.
func (p *Provider) userinfo(w http.ResponseWriter, r *http.Request) {
	at, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	p.mu.Lock()
	u, found := p.access[at]
	p.mu.Unlock()
	if !ok || !found {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		http.Error(w, "invalid token", http.StatusUnauthorized)
		return
	}
	claims := map[string]any{"sub": u.Subject, "email": u.Email, "email_verified": u.EmailVerified,
		"name": u.Name, "picture": u.Picture}
	if u.HostedDomain != "" {
		claims["hd"] = u.HostedDomain
	}
	if p.TamperUserInfo != nil {
		p.TamperUserInfo(claims)
	}
	writeJSON(w, claims)
}

func (p *Provider) idToken(g grant) string {
	now := time.Now()
	claims := jwt.MapClaims{"iss": p.URL, "sub": g.user.Subject, "aud": p.ClientID, "iat": now.Unix(),
		"exp": now.Add(time.Hour).Unix(), "nonce": g.nonce, "email": g.user.Email,
		"email_verified": g.user.EmailVerified, "name": g.user.Name, "picture": g.user.Picture}
	if g.user.HostedDomain != "" {
		claims["hd"] = g.user.HostedDomain
	}
	if p.EmailAtUserInfoOnly {
		delete(claims, "email")
		delete(claims, "email_verified")
	}
	if p.Tamper != nil {
		p.Tamper(claims)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = "k1"
	key := p.key
	if p.SignWith != nil {
		key = p.SignWith
	}
	s, err := tok.SignedString(key)
	if err != nil {
		panic(err)
	}
	return s
}

func tokenError(w http.ResponseWriter, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]string{"error": code})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}
