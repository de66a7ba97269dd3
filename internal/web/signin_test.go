package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/auth"
	"rapport/internal/auth/oidctest"
	"rapport/internal/coaching"
	"rapport/internal/server"
	"rapport/internal/store/storetest"
)

// TestOIDCEmailAtUserInfo signs in through a provider that, like Zitadel,
// gives the email at UserInfo only, on both databases.
func TestOIDCEmailAtUserInfo(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			p := oidctest.New("rapport-client", "s3cret")
			p.EmailAtUserInfoOnly = true
			e, _ := oidcEnvWith(t, d, p, map[string]string{"SIGNUP": "open"})
			p.SignInAs(oidctest.User{Subject: "z-1", Email: "zed@example.com", EmailVerified: true, Name: "Zed"})
			c := e.anon()
			if res := signInWith(t, c, "/dashboard"); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("callback: %d %s", res.StatusCode, res.body)
			}
			var me struct{ Email, Name string }
			c.get("/api/v1/me").json(t, &me)
			if me.Email != "zed@example.com" || me.Name != "Zed" {
				t.Fatalf("signed in as %+v", me)
			}
		})
	}
}

// TestOIDCUserInfoRefusals: UserInfo about someone else, and a provider
// that shares no email at all, each with its own message.
func TestOIDCUserInfoRefusals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(map[string]any)
		want   string
	}{
		{"AnotherSubject", func(c map[string]any) { c["sub"] = "someone-else" }, "disagree about who you are"},
		{"NoEmail", func(c map[string]any) { delete(c, "email"); delete(c, "email_verified") }, "shares no email address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := oidctest.New("rapport-client", "s3cret")
			p.EmailAtUserInfoOnly, p.TamperUserInfo = true, tc.tamper
			e, _ := oidcEnvWith(t, "sqlite", p, map[string]string{"SIGNUP": "open"})
			p.SignInAs(oidctest.User{Subject: "z-2", Email: "zed@example.com", EmailVerified: true})
			c := e.anon()
			res := signInWith(t, c, "/dashboard")
			if res.StatusCode != http.StatusUnauthorized || !strings.Contains(string(res.body), tc.want) {
				t.Fatalf("callback: %d, want 401 saying %q:\n%s", res.StatusCode, tc.want, res.body)
			}
			if c.get("/api/v1/me").StatusCode != http.StatusUnauthorized {
				t.Fatal("a refused sign-in left a session")
			}
		})
	}
}

// TestOIDCPrompt: OIDC_PROMPT reaches the provider, select_account unless
// set, none with "-".
func TestOIDCPrompt(t *testing.T) {
	for _, tc := range []struct{ setting, want string }{{"", "select_account"}, {"login", "login"}, {"-", ""}} {
		t.Run("prompt="+tc.setting, func(t *testing.T) {
			vars := map[string]string{"SIGNUP": "open"}
			if tc.setting != "" {
				vars["OIDC_PROMPT"] = tc.setting
			}
			e, p := oidcEnvWith(t, "sqlite", oidctest.New("rapport-client", "s3cret"), vars)
			p.SignInAs(oidctest.User{Subject: "p", Email: "p@example.com", EmailVerified: true})
			signInWith(t, e.anon(), "/dashboard")
			q := p.LastAuthorization()
			if got, sent := q.Get("prompt"), q.Has("prompt"); got != tc.want || sent != (tc.want != "") {
				t.Fatalf("prompt %q (sent %v), want %q", got, sent, tc.want)
			}
		})
	}
}

// TestOIDCIssuerMisspelt: an issuer with a trailing slash the provider does
// not write stops start-up, naming the setting and both spellings.
func TestOIDCIssuerMisspelt(t *testing.T) {
	p := oidctest.New("rapport-client", "s3cret")
	t.Cleanup(p.Close)
	cfg := mustConfig(t, map[string]string{"GOOGLE_CLIENT_ID": "rapport-client", "GOOGLE_CLIENT_SECRET": "s3cret", "OIDC_ISSUER": p.URL + "/"})
	o := &auth.OIDC{Issuer: p.URL + "/", ClientID: "rapport-client", ClientSecret: "s3cret"}
	a, err := server.New(server.Options{Config: cfg, DB: storetest.MustOpen(t, "sqlite"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), SessionSecret: []byte(strings.Repeat("k", 32)), OIDC: o})
	if err == nil {
		a.Close()
		t.Fatal("started with a misspelt issuer")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "OIDC_ISSUER: ") || !strings.Contains(msg, `"`+p.URL+`"`) || !strings.Contains(msg, `"`+p.URL+`/"`) || strings.Contains(msg, "\n") {
		t.Fatalf("start-up error: %s", msg)
	}
}

// TestOIDCProviderDownAtStart: the server starts while the provider is
// away, says sign-in is unavailable (503), and offers it once the provider
// answers.
func TestOIDCProviderDownAtStart(t *testing.T) {
	p := oidctest.New("rapport-client", "s3cret")
	p.SetDown(true)
	e, _ := oidcEnvWith(t, "sqlite", p, map[string]string{"SIGNUP": "open", "OIDC_NAME": "Acme ID"})
	c := e.anon()
	for _, path := range []string{"/signin", "/auth/login"} {
		res := c.get(path)
		if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(res.body), "Acme ID is unavailable") || res.Header.Get("Retry-After") == "" {
			t.Fatalf("%s while the provider is down: %d %s", path, res.StatusCode, res.body)
		}
	}
	p.SetDown(false)
	deadline := time.Now().Add(20 * time.Second)
	for c.get("/signin").StatusCode != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("sign-in still unavailable 20 s after the provider came back")
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.SignInAs(oidctest.User{Subject: "back", Email: "back@example.com", EmailVerified: true})
	if res := signInWith(t, c, "/dashboard"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in after the provider came back: %d %s", res.StatusCode, res.body)
	}
}

