package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rapport/internal/app"
	"rapport/internal/auth"
)

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t, "sqlite")
	for _, path := range []string{"/signin", "/api/v1/me", "/static/app.css", "/healthz"} {
		res := e.anon().get(path)
		h := res.Header
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Errorf("%s: headers %v", path, h)
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS over plain http", path)
		}
	}
	https := newEnvWith(t, "sqlite", mustConfig(t, map[string]string{"PUBLIC_URL": "https://coach.example.com"}), nil)
	if https.anon().get("/signin").Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS with an https PUBLIC_URL")
	}
}

// TestNoInlineScript keeps pages free of inline script, which the CSP would block.
func TestNoInlineScript(t *testing.T) {
	e := newEnv(t, "sqlite")
	w := e.world()
	for _, path := range []string{"/dashboard", "/appointments", "/appointments/new", "/clients", "/profile"} {
		body := string(w.coach.get(path).body)
		if strings.Contains(body, "<script>") || strings.Contains(body, " onclick=") || strings.Contains(body, "style=") {
			t.Errorf("%s has inline script or style", path)
		}
	}
}

func TestCrossOriginStateChangeIsRefused(t *testing.T) {
	e := newEnv(t, "sqlite")
	w := e.world()
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/clients", strings.NewReader(`{"email":"x@example.com"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if res := w.coach.do(req); res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site POST: %d", res.StatusCode)
	}
	form, _ := http.NewRequest("POST", e.srv.URL+"/auth/logout-everywhere", nil)
	form.Header.Set("Origin", "https://evil.example")
	if res := w.coach.do(form); res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin form POST: %d", res.StatusCode)
	}
	if res := w.coach.get("/api/v1/me"); res.StatusCode != 200 {
		t.Fatal("the refused request signed the coach out")
	}
	same, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/clients", strings.NewReader(`{"email":"y@example.com"}`))
	same.Header.Set("Content-Type", "application/json")
	same.Header.Set("Sec-Fetch-Site", "same-origin")
	if res := w.coach.do(same); res.StatusCode != http.StatusAccepted {
		t.Fatalf("same-origin POST: %d %s", res.StatusCode, res.body)
	}
}

func TestSessionCookie(t *testing.T) {
	e := newEnv(t, "sqlite")
	res := e.anon().form("POST", "/auth/dev", url.Values{"email": {"c@example.com"}, "role": {"coach"}, "token": {devToken}})
	var ck *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == auth.SessionCookie {
			ck = c
		}
	}
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Secure {
		t.Fatalf("session cookie %+v", ck)
	}
	tampered := e.anon()
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/me", nil)
	req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: ck.Value[:len(ck.Value)-2] + "xx"})
	if res := tampered.do(req); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("tampered cookie: %d", res.StatusCode)
	}
}

// TestSessionChangesTakeEffectAtOnce: signing out everywhere, disabling and
// a role change all count on the very next request.
func TestSessionChangesTakeEffectAtOnce(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		laptop := w.coach
		phone := e.signIn("coach@example.com", app.RoleCoach)
		if res := phone.form("POST", "/auth/logout-everywhere", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout everywhere: %d", res.StatusCode)
		}
		if res := laptop.get("/api/v1/me"); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("other device still signed in: %d", res.StatusCode)
		}

		var me struct{ ID int64 }
		w.client.get("/api/v1/me").json(t, &me)
		if res := w.admin.api("PATCH", "/api/v1/users/"+itoa(me.ID), map[string]string{"role": "coach"}); res.StatusCode != 200 {
			t.Fatalf("role change: %d %s", res.StatusCode, res.body)
		}
		var after struct{ Role string }
		w.client.get("/api/v1/me").json(t, &after)
		if after.Role != "coach" {
			t.Fatalf("role after change: %q", after.Role)
		}
		if res := w.admin.api("PATCH", "/api/v1/users/"+itoa(me.ID), map[string]string{"status": "disabled"}); res.StatusCode != 200 {
			t.Fatalf("disable: %d", res.StatusCode)
		}
		if res := w.client.get("/api/v1/me"); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("disabled user still in: %d", res.StatusCode)
		}
		res := e.anon().form("POST", "/auth/dev", url.Values{"email": {"client@example.com"}, "role": {"client"}, "token": {devToken}})
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("disabled user signed in again: %d", res.StatusCode)
		}
	})
}

