package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

// flowCookie carries the state, nonce and PKCE verifier of a sign-in in
// progress, signed, for ten minutes.
const (
	flowCookie = "rapport_oidc"
	flowTTL    = 10 * time.Minute
)

// OIDC signs people in with an OpenID Connect provider by the authorization
// code flow with state, nonce and PKCE. The provider's metadata is fetched
// on first use, so that a server starts even while the provider is away.
type OIDC struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	RedirectURL  string
	Sessions     *Sessions    // signs the flow cookie
	HTTPClient   *http.Client // nil: http.DefaultClient

	mu       sync.Mutex
	provider *oidc.Provider
}

// flowClaims is what the flow cookie keeps between start and callback.
type flowClaims struct {
	jwt.RegisteredClaims
	State    string `json:"state"`
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"`
	Next     string `json:"next"`
}

func (o *OIDC) ctx(ctx context.Context) context.Context {
	if o.HTTPClient != nil {
		return oidc.ClientContext(ctx, o.HTTPClient)
	}
	return ctx
}

// discover returns the provider, fetching its metadata once.
func (o *OIDC) discover(ctx context.Context) (*oidc.Provider, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider != nil {
		return o.provider, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(o.ctx(ctx), o.Issuer)
	if err != nil {
		return nil, fmt.Errorf("discover OIDC issuer %s: %w", o.Issuer, err)
	}
	o.provider = p
	return p, nil
}

func (o *OIDC) config(p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{
		ClientID: o.ClientID, ClientSecret: o.ClientSecret, RedirectURL: o.RedirectURL,
		Endpoint: p.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "email", "profile"},
	}
}

// Start sets the flow cookie and returns the provider URL to send the
// browser to. next is where to go after signing in (a local path).
func (o *OIDC) Start(w http.ResponseWriter, r *http.Request, next string) (string, error) {
	p, err := o.discover(r.Context())
	if err != nil {
		return "", err
	}
	fc := flowClaims{State: randomString(), Nonce: randomString(), Verifier: oauth2.GenerateVerifier(), Next: next}
	fc.ExpiresAt = jwt.NewNumericDate(o.Sessions.Clock.Now().Add(flowTTL))
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, fc).SignedString(o.Sessions.secret)
	if err != nil {
		return "", err
	}
	http.SetCookie(w, o.Sessions.cookie(flowCookie, tok, flowTTL))
	return o.config(p).AuthCodeURL(fc.State, oidc.Nonce(fc.Nonce), oauth2.S256ChallengeOption(fc.Verifier)), nil
}

// Finish checks the callback against the flow cookie, exchanges the code
// with the PKCE verifier, verifies the ID token (signature by the issuer's
// published keys, audience, expiry, nonce) and returns who signed in and
// where they were going.
func (o *OIDC) Finish(w http.ResponseWriter, r *http.Request) (coaching.Identity, string, error) {
	var id coaching.Identity
	fc, err := o.flow(r)
	http.SetCookie(w, o.Sessions.cookie(flowCookie, "", -1))
	if err != nil {
		return id, "", err
	}
	if e := r.URL.Query().Get("error"); e != "" {
		return id, "", app.Errorf(app.EUNAUTHORIZED, "the sign-in provider said: %s", e)
	}
	p, err := o.discover(r.Context())
	if err != nil {
		return id, "", err
	}
	tok, err := o.config(p).Exchange(o.ctx(r.Context()), r.URL.Query().Get("code"), oauth2.VerifierOption(fc.Verifier))
	if err != nil {
		return id, "", fmt.Errorf("exchange the code (%v): %w", err,
			app.Errorf(app.EUNAUTHORIZED, "the sign-in provider refused the sign-in; please try again"))
	}
	id, err = o.verify(r.Context(), p, tok, fc.Nonce)
	return id, fc.Next, err
}

// flow reads the flow cookie and checks the state it carries.
func (o *OIDC) flow(r *http.Request) (*flowClaims, error) {
	ck, err := r.Cookie(flowCookie)
	if err != nil {
		return nil, app.Errorf(app.EUNAUTHORIZED, "the sign-in took too long or came from elsewhere; please try again")
	}
	var fc flowClaims
	_, err = o.Sessions.parser.ParseWithClaims(ck.Value, &fc, o.Sessions.key)
	if err != nil || fc.State == "" || fc.State != r.URL.Query().Get("state") {
		return nil, app.Errorf(app.EUNAUTHORIZED, "the sign-in took too long or came from elsewhere; please try again")
	}
	return &fc, nil
}

func (o *OIDC) verify(ctx context.Context, p *oidc.Provider, tok *oauth2.Token, nonce string) (coaching.Identity, error) {
	var id coaching.Identity
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return id, app.Errorf(app.EUNAUTHORIZED, "the sign-in provider sent no ID token")
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: o.ClientID, Now: o.Sessions.Clock.Now}).Verify(o.ctx(ctx), raw)
	if err != nil {
		return id, fmt.Errorf("verify the ID token (%v): %w", err,
			app.Errorf(app.EUNAUTHORIZED, "the sign-in provider's answer did not verify; please try again"))
	}
	if idt.Nonce != nonce {
		return id, app.Errorf(app.EUNAUTHORIZED, "the ID token was not made for this sign-in")
	}
	var c struct {
		Email         string `json:"email"`
		EmailVerified any    `json:"email_verified"`
		Name          string `json:"name"`
		Picture       string `json:"picture"`
	}
	if err := idt.Claims(&c); err != nil {
		return id, app.Errorf(app.EUNAUTHORIZED, "the ID token's claims are unreadable")
	}
	// The configured issuer, not the token's iss: Google writes it with and
	// without https://, and go-oidc accepts both, so one person must not
	// become two.
	return coaching.Identity{Issuer: o.Issuer, Subject: idt.Subject, Email: c.Email,
		EmailVerified: c.EmailVerified == true || c.EmailVerified == "true", Name: c.Name, AvatarURL: c.Picture}, nil
}

func randomString() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
