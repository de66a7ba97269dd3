package chromium

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindTakesAGivenPathThatExists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chromium")
	if err := os.WriteFile(path, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := Find(path); err != nil || got != path {
		t.Fatalf("Find(%q) = %q, %v", path, got, err)
	}
	if _, err := Find(path + "-missing"); err == nil || !strings.Contains(err.Error(), "no browser at") {
		t.Fatalf("a missing browser: %v", err)
	}
}

func TestFindLooksOnPath(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "chromium-browser"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	if got, err := Find(""); err != nil || got != filepath.Join(dir, "chromium-browser") {
		t.Fatalf("Find on PATH = %q, %v", got, err)
	}
	t.Setenv("PATH", t.TempDir())
	if _, err := Find(""); err == nil || !strings.Contains(err.Error(), "apt-get install chromium") {
		t.Fatalf("no browser on PATH: %v", err)
	}
}
