package archtest

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestTheServerBinaryHoldsNoLoadGenerator: the load generator (its
// processes, raw sockets and system calls) is in rapport-load, which
// builds, and never linked into the server's binary.
func TestTheServerBinaryHoldsNoLoadGenerator(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "rapport/cmd/rapport").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "rapport/internal/server") {
		t.Fatalf("go list listed %d packages, without the server's own", len(deps))
	}
	if slices.Contains(deps, "rapport/internal/loadtest") {
		t.Error("rapport/cmd/rapport depends on rapport/internal/loadtest: the load generator belongs to cmd/rapport-load")
	}
	bin := filepath.Join(t.TempDir(), "rapport-load")
	if out, err := exec.Command("go", "build", "-o", bin, "rapport/cmd/rapport-load").CombinedOutput(); err != nil {
		t.Fatalf("cmd/rapport-load does not build: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "-h").CombinedOutput(); err != nil || !strings.Contains(string(out), "rapport-load sfu") {
		t.Fatalf("rapport-load -h: %v\n%s", err, out)
	}
}
