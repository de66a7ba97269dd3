package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rapport/internal/config"
	"rapport/internal/porttest"
	"rapport/internal/server"
)

// TestDevModeReadsFromDisk: with serve --dev, an edited template shows on
// the next request, without a restart.
func TestDevModeReadsFromDisk(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../../internal/web")); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"PORT": "0", "RAPPORT_DATA_DIR": t.TempDir()}
	cfg, _ := config.Load(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	m := &server.Main{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), AssetsDir: dir}
	if err := m.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	get := func(path string) string {
		res, err := http.Get(m.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	if !strings.Contains(get("/signin"), "Welcome to Rapport") {
		t.Fatal("sign-in page missing")
	}
	page := filepath.Join(dir, "templates", "signin.html")
	b, _ := os.ReadFile(page)
	os.WriteFile(page, []byte(strings.Replace(string(b), "Welcome to Rapport", "Edited on disk", 1)), 0o644)
	if !strings.Contains(get("/signin"), "Edited on disk") {
		t.Fatal("the edited template did not show")
	}
	os.WriteFile(filepath.Join(dir, "static", "app.css"), []byte("body{color:red}"), 0o644)
	if get("/static/app.css") != "body{color:red}" {
		t.Fatal("the edited stylesheet did not show")
	}
}

// TestProfilerOnItsOwnListener: RAPPORT_PPROF_ADDR serves Go's profiler on a
// loopback listener of its own, and the site itself has none.
func TestProfilerOnItsOwnListener(t *testing.T) {
	t.Parallel()
	addr := fmt.Sprintf("127.0.0.1:%d", porttest.Free(t))
	vars := map[string]string{"PORT": "0", "RAPPORT_DATA_DIR": t.TempDir(), "RAPPORT_PPROF_ADDR": addr}
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	m := &server.Main{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := m.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var res *http.Response
	// The profiler's listener starts beside the server: wait for it (ten
	// seconds only bound a hang).
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if res, err = http.Get("http://" + addr + "/debug/pprof/"); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("profiler: %v %v", err, res)
	}
	res.Body.Close()
	site, _ := http.Get(m.URL() + "/debug/pprof/")
	if site.StatusCode != http.StatusNotFound {
		t.Fatalf("the site serves the profiler: %d", site.StatusCode)
	}
	site.Body.Close()
}
