package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestHelpNamesEveryLoad: `rapport-load -h` exits 0 and gives the synopsis
// of every load; an unknown load is a usage error that names the known ones.
func TestHelpNamesEveryLoad(t *testing.T) {
	var out, errs bytes.Buffer
	if code := run(t.Context(), []string{"-h"}, &out, &errs); code != 0 {
		t.Fatalf("rapport-load -h: exit %d\n%s", code, errs.String())
	}
	for _, load := range []string{"chat", "sfu", "tunnel", "udp", "join"} {
		if !strings.Contains(errs.String(), "rapport-load "+load+" ") {
			t.Errorf("the help does not give the synopsis of %s:\n%s", load, errs.String())
		}
	}
	errs.Reset()
	if code := run(t.Context(), []string{"fly"}, &out, &errs); code != 2 || !strings.Contains(errs.String(), `unknown load "fly": use chat, sfu`) {
		t.Fatalf("rapport-load fly: exit %d\n%s", code, errs.String())
	}
}
