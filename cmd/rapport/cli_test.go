package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"rapport/internal/config"
	"rapport/internal/practicetest"
	"rapport/internal/server"
	"rapport/internal/store/storetest"
)

// runCLI runs the binary's entry point with args and the settings in env
// over the process's environment, a .env file that is not there, and a
// data directory of the test's own unless env names one: tests that use it
// can run side by side.
func runCLI(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	dir := t.TempDir()
	set := settings{env: func(name string) (string, bool) {
		if v, ok := env[name]; ok {
			return v, true
		}
		if name == "RAPPORT_DATA_DIR" {
			return filepath.Join(dir, "data"), true
		}
		return os.LookupEnv(name)
	}, dotenv: filepath.Join(dir, ".env")}
	var out, errb bytes.Buffer
	code = run(context.Background(), set, args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestHelpAndVersion(t *testing.T) {
	t.Parallel()
	code, out, _ := runCLI(t, nil, "help")
	for _, c := range []string{"serve", "migrate", "user", "version"} {
		if code != 0 || !strings.Contains(out, "  "+c) {
			t.Fatalf("help lacks %s: %d %s", c, code, out)
		}
	}
	if code, out, _ := runCLI(t, nil, "version"); code != 0 || !strings.HasPrefix(out, "rapport ") {
		t.Fatalf("version: %d %q", code, out)
	}
	if code, _, errs := runCLI(t, nil, "serve", "-h"); code != 0 || !strings.Contains(errs, "SESSION_SECRET") || !strings.Contains(errs, "--dev") && !strings.Contains(errs, "-dev") {
		t.Fatalf("serve -h: %d %s", code, errs)
	}
	if code, _, errs := runCLI(t, nil, "frobnicate"); code != 2 || !strings.Contains(errs, "unknown command") {
		t.Fatalf("unknown command: %d %s", code, errs)
	}
}

// TestLoadtestSaysWhereItWent: the load generator left this binary;
// `rapport loadtest` says which binary took it.
func TestLoadtestSaysWhereItWent(t *testing.T) {
	t.Parallel()
	code, out, errs := runCLI(t, nil, "loadtest", "chat", "--rooms", "10")
	if code != 2 || !strings.Contains(errs, "rapport-load chat|sfu|tunnel|udp") || strings.Contains(out, "loadtest") {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	if _, help, _ := runCLI(t, nil, "help"); strings.Contains(help, "loadtest") {
		t.Fatalf("help still lists loadtest:\n%s", help)
	}
}

func TestBadSettingStopsStartWithOneLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"Port", map[string]string{"PORT": "eighty"}, "PORT: must be a port number"},
		{"PublicHostWithoutSecret", map[string]string{"HOST": "0.0.0.0"}, "SESSION_SECRET: must be at least 32 bytes"},
		{"Database", map[string]string{"DATABASE_URL": "mysql://db"}, "DATABASE_URL: must start with"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := runCLI(t, tc.env, "serve")
			lines := strings.Split(strings.TrimSpace(errs), "\n")
			if code != 1 || len(lines) != 1 || !strings.Contains(errs, tc.want) {
				t.Fatalf("exit %d, stderr %q; want one line with %q", code, errs, tc.want)
			}
		})
	}
}

func TestMigrateAndUserCommands(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			env := map[string]string{"DATABASE_URL": storetest.URL(t, d), "RAPPORT_DATA_DIR": t.TempDir()}
			applied, reverted := migrationLines(t)
			type step struct {
				args []string
				code int
				want string
			}
			steps := []step{
				{[]string{"migrate", "status"}, 0, "pending"},
				{[]string{"migrate"}, 0, applied},
				{[]string{"migrate", "up"}, 0, "up to date"},
				{[]string{"user", "create", "--email", "Boss@Example.com", "--role", "admin", "--name", "The Boss"}, 0, "admin, invited"},
				{[]string{"user", "create", "--email", "boss@example.com", "--role", "coach"}, 1, "exists already"},
				{[]string{"user", "create", "--email", "nope", "--role", "coach"}, 1, "email is not a valid email address"},
				{[]string{"user", "create", "--email", "c@example.com", "--role", "coach"}, 0, "coach, invited"},
				{[]string{"user", "set-role", "--email", "C@example.com", "--role", "client"}, 0, "client"},
				{[]string{"user", "set-role", "--email", "c@example.com", "--role", "wizard"}, 1, "role must be one of"},
				{[]string{"user", "disable", "--email", "c@example.com"}, 0, "disabled"},
				{[]string{"user", "disable", "--email", "ghost@example.com"}, 1, "user not found"},
				{[]string{"user", "list", "--role", "admin"}, 0, "Boss@example.com"},
				{[]string{"user", "teleport"}, 2, "unknown action"},
				{[]string{"migrate", "status"}, 0, "0001     init"}, // the names align in a column as wide as the longest,
			}
			for _, line := range reverted { // each migration reverted in turn, the newest first
				steps = append(steps, step{[]string{"migrate", "down"}, 0, line})
			}
			steps = append(steps, step{[]string{"migrate", "down"}, 0, "nothing to revert"},
				step{[]string{"migrate", "sideways"}, 2, "unknown action"})
			for _, s := range steps {
				code, out, errs := runCLI(t, env, s.args...)
				if code != s.code || !strings.Contains(out+errs, s.want) {
					t.Fatalf("rapport %s: exit %d (want %d), output %q, want it to contain %q", strings.Join(s.args, " "), code, s.code, out+errs, s.want)
				}
			}
		})
	}
}