// TestOIDCPagesNameTheProvider: a refused sign-in names the configured
// provider, never Google.
func TestOIDCPagesNameTheProvider(t *testing.T) {
	e, p := oidcEnvWith(t, "sqlite", oidctest.New("rapport-client", "s3cret"), map[string]string{"OIDC_NAME": "Acme ID"})
	p.SignInAs(oidctest.User{Subject: "n", Email: "n@example.com"})
	res := signInWith(t, e.anon(), "/dashboard")
	body := string(res.body)
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Sign in with Acme ID") || strings.Contains(body, "Google") {
		t.Fatalf("refusal page: %d %s", res.StatusCode, body)
	}
}

// TestOIDCCallbackReload: reloading a finished callback sends the browser
// to /signin, which sends a signed-in person on to the dashboard.
func TestOIDCCallbackReload(t *testing.T) {
	e, p := oidcEnv(t, "sqlite")
	p.SignInAs(oidctest.User{Subject: "r", Email: "r@example.com", EmailVerified: true})
	c := e.anon()
	res := c.get("/auth/login")
	req, _ := http.NewRequest("GET", res.Header.Get("Location"), nil)
	callback := c.do(req).Header.Get("Location")
	req, _ = http.NewRequest("GET", callback, nil)
	if res := c.do(req); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/dashboard" {
		t.Fatalf("first callback: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	req, _ = http.NewRequest("GET", callback, nil)
	if res := c.do(req); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/signin" {
		t.Fatalf("reloaded callback: %d %s %s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	if res := c.get("/signin"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/dashboard" {
		t.Fatalf("signin after the reload: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}

// TestOIDCEmailChanged: a verified email changed at the provider follows to
// the user matched by issuer and subject, unless another user has it.
func TestOIDCEmailChanged(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			e, p := oidcEnv(t, d)
			me := func(c *client) string {
				var u struct{ Email string }
				c.get("/api/v1/me").json(t, &u)
				return u.Email
			}
			p.SignInAs(oidctest.User{Subject: "mv", Email: "old@example.com", EmailVerified: true})
			signInWith(t, e.anon(), "/dashboard")
			p.SignInAs(oidctest.User{Subject: "mv", Email: "new@example.com", EmailVerified: true})
			c := e.anon()
			signInWith(t, c, "/dashboard")
			if got := me(c); got != "new@example.com" {
				t.Fatalf("email after the change: %s", got)
			}
			ctx := app.WithActor(t.Context(), app.Operator)
			if _, err := e.svc.CreateUser(ctx, coaching.NewUser{Email: "taken@example.com", Role: app.RoleClient}); err != nil {
				t.Fatal(err)
			}
			p.SignInAs(oidctest.User{Subject: "mv", Email: "taken@example.com", EmailVerified: true})
			res := signInWith(t, e.anon(), "/dashboard")
			if res.StatusCode != http.StatusConflict || !strings.Contains(string(res.body), "another Rapport account already uses it") {
				t.Fatalf("change to a taken email: %d %s", res.StatusCode, res.body)
			}
			if got := me(c); got != "new@example.com" {
				t.Fatalf("a refused change still moved the email to %s", got)
			}
		})
	}
}

// TestSignupByInvitation: by default only people Rapport knows may sign
// in; a stranger is told to ask for an invitation and no user is written;
// SIGNUP_DOMAINS admits a domain.
func TestSignupByInvitation(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			e, p := oidcEnvWith(t, d, oidctest.New("rapport-client", "s3cret"), map[string]string{"SIGNUP_DOMAINS": "practice.example"})
			ctx := app.WithActor(t.Context(), app.Operator)
			p.SignInAs(oidctest.User{Subject: "st", Email: "stranger@example.com", EmailVerified: true})
			res := signInWith(t, e.anon(), "/dashboard")
			if res.StatusCode != http.StatusForbidden || !strings.Contains(string(res.body), "ask your coach to invite you") {
				t.Fatalf("stranger: %d %s", res.StatusCode, res.body)
			}
			if _, err := e.svc.UserByEmail(ctx, "stranger@example.com"); app.ErrorCode(err) != app.ENOTFOUND {
				t.Fatalf("a refused stranger left a user: %v", err)
			}
			if _, err := e.svc.CreateUser(ctx, coaching.NewUser{Email: "invited@example.com", Role: app.RoleClient}); err != nil {
				t.Fatal(err)
			}
			for _, email := range []string{"invited@example.com", "colleague@practice.example"} {
				p.SignInAs(oidctest.User{Subject: email, Email: email, EmailVerified: true})
				if res := signInWith(t, e.anon(), "/dashboard"); res.StatusCode != http.StatusSeeOther {
					t.Fatalf("%s: %d %s", email, res.StatusCode, res.body)
				}
			}
		})
	}
}
