package auth

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
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
// code flow with state, nonce and PKCE. Discover checks the provider when
// the server starts; one that cannot be reached then is tried again in the
// background (KeepTrying) while sign-in answers that it is unavailable.
type OIDC struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	RedirectURL  string
	Prompt       string       // sent as prompt (select_account by default); empty: none
	Sessions     *Sessions    // signs the flow cookie
	HTTPClient   *http.Client // nil: http.DefaultClient

	mu       sync.Mutex
	provider *oidc.Provider
}

// ErrNoSignIn is the answer to a callback with no sign-in in progress in
// this browser: most often the reload of a callback already finished.
var ErrNoSignIn = app.Errorf(app.EUNAUTHORIZED, "the sign-in took too long or came from elsewhere; please try again")

// errUnavailable is the answer while the provider has not been reached.
var errUnavailable = app.Errorf(app.EUNAVAILABLE, "sign-in is unavailable: the sign-in provider cannot be reached; try again in a minute")

// IssuerError says that OIDC_ISSUER is spelt otherwise than the provider
// spells its own issuer (a trailing slash, most often). ID tokens carry the
// provider's spelling, so no sign-in could succeed: start-up stops.
type IssuerError struct{ Configured, Discovered string }

func (e *IssuerError) Error() string {
	return fmt.Sprintf("OIDC_ISSUER: the provider names itself %q, not %q; set OIDC_ISSUER=%s", e.Discovered, e.Configured, e.Discovered)
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

// Discover fetches the provider's metadata. An issuer spelt otherwise than
// the provider spells it is an *IssuerError; any other failure means the
// provider could not be reached.
func (o *OIDC) Discover(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(o.ctx(ctx), o.Issuer)
	var mismatch *oidc.IssuerMismatchError
	if errors.As(err, &mismatch) {
		return &IssuerError{Configured: o.Issuer, Discovered: mismatch.Discovered}
	}
	if err != nil {
		return fmt.Errorf("reach the sign-in provider at %s: %w", o.Issuer, err)
	}
	o.mu.Lock()
	o.provider = p
	o.mu.Unlock()
	return nil
}

// Ready reports whether the provider has been reached.
func (o *OIDC) Ready() bool { return o.current() != nil }

func (o *OIDC) current() *oidc.Provider {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.provider
}

// KeepTrying discovers the provider until it answers or ctx ends, waiting
// from two seconds up to a minute between tries. A misspelt issuer is
// logged and ends the tries: only a new setting mends it.
func (o *OIDC) KeepTrying(ctx context.Context, log *slog.Logger) {
	wait := 2 * time.Second
	for !o.Ready() {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		err := o.Discover(ctx)
		var ie *IssuerError
		switch {
		case err == nil:
			log.Info("the sign-in provider answers: sign-in is available", "issuer", o.Issuer)
		case errors.As(err, &ie):
			log.Error("sign-in stays unavailable: " + ie.Error())
			return
		case ctx.Err() == nil:
			log.Warn("the sign-in provider still cannot be reached; sign-in stays unavailable", "err", err, "next_try", wait)
		}
		wait = min(wait*2, time.Minute)
	}
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
	p := o.current()
	if p == nil {
		return "", errUnavailable
	}
	fc := flowClaims{State: randomString(), Nonce: randomString(), Verifier: oauth2.GenerateVerifier(), Next: next}
	fc.ExpiresAt = jwt.NewNumericDate(o.Sessions.Clock.Now().Add(flowTTL))
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, fc).SignedString(o.Sessions.secret)
	if err != nil {
		return "", err
	}
	http.SetCookie(w, o.Sessions.cookie(flowCookie, tok, flowTTL))
	opts := []oauth2.AuthCodeOption{oidc.Nonce(fc.Nonce), oauth2.S256ChallengeOption(fc.Verifier)}
	if o.Prompt != "" {
		opts = append(opts, oauth2.SetAuthURLParam("prompt", o.Prompt))
	}
	return o.config(p).AuthCodeURL(fc.State, opts...), nil
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
	p := o.current()
	if p == nil {
		return id, "", errUnavailable
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
		return nil, ErrNoSignIn
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
	var c idClaims
	if err := idt.Claims(&c); err != nil {
		return id, app.Errorf(app.EUNAUTHORIZED, "the ID token's claims are unreadable")
	}
	c.Subject = idt.Subject
	if c.Email == "" && p.UserInfoEndpoint() != "" {
		// OIDC Core 5.4: a provider may give the email at UserInfo only.
		if err := o.userInfo(ctx, p, tok, &c); err != nil {
			return id, err
		}
	}
	// The configured issuer, not the token's iss: Google writes it with and
	// without https://, and go-oidc accepts both, so one person must not
	// become two.
	return coaching.Identity{Issuer: o.Issuer, Subject: c.Subject, Email: c.Email,
		EmailVerified: c.EmailVerified == true || c.EmailVerified == "true", Name: c.Name,
		AvatarURL: c.Picture, HostedDomain: c.HostedDomain}, nil
}

// idClaims are the claims of an ID token or a UserInfo answer that sign-in
// reads. email_verified is a boolean, or a string with some providers.
type idClaims struct {
	Subject       string `json:"sub"`
	Email         string `json:"email"`
	EmailVerified any    `json:"email_verified"`
	Name          string `json:"name"`
	Picture       string `json:"picture"`
	HostedDomain  string `json:"hd"`
}

// userInfo asks the provider's UserInfo endpoint for the claims the ID
// token left out. Its subject must be the token's (OIDC Core 5.3.2), or the
// answer may be about someone else.
func (o *OIDC) userInfo(ctx context.Context, p *oidc.Provider, tok *oauth2.Token, c *idClaims) error {
	ui, err := p.UserInfo(o.ctx(ctx), oauth2.StaticTokenSource(tok))
	var u idClaims
	if err == nil {
		err = ui.Claims(&u)
	}
	if err != nil {
		return fmt.Errorf("ask UserInfo (%v): %w", err,
			app.Errorf(app.EUNAUTHORIZED, "the sign-in provider did not say who you are; please try again"))
	}
	if u.Subject != c.Subject {
		return app.Errorf(app.EUNAUTHORIZED, "the sign-in provider's answers disagree about who you are; please try again")
	}
	c.Email, c.EmailVerified = u.Email, u.EmailVerified
	c.Name = cmp.Or(c.Name, u.Name)
	c.Picture = cmp.Or(c.Picture, u.Picture)
	c.HostedDomain = cmp.Or(c.HostedDomain, u.HostedDomain)
	return nil
}

func randomString() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