func TestSignInRateLimit(t *testing.T) {
	e := newEnv(t, "sqlite")
	c := e.anon()
	limited := false
	for range 40 {
		res := c.get("/auth/callback?state=x&code=y")
		if res.StatusCode == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	if !limited {
		t.Fatal("40 quick sign-in attempts were never limited")
	}
}

func TestDevSignInOnlyOnLoopback(t *testing.T) {
	cfg := mustConfig(t, map[string]string{"HOST": "0.0.0.0", "SESSION_SECRET": strings.Repeat("s", 40)})
	e := newEnvWith(t, "sqlite", cfg, nil)
	for _, m := range []string{"GET", "POST"} {
		if res := e.anon().raw(m, "/auth/dev", "application/x-www-form-urlencoded", strings.NewReader("email=a@b.co&role=admin&token="+devToken)); res.StatusCode != 404 {
			t.Errorf("%s /auth/dev off loopback: %d", m, res.StatusCode)
		}
	}
	if res := e.anon().form("POST", "/auth/dev", url.Values{"email": {"x@example.com"}, "role": {"wizard"}, "token": {devToken}}); res.StatusCode != 404 {
		t.Errorf("dev sign-in reachable: %d", res.StatusCode)
	}
}

func TestDevSignInErrors(t *testing.T) {
	e := newEnv(t, "sqlite")
	res := e.anon().form("POST", "/auth/dev", url.Values{"email": {"nope"}, "role": {"wizard"}, "next": {"//evil.example"}, "token": {devToken}})
	body := string(res.body)
	if res.StatusCode != 400 || !strings.Contains(body, "not a valid email") || !strings.Contains(body, "must be one of") {
		t.Fatalf("bad dev sign-in: %d %s", res.StatusCode, body)
	}
	res = e.anon().form("POST", "/auth/dev", url.Values{"email": {"ok@example.com"}, "role": {"client"}, "next": {"//evil.example/x"}, "token": {devToken}})
	if loc := res.Header.Get("Location"); loc != "/dashboard" {
		t.Fatalf("open redirect: %q", loc)
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	e := newEnv(t, "sqlite")
	c := e.anon()
	if res := c.get("/healthz"); res.StatusCode != 200 || strings.TrimSpace(string(res.body)) != `{"status":"ok"}` {
		t.Fatalf("healthz: %d %s", res.StatusCode, res.body)
	}
	if res := c.get("/readyz"); res.StatusCode != 200 {
		t.Fatalf("readyz: %d", res.StatusCode)
	}
	c.get("/api/v1/me")
	body := string(c.get("/metrics").body)
	for _, want := range []string{`rapport_http_requests_total{method="GET",route="GET /api/v1/me",status="401"} 1`,
		`rapport_http_request_duration_seconds_bucket{route="GET /healthz"`, `go_sql_max_open_connections{db_name="write"} 1`} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	e.db.Close()
	if res := c.get("/readyz"); res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the database closed: %d", res.StatusCode)
	}
}

// TestReadyzSaysDraining: once a server begins to stop, /readyz answers
// 503 "draining", so that a load balancer sends nothing new to it.
func TestReadyzSaysDraining(t *testing.T) {
	e := newEnv(t, "sqlite")
	c := e.anon()
	if res := c.get("/readyz"); res.StatusCode != http.StatusOK {
		t.Fatalf("readyz before the drain: %d %s", res.StatusCode, res.body)
	}
	e.app.Drain(t.Context())
	if res := c.get("/readyz"); res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(res.body), `"draining"`) {
		t.Fatalf("readyz while draining: %d %s, want 503 draining", res.StatusCode, res.body)
	}
	if res := c.get("/healthz"); res.StatusCode != http.StatusOK {
		t.Fatalf("healthz while draining: %d, want 200 (the process is alive)", res.StatusCode)
	}
}

func TestLocalPathRefusesOtherSites(t *testing.T) {
	e := newEnv(t, "sqlite")
	for _, next := range []string{"//evil.example", "/\t/evil.example", "/%09/evil.example", "/\\evil.example",
		"https://evil.example", "/x\\y", "javascript:alert(1)", "/\n/evil"} {
		res := e.anon().form("POST", "/auth/dev", url.Values{"email": {"n@example.com"}, "role": {"client"}, "next": {next}, "token": {devToken}})
		if loc := res.Header.Get("Location"); loc != "/dashboard" && loc != "/%09/evil.example" {
			t.Errorf("next %q sent the browser to %q", next, loc)
		}
	}
	c := e.signIn("m@example.com", app.RoleClient)
	if loc := c.get("/signin?next=/appointments?scope=past").Header.Get("Location"); loc != "/appointments?scope=past" {
		t.Errorf("a local next was refused: %q", loc)
	}
	if loc := c.get("/signin?next=%2F%09%2Fevil.example").Header.Get("Location"); loc != "/dashboard" {
		t.Errorf("tab trick: %q", loc)
	}
}

// TestDevSignInRefusesProxiedRequests: even where the dev sign-in is on, a
// request that came through a proxy, or names another host, gets 404.
func TestDevSignInRefusesProxiedRequests(t *testing.T) {
	e := newEnv(t, "sqlite")
	for name, set := range map[string]func(*http.Request){
		"XForwardedFor": func(r *http.Request) { r.Header.Set("X-Forwarded-For", "203.0.113.9") },
		"Forwarded":     func(r *http.Request) { r.Header.Set("Forwarded", "for=203.0.113.9") },
		"PublicHost":    func(r *http.Request) { r.Host = "coach.example.com" },
		"RebindHost":    func(r *http.Request) { r.Host = "attacker.example:8080" },
	} {
		req, _ := http.NewRequest("POST", e.srv.URL+"/auth/dev", strings.NewReader("email=a%40b.co&role=admin&token="+devToken))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		set(req)
		if res := e.anon().do(req); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d", name, res.StatusCode)
		}
	}
	cfg := mustConfig(t, map[string]string{"PUBLIC_URL": "https://coach.example.com"})
	behind := newEnvWith(t, "sqlite", cfg, nil)
	if res := behind.anon().form("POST", "/auth/dev", url.Values{"email": {"a@b.co"}, "role": {"admin"}, "token": {devToken}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("with a public PUBLIC_URL: %d", res.StatusCode)
	}
}

func TestRoomMetrics(t *testing.T) {
	e := newEnv(t, "sqlite")
	body := string(e.anon().get("/metrics").body)
	for _, want := range []string{"rapport_rooms_live 0", "rapport_chat_stored_seconds_count 0", "rapport_sfu_peers 0", "rapport_sfu_forwarded_packets_total 0"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