// migrationLines are what `rapport migrate` says of every embedded
// migration, in order ("applied 0001 init\n..."), and what each `migrate
// down` says, the newest first ("reverted 0013 series"), read from the
// migrations folder so that a new migration needs no edit here.
func migrationLines(t *testing.T) (applied string, reverted []string) {
	t.Helper()
	files, err := filepath.Glob("../../internal/store/migrations/sqlite/*.up.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations found: %v", err)
	}
	sort.Strings(files)
	var ups []string
	for _, f := range files {
		version, name, _ := strings.Cut(strings.TrimSuffix(filepath.Base(f), ".up.sql"), "_")
		ups = append(ups, "applied "+version+" "+name)
		reverted = append([]string{"reverted " + version + " " + name}, reverted...)
	}
	return strings.Join(ups, "\n"), reverted
}

// startMain starts the real server on port 0 with a fresh database.
func startMain(t *testing.T, dialect string) *server.Main {
	t.Helper()
	vars := map[string]string{"PORT": "0", "RAPPORT_DATA_DIR": t.TempDir(), "DATABASE_URL": storetest.URL(t, dialect)}
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	m := &server.Main{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), DevToken: practicetest.DevToken}
	if err := m.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// TestScriptedCheck is the check the issue names, done as a script would:
// a coach signs in with POST /auth/dev, invites a client and books through
// the API; the client signs in and lists it; another client gets 404.
func TestScriptedCheck(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			m := startMain(t, d)
			coach := practicetest.SignIn(t, m.URL(), "coach@example.com", "coach")
			cl := practicetest.SignIn(t, m.URL(), "client@example.com", "client")
			clientID := practicetest.InviteAndAccept(t, m.URL(), coach, cl, "client@example.com")
			var appt struct {
				ID     int64
				RoomID string `json:"room_id"`
			}
			start := time.Now().Add(30 * time.Hour).UTC().Format(time.RFC3339)
			practicetest.Do(t, coach, "POST", m.URL()+"/api/v1/appointments",
				fmt.Sprintf(`{"client_id":%d,"title":"First session","starts_at":%q,"duration_minutes":50}`, clientID, start), 201, &appt)

			var list struct {
				Items []struct {
					ID    int64
					Title string
				}
			}
			practicetest.Do(t, cl, "GET", m.URL()+"/api/v1/appointments", "", 200, &list)
			if len(list.Items) != 1 || list.Items[0].ID != appt.ID || list.Items[0].Title != "First session" {
				t.Fatalf("client sees %+v", list.Items)
			}
			other := practicetest.SignIn(t, m.URL(), "other@example.com", "client")
			practicetest.Do(t, other, "GET", fmt.Sprintf("%s/api/v1/appointments/%d", m.URL(), appt.ID), "", 404, nil)
		})
	}
}

// TestGracefulShutdown: a request in flight when Close is called finishes,
// answered as the server shuts down, and the server then refuses new
// connections.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	m := startMain(t, "sqlite")
	addr := strings.TrimPrefix(m.URL(), "http://")
	conn, err := (&net.Dialer{}).DialContext(t.Context(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A sign-in that waits to be told to go on (Expect: 100-continue): the
	// server says so when the handler starts reading the form. Part of the
	// form follows; the handler is then waiting for the rest when the
	// server is told to stop.
	form := "email=late%40example.com&role=coach&token=" + practicetest.DevToken
	fmt.Fprintf(conn, "POST /auth/dev HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n", len(form))
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	in := bufio.NewReader(conn)
	if line, err := in.ReadString('\n'); err != nil || !strings.HasPrefix(line, "HTTP/1.1 100") {
		t.Fatalf("the handler did not ask for the form: %q %v", line, err)
	}
	if blank, err := in.ReadString('\n'); err != nil || blank != "\r\n" {
		t.Fatalf("after 100 Continue: %q %v", blank, err)
	}
	conn.SetReadDeadline(time.Time{})
	fmt.Fprint(conn, form[:10])
	closed := make(chan error, 1)
	go func() { closed <- m.Close() }()
	waitRefused(t, addr) // Close is shutting the server down
	select {
	case <-closed:
		t.Fatal("Close returned while a request was in flight")
	default:
	}
	fmt.Fprint(conn, form[10:])
	reply, _ := io.ReadAll(in)
	if !strings.HasPrefix(string(reply), "HTTP/1.1 303") || !strings.Contains(string(reply), "rapport_session=") ||
		!strings.Contains(string(reply), "Connection: close") {
		t.Fatalf("in-flight request got %q, want a sign-in answered as the server shuts down", reply)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(m.URL() + "/healthz"); err == nil {
		t.Fatal("server still answers after Close")
	}
}

// waitRefused waits until nothing accepts connections at addr (a test
// connection that gets through is closed at once).
func waitRefused(t *testing.T, addr string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("%s still takes connections after 10 s", addr)
		}
	}
}
