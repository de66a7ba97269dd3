package logfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTheLogRotatesAndKeepsAFew(t *testing.T) {
	path := filepath.Join(t.TempDir(), "logs", "skool-daemon.log")
	l, err := Open(path, 100, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if _, err := l.Write([]byte(strings.Repeat(string(rune('a'+i)), 39) + "\n")); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	cur, _ := os.ReadFile(path)
	one, _ := os.ReadFile(path + ".1")
	two, _ := os.ReadFile(path + ".2")
	if _, err := os.Stat(path + ".3"); err == nil {
		t.Fatal("more than two old files kept")
	}
	if len(cur) > 100 || !strings.HasPrefix(string(cur), "iii") || !strings.HasPrefix(string(one), "ggg") || !strings.HasPrefix(string(two), "eee") {
		t.Fatalf("current %q\n.1 %q\n.2 %q", cur, one, two)
	}
}
