package web_test

import (
	"crypto/rand"
	"crypto/rsa"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"rapport/internal/app"
	"rapport/internal/auth"
	"rapport/internal/auth/oidctest"
	"rapport/internal/coaching"
)

// oidcEnv runs the server with sign-in through a stand-in provider, open to
// anyone with a verified email (SIGNUP=open).
func oidcEnv(t *testing.T, dialect string) (*env, *oidctest.Provider) {
	t.Helper()
	return oidcEnvWith(t, dialect, oidctest.New("rapport-client", "s3cret"), map[string]string{"SIGNUP": "open"})
}

// oidcEnvWith runs the server with sign-in through p and the settings vars.
func oidcEnvWith(t *testing.T, dialect string, p *oidctest.Provider, vars map[string]string) (*env, *oidctest.Provider) {
	t.Helper()
	t.Cleanup(p.Close)
	settings := map[string]string{"GOOGLE_CLIENT_ID": "rapport-client", "GOOGLE_CLIENT_SECRET": "s3cret", "OIDC_ISSUER": p.URL}
	maps.Copy(settings, vars)
	cfg := mustConfig(t, settings)
	o := &auth.OIDC{Issuer: p.URL, ClientID: "rapport-client", ClientSecret: "s3cret", Prompt: cfg.SignIn.Prompt}
	e := newEnvWith(t, dialect, cfg, o)
	o.RedirectURL = e.srv.URL + "/auth/callback"
	return e, p
}

// signInWith walks the browser's path: our /auth/login, the provider's
// authorize endpoint, our callback. It returns the callback's answer.
func signInWith(t *testing.T, c *client, next string) *response {
	t.Helper()
	res := c.get("/auth/login?next=" + next)
	if res.StatusCode != http.StatusFound {
		t.Fatalf("login: %d %s", res.StatusCode, res.body)
	}
	req, _ := http.NewRequest("GET", res.Header.Get("Location"), nil)
	res = c.do(req)
	if res.StatusCode != http.StatusFound {
		t.Fatalf("authorize: %d %s", res.StatusCode, res.body)
	}
	req, _ = http.NewRequest("GET", res.Header.Get("Location"), nil)
	return c.do(req)
}

func TestOIDCSignIn(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			e, p := oidcEnv(t, d)
			p.SignInAs(oidctest.User{Subject: "g-1", Email: "Ada@Example.com", EmailVerified: true, Name: "Ada L", Picture: "https://lh3.googleusercontent.com/a.png"})
			c := e.anon()
			res := signInWith(t, c, "/appointments")
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/appointments" {
				t.Fatalf("callback: %d %s %s", res.StatusCode, res.Header.Get("Location"), res.body)
			}
			var me struct{ Email, Name, Role, Status string }
			c.get("/api/v1/me").json(t, &me)
			if me.Email != "Ada@example.com" || me.Name != "Ada L" || me.Role != "client" || me.Status != "active" {
				t.Fatalf("first sign-in made %+v", me)
			}
		})
	}
}

func TestOIDCKeepsPreassignedRole(t *testing.T) {
	e, p := oidcEnv(t, "sqlite")
	ctx := app.WithActor(t.Context(), app.Operator)
	if _, err := e.svc.CreateUser(ctx, coaching.NewUser{Email: "coach@example.com", Role: app.RoleCoach}); err != nil {
		t.Fatal(err)
	}
	p.SignInAs(oidctest.User{Subject: "g-2", Email: "COACH@example.com", EmailVerified: true, Name: "Cora"})
	c := e.anon()
	signInWith(t, c, "/dashboard")
	var me struct{ Role, Status string }
	c.get("/api/v1/me").json(t, &me)
	if me.Role != "coach" || me.Status != "active" {
		t.Fatalf("invited coach signed in as %+v", me)
	}
}

func TestOIDCRefusals(t *testing.T) {
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	for _, tc := range []struct {
		name  string
		user  oidctest.User
		setup func(p *oidctest.Provider)
		want  string
	}{
		{"UnverifiedEmail", oidctest.User{Subject: "u1", Email: "u@example.com"}, nil, "not verified"},
		{"WrongNonce", oidctest.User{Subject: "u2", Email: "u@example.com", EmailVerified: true},
			func(p *oidctest.Provider) { p.Tamper = func(c jwt.MapClaims) { c["nonce"] = "replayed" } }, "not made for this sign-in"},
		{"WrongAudience", oidctest.User{Subject: "u3", Email: "u@example.com", EmailVerified: true},
			func(p *oidctest.Provider) { p.Tamper = func(c jwt.MapClaims) { c["aud"] = "someone-else" } }, "did not verify"},
		{"UnknownKey", oidctest.User{Subject: "u4", Email: "u@example.com", EmailVerified: true},
			func(p *oidctest.Provider) { p.SignWith = other }, "did not verify"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, p := oidcEnv(t, "sqlite")
			p.SignInAs(tc.user)
			if tc.setup != nil {
				tc.setup(p)
			}
			c := e.anon()
			res := signInWith(t, c, "/dashboard")
			if res.StatusCode != http.StatusUnauthorized || !strings.Contains(string(res.body), tc.want) {
				t.Fatalf("callback: %d, want 401 saying %q:\n%s", res.StatusCode, tc.want, res.body)
			}
			if me := c.get("/api/v1/me"); me.StatusCode != http.StatusUnauthorized {
				t.Fatal("a refused sign-in left a session")
			}
		})
	}
}

// TestOIDCStateAndPKCE replays a callback without the flow cookie, with a
// wrong state, and with a code stolen into another browser.
func TestOIDCStateAndPKCE(t *testing.T) {
	e, p := oidcEnv(t, "sqlite")
	p.SignInAs(oidctest.User{Subject: "s", Email: "s@example.com", EmailVerified: true})
	victim := e.anon()
	res := victim.get("/auth/login")
	req, _ := http.NewRequest("GET", res.Header.Get("Location"), nil)
	callback := victim.do(req).Header.Get("Location")

	attacker := e.anon() // has no flow cookie: sent to sign in
	req, _ = http.NewRequest("GET", callback, nil)
	if res := attacker.do(req); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/signin" {
		t.Fatalf("callback in another browser: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res := attacker.get("/api/v1/me"); res.StatusCode != http.StatusUnauthorized {
		t.Fatal("a callback from another browser signed it in")
	}
	req, _ = http.NewRequest("GET", strings.Replace(callback, "state=", "state=x", 1), nil)
	if res := victim.do(req); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong state: %d", res.StatusCode)
	}
	if res := victim.get("/api/v1/me"); res.StatusCode != http.StatusUnauthorized {
		t.Fatal("signed in despite a bad callback")
	}
}

func TestOIDCDisabledUser(t *testing.T) {
	e, p := oidcEnv(t, "sqlite")
	ctx := app.WithActor(t.Context(), app.Operator)
	u, _ := e.svc.CreateUser(ctx, coaching.NewUser{Email: "gone@example.com", Role: app.RoleClient})
	st := coaching.StatusDisabled
	if _, err := e.svc.UpdateUser(ctx, u.ID, coaching.UserChange{Status: &st}); err != nil {
		t.Fatal(err)
	}
	p.SignInAs(oidctest.User{Subject: "d", Email: "gone@example.com", EmailVerified: true})
	if res := signInWith(t, e.anon(), "/dashboard"); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("disabled user: %d", res.StatusCode)
	}
}
