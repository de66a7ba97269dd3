package web_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
)

// TestWritesAreRateLimitedPerPerson: a script that invites people as fast
// as it can is stopped after the burst with 429 and Retry-After, and
// nothing more is written; another person is not slowed.
func TestWritesAreRateLimitedPerPerson(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		coach := e.signIn("fast@example.com", app.RoleCoach)
		other := e.signIn("calm@example.com", app.RoleCoach)
		var limited *response
		made := 0
		for i := range 60 {
			res := coach.api("POST", "/api/v1/clients", map[string]string{"email": fmt.Sprintf("c%d@example.com", i)})
			if res.StatusCode == http.StatusTooManyRequests {
				limited = res
				break
			}
			made++
		}
		if limited == nil || made < 25 || limited.Header.Get("Retry-After") == "" {
			t.Fatalf("after %d invitations: %v", made, limited)
		}
		if code, _ := limited.errorBody(t); code != "rate_limited" {
			t.Fatalf("error code %q", code)
		}
		if _, err := e.svc.UserByEmail(app.WithActor(t.Context(), app.Operator), fmt.Sprintf("c%d@example.com", made)); app.ErrorCode(err) != app.ENOTFOUND {
			t.Fatalf("the refused invitation wrote a user: %v", err)
		}
		if res := other.api("POST", "/api/v1/clients", map[string]string{"email": "x@example.com"}); res.StatusCode != http.StatusAccepted {
			t.Fatalf("another coach was limited too: %d", res.StatusCode)
		}
		if res := coach.get("/api/v1/clients"); res.StatusCode != http.StatusOK {
			t.Fatalf("reading is not limited: %d", res.StatusCode)
		}
	})
}

// signInAttempt is a sign-in request through a proxy at peer for client.
func signInAttempt(e *env, peer, client string) int {
	req := httptest.NewRequest("GET", "/auth/callback?state=x&code=y", nil)
	req.RemoteAddr = peer + ":4000"
	req.Header.Set("X-Forwarded-For", client)
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	return rec.Code
}

// TestTrustedProxies: behind a proxy on another host, each person has a
// sign-in bucket of their own once TRUSTED_PROXIES names the proxy; by
// default the proxy's address is the client, and everyone shares it.
func TestTrustedProxies(t *testing.T) {
	for _, tc := range []struct {
		name    string
		vars    map[string]string
		sharing bool
	}{
		{"Default", nil, true},
		{"Named", map[string]string{"TRUSTED_PROXIES": "10.0.0.0/8"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnvWith(t, "sqlite", mustConfig(t, tc.vars), nil)
			for range 25 {
				signInAttempt(e, "10.0.0.5", "198.51.100.1")
			}
			if got := signInAttempt(e, "10.0.0.5", "198.51.100.1"); got != http.StatusTooManyRequests {
				t.Fatalf("the 26th attempt of one person: %d", got)
			}
			got := signInAttempt(e, "10.0.0.5", "198.51.100.2")
			if shared := got == http.StatusTooManyRequests; shared != tc.sharing {
				t.Fatalf("another person behind the proxy: %d (sharing the bucket: %v, want %v)", got, shared, tc.sharing)
			}
		})
	}
}

// TestMetricsAreNotForEveryone: /metrics answers this machine, and with
// METRICS_TOKEN a bearer of it; a request through a proxy or for the
// public host gets 404.
func TestMetricsAreNotForEveryone(t *testing.T) {
	token := "a-metrics-token-of-some-length"
	e := newEnvWith(t, "sqlite", mustConfig(t, map[string]string{"METRICS_TOKEN": token}), nil)
	get := func(set func(*http.Request)) int {
		req, _ := http.NewRequest("GET", e.srv.URL+"/metrics", nil)
		set(req)
		return e.anon().do(req).StatusCode
	}
	proxied := func(r *http.Request) { r.Header.Set("X-Forwarded-For", "203.0.113.9") }
	for _, tc := range []struct {
		name string
		set  func(*http.Request)
		want int
	}{
		{"ThisMachine", func(*http.Request) {}, 200},
		{"Proxied", proxied, 404},
		{"PublicHost", func(r *http.Request) { r.Host = "coach.example.com" }, 404},
		{"ProxiedWithToken", func(r *http.Request) { proxied(r); r.Header.Set("Authorization", "Bearer "+token) }, 200},
		{"ProxiedWithWrongToken", func(r *http.Request) { proxied(r); r.Header.Set("Authorization", "Bearer nope") }, 404},
	} {
		if got := get(tc.set); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestSlowBodyIsCut: a body that does not arrive within the bound is
// answered 400, and holds nothing.
func TestSlowBodyIsCut(t *testing.T) {
	e := newEnv(t, "sqlite")
	e.app.Web.BodyTimeout = 300 * time.Millisecond
	c := e.signIn("slow@example.com", app.RoleCoach)
	ck := c.sessionCookie(t)
	u, _ := url.Parse(e.srv.URL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/clients HTTP/1.1\r\nHost: %s\r\nCookie: %s=%s\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"email\":", u.Host, ck.Name, ck.Value)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "HTTP/1.1 400") {
		t.Fatalf("a body that never came: %q %v", status, err)
	}
}

// TestNoFolderListings: /static/ serves files, never what a folder holds.
func TestNoFolderListings(t *testing.T) {
	e := newEnv(t, "sqlite")
	c := e.anon()
	for _, path := range []string{"/static/", "/static/room/", "/static/room"} {
		if res := c.get(path); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, res.StatusCode)
		}
	}
	if res := c.get("/static/room/signal.js"); res.StatusCode != http.StatusOK {
		t.Errorf("a file: %d", res.StatusCode)
	}
}
