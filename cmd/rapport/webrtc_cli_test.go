package main

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"rapport/internal/porttest"
)

func TestSetupWebRTCWritesASecretAndKeepsTheRest(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.WriteFile(".env", []byte("# mine\nLOG_LEVEL=warn\nTURN_SECRET=\n"), 0o644)
	code, out, errOut := runCLIHere(t, "setup-webrtc", "--turn-port", "3479")
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	b, _ := os.ReadFile(".env")
	env := string(b)
	if !strings.Contains(env, "# mine\nLOG_LEVEL=warn\n") || !strings.Contains(env, "TURN_PORT=3479\n") || strings.Count(env, "TURN_SECRET=") != 1 {
		t.Fatalf(".env now:\n%s", env)
	}
	secret := between(env, "TURN_SECRET=", "\n")
	if len(secret) < 40 {
		t.Fatalf("secret %q is too short", secret)
	}
	if fi, _ := os.Stat(".env"); fi.Mode().Perm() != 0o600 {
		t.Fatalf(".env mode %v: it holds a secret", fi.Mode().Perm())
	}
	for _, want := range []string{"UDP+TCP 3479", "the embedded TURN server", "rapport diagnose"} {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
	// Again: the secret stays; with --rotate it changes.
	runCLIHere(t, "setup-webrtc")
	if b, _ := os.ReadFile(".env"); between(string(b), "TURN_SECRET=", "\n") != secret {
		t.Fatal("a second run replaced the secret")
	}
	runCLIHere(t, "setup-webrtc", "--rotate")
	if b, _ := os.ReadFile(".env"); between(string(b), "TURN_SECRET=", "\n") == secret {
		t.Fatal("--rotate kept the secret")
	}
}

func TestDiagnoseSaysWhatIsWrong(t *testing.T) {
	t.Parallel()
	// On loopback with the embedded TURN server: every check passes, the
	// call goes through.
	port := strconv.Itoa(porttest.Free(t))
	env := map[string]string{"TURN_PORT": port, "TURN_SECRET": strings.Repeat("x", 24)}
	code, out, _ := runCLI(t, env, "diagnose")
	if code != 0 || !strings.Contains(out, "✔ TURN relay: 127.0.0.1:"+port+" gave a relay") || !strings.Contains(out, "✔ a call through the SFU: connected") ||
		!strings.Contains(out, " UDP socket buffers: ") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	// Served to others over plain http: cameras are refused; no TURN.
	env = map[string]string{"TURN_PORT": "", "TURN_SECRET": "", "HOST": "0.0.0.0", "SESSION_SECRET": strings.Repeat("s", 32),
		"PUBLIC_URL": "http://coach.example.com"}
	code, out, _ = runCLI(t, env, "diagnose", "--json")
	if code != 1 || !strings.Contains(out, `"status": "fail"`) || !strings.Contains(out, "https") || !strings.Contains(out, "rapport setup-webrtc") {
		t.Fatalf("exit %d, want 1 with the reasons:\n%s", code, out)
	}
	// Settings that do not load.
	env["WEBRTC_UDP_PORT"] = "udp"
	code, out, _ = runCLI(t, env, "diagnose")
	if code != 1 || !strings.Contains(out, "✖ settings: WEBRTC_UDP_PORT") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

// runCLIHere runs the binary's commands in the current directory.
func runCLIHere(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut strings.Builder
	code := run(t.Context(), processSettings(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func between(s, from, to string) string {
	_, rest, _ := strings.Cut(s, from)
	v, _, _ := strings.Cut(rest, to)
	return v
}
