package archtest

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestTheServerBinaryHoldsNoLoadGenerator: the load generator (its
// processes, raw sockets and system calls) is in rapport-load (whose own
// tests run it), never linked into the server's binary.
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
}
