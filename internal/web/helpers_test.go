package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/audit/audittest"
	"rapport/internal/auth"
	"rapport/internal/coaching"
	"rapport/internal/config"
	"rapport/internal/server"
	"rapport/internal/server/servertest"
	"rapport/internal/store"
	"rapport/internal/store/storetest"
	"rapport/internal/web"
)

// env is a running server over a real database, and its parts.
type env struct {
	t       *testing.T
	srv     *httptest.Server
	handler http.Handler
	app     *server.App
	db      *store.DB
	svc     *coaching.Service
	sess    *auth.Sessions
	cfg     *config.Config
	audit   *audittest.Recorder // what the server recorded in the audit log
}

func mustConfig(t testing.TB, vars map[string]string) *config.Config {
	return servertest.Config(t, vars)
}

// newEnv starts the web server on dialect with the dev sign-in on.
func newEnv(t *testing.T, dialect string) *env {
	t.Helper()
	return newEnvWith(t, dialect, mustConfig(t, nil), nil)
}

func newEnvWith(t *testing.T, dialect string, cfg *config.Config, oidc *auth.OIDC) *env {
	t.Helper()
	e := build(t, dialect, cfg, oidc)
	e.t = t
	e.srv = httptest.NewServer(e.handler)
	t.Cleanup(e.srv.Close)
	return e
}

// newBenchEnv builds the server without a listener, for benchmarks.
func newBenchEnv(b *testing.B, dialect string) *env {
	return build(b, dialect, mustConfig(b, nil), nil)
}

func build(t testing.TB, dialect string, cfg *config.Config, oidc *auth.OIDC) *env {
	return buildAt(t, dialect, cfg, oidc, nil)
}

// newEnvAt starts the web server on dialect with the dev sign-in on, its
// time kept by clock.
func newEnvAt(t *testing.T, dialect string, clock app.Clock) *env {
	t.Helper()
	e := buildAt(t, dialect, mustConfig(t, nil), nil, clock)
	e.t = t
	e.srv = httptest.NewServer(e.handler)
	t.Cleanup(e.srv.Close)
	return e
}

func buildAt(t testing.TB, dialect string, cfg *config.Config, oidc *auth.OIDC, clock app.Clock) *env {
	t.Helper()
	log := &audittest.Recorder{}
	a := servertest.Build(t, servertest.Options{Dialect: dialect, Config: cfg, OIDC: oidc, Clock: clock, Audit: log})
	return &env{db: a.DB, svc: a.Service, sess: a.Sessions, cfg: cfg, handler: a.Handler(), app: a.App, audit: log}
}

// client is a browser-like HTTP client with its own cookies that does not
// follow redirects.
type client struct {
	e  *env
	hc *http.Client
}

func (e *env) anon() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, hc: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// devToken opens the developer sign-in of the tests' servers.
const devToken = servertest.DevToken

// signIn signs in through POST /auth/dev with its token, as scripts do.
func (e *env) signIn(email string, role app.Role) *client {
	e.t.Helper()
	c := e.anon()
	res := c.form("POST", "/auth/dev", url.Values{"email": {email}, "name": {"Name " + email}, "role": {string(role)}, "token": {devToken}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/dashboard" {
		e.t.Fatalf("dev sign-in %s: %d %s", email, res.StatusCode, res.Header.Get("Location"))
	}
	return c
}

type response struct {
	*http.Response
	body []byte
}

func (r *response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r *response) errorBody(t *testing.T) (code string, fields map[string]string) {
	t.Helper()
	var b struct {
		Error struct {
			Code   string            `json:"code"`
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	r.json(t, &b)
	return b.Error.Code, b.Error.Fields
}

func (c *client) do(req *http.Request) *response {
	c.e.t.Helper()
	res, err := c.hc.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return &response{Response: res, body: body}
}

func (c *client) raw(method, path, contentType string, body io.Reader) *response {
	c.e.t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), method, c.e.srv.URL+path, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return c.do(req)
}

func (c *client) get(path string) *response { return c.raw("GET", path, "", nil) }

func (c *client) api(method, path string, v any) *response {
	c.e.t.Helper()
	var body io.Reader
	if v != nil {
		b, _ := json.Marshal(v)
		body = bytes.NewReader(b)
	}
	return c.raw(method, path, "application/json", body)
}

func (c *client) form(method, path string, v url.Values) *response {
	return c.raw(method, path, "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
}

// world is a coach with a client and an appointment, plus strangers.
type world struct {
	coach, otherCoach, client, otherClient, admin, anon *client
	coachID, otherCoachID, clientID, apptID             int64
	roomID                                              string
}

func (e *env) world() *world {
	e.t.Helper()
	w := &world{coach: e.signIn("coach@example.com", app.RoleCoach), otherCoach: e.signIn("coach2@example.com", app.RoleCoach),
		client: e.signIn("client@example.com", app.RoleClient), otherClient: e.signIn("client2@example.com", app.RoleClient),
		admin: e.signIn("admin@example.com", app.RoleAdmin), anon: e.anon()}
	w.coachID, w.otherCoachID = w.coach.id(), w.otherCoach.id()
	w.clientID = e.inviteAndAccept(w.coach, w.client, "CLIENT@example.com")
	var a struct {
		ID     int64
		RoomID string `json:"room_id"`
	}
	res := w.coach.api("POST", "/api/v1/appointments", map[string]any{"client_id": w.clientID, "title": "Kickoff",
		"starts_at": time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339), "duration_minutes": 60})
	if res.StatusCode != http.StatusCreated {
		e.t.Fatalf("book: %d %s", res.StatusCode, res.body)
	}
	res.json(e.t, &a)
	w.apptID, w.roomID = a.ID, a.RoomID
	return w
}

// id is the signed-in person's user ID.
func (c *client) id() int64 {
	c.e.t.Helper()
	var me struct{ ID int64 }
	c.get("/api/v1/me").json(c.e.t, &me)
	return me.ID
}

// inviteAndAccept has coach invite email and invitee, signed in with that
// email, accept through the API; it returns the invitee's ID.
func (e *env) inviteAndAccept(coach, invitee *client, email string) int64 {
	e.t.Helper()
	res := coach.api("POST", "/api/v1/clients", map[string]string{"email": email})
	if res.StatusCode != http.StatusAccepted {
		e.t.Fatalf("invite %s: %d %s", email, res.StatusCode, res.body)
	}
	if res := invitee.api("POST", fmt.Sprintf("/api/v1/invitations/%d/accept", coach.id()), nil); res.StatusCode != http.StatusOK {
		e.t.Fatalf("accept as %s: %d %s", email, res.StatusCode, res.body)
	}
	return invitee.id()
}

// eachUnlimited is each with the write limit lifted (web.LiftWriteLimit),
// for tests that make more changes as one person than the limit lets
// through, and test something else: who may make them.
func eachUnlimited(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			e := build(t, d, mustConfig(t, nil), nil)
			e.t = t
			web.LiftWriteLimit(e.app.Web)
			e.srv = httptest.NewServer(e.handler)
			t.Cleanup(e.srv.Close)
			fn(t, e)
		})
	}
}

// each runs fn on both databases.
func each(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			fn(t, newEnv(t, d))
		})
	}
}

func itoa(n int64) string { return fmt.Sprint(n) }
