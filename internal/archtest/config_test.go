package archtest

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// deps lists the packages pkg depends on, itself included.
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "rapport/internal/"+pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", pkg, err, out)
	}
	return strings.Fields(string(out))
}

// TestConfigImportsNothingOfRapport: the settings know no domain type; the
// wiring turns them into the parts' own.
func TestConfigImportsNothingOfRapport(t *testing.T) {
	for _, d := range deps(t, "config") {
		if strings.HasPrefix(d, "rapport/") && d != "rapport/internal/config" {
			t.Errorf("config depends on %s", d)
		}
	}
}

// TestPartsTakeTheirOwnOptions: only the wiring reads config; these parts
// take options of their own, as sfu does.
func TestPartsTakeTheirOwnOptions(t *testing.T) {
	for _, pkg := range []string{"sfu", "speech", "turn", "diagnose", "membership/skool", "web"} {
		if slices.Contains(deps(t, pkg), "rapport/internal/config") {
			t.Errorf("%s depends on rapport/internal/config", pkg)
		}
	}
}

// TestWebKnowsNoTransport: the handlers reach the rooms through web.Rooms,
// so that the web layer builds without the transports, the SFU or TURN.
func TestWebKnowsNoTransport(t *testing.T) {
	for _, d := range deps(t, "web") {
		for _, adapter := range []string{"signaling", "sfu", "turn", "tunnel", "voice", "speech"} {
			if d == "rapport/internal/"+adapter {
				t.Errorf("web depends on %s", d)
			}
		}
	}
}
