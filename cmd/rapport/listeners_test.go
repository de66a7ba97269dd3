package main

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"rapport/internal/config"
	"rapport/internal/porttest"
	"rapport/internal/practicetest"
	"rapport/internal/server"
)

// startWith runs server.Main on port 0 with settings vars.
func startWith(t *testing.T, vars map[string]string, tune func(*server.Main)) *server.Main {
	t.Helper()
	vars["PORT"], vars["RAPPORT_DATA_DIR"] = "0", t.TempDir()
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	m := &server.Main{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), DevToken: practicetest.DevToken}
	if tune != nil {
		tune(m)
	}
	if err := m.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// TestMetricsOnTheirOwnListener: METRICS_ADDR serves /metrics apart from
// the site, and a token it is given is asked for there.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	t.Parallel()
	addr := fmt.Sprintf("127.0.0.1:%d", porttest.Free(t))
	token := "a-metrics-token-of-some-length"
	startWith(t, map[string]string{"METRICS_ADDR": addr, "METRICS_TOKEN": token}, nil)
	get := func(auth string) int {
		req, _ := http.NewRequest("GET", "http://"+addr+"/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := get("Bearer " + token); got != http.StatusOK {
		t.Fatalf("with the token: %d", got)
	}
	if got := get(""); got != http.StatusUnauthorized {
		t.Fatalf("without the token: %d", got)
	}
}

// TestSlowHeadersAreCut: a client that sends its headers a little at a
// time is cut off once the bound has passed.
func TestSlowHeadersAreCut(t *testing.T) {
	t.Parallel()
	m := startWith(t, map[string]string{}, func(m *server.Main) { m.HeaderTimeout = 300 * time.Millisecond })
	conn, err := net.Dial("tcp", strings.TrimPrefix(m.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	reply, err := bufio.NewReader(conn).ReadString('\n')
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("the server still waited for the headers after 10 s")
	}
	if strings.HasPrefix(reply, "HTTP/1.1 200") {
		t.Fatalf("answered half a request: %q", reply)
	}
}
