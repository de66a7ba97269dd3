package archtest

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// domain are the packages at the centre: arrows point at them, never out.
var domain = []string{"app", "coaching", "chat", "room", "notify", "membership", "mail", "protocol", "audit", "conversation", "privacy", "notes", "intake", "record"}

// allowedLibraries are the modules outside the standard library a domain
// package may use: small, with no I/O of their own.
var allowedLibraries = []string{"golang.org/x/time/rate", "github.com/go-json-experiment/json"}

// forbiddenStd are the standard library's adapters: a domain package
// names what it needs as an interface instead.
var forbiddenStd = []string{"database/sql", "net/http", "os/exec", "net/smtp"}

// violations lists what pkg (a domain package) must not depend on among
// deps, its transitive imports.
func violations(deps []string) []string {
	var bad []string
	for _, d := range deps {
		if !allowed(d) {
			bad = append(bad, d)
		}
	}
	return bad
}

// allowed reports whether a domain package may depend on the package path d.
func allowed(d string) bool {
	if rest, ok := strings.CutPrefix(d, "rapport/internal/"); ok {
		return slices.Contains(domain, rest)
	}
	if slices.Contains(forbiddenStd, d) || strings.HasPrefix(d, "database/sql/") || strings.HasPrefix(d, "net/http/") {
		return false
	}
	first, _, _ := strings.Cut(d, "/")
	if !strings.Contains(first, ".") { // the standard library (and its vendored parts)
		return true
	}
	return slices.ContainsFunc(allowedLibraries, func(lib string) bool { return d == lib || strings.HasPrefix(d, lib+"/") })
}

// TestDomainImportsNoAdapter: no domain package depends, even indirectly,
// on an adapter of this project (store, web, signaling, sfu...), a database
// driver, pion or any other library outside the allowed few.
func TestDomainImportsNoAdapter(t *testing.T) {
	for _, pkg := range domain {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "rapport/internal/"+pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 2 {
			t.Fatalf("go list %s listed %v", pkg, deps)
		}
		if bad := violations(deps); len(bad) > 0 {
			t.Errorf("the domain package %s depends on %v: name what it needs as an interface, and let an adapter implement it", pkg, bad)
		}
	}
}

// TestTheRuleRefuses: the rule itself refuses an adapter, a driver, pion
// and net/http, and lets the standard library and the domain through.
func TestTheRuleRefuses(t *testing.T) {
	deps := []string{"fmt", "rapport/internal/app", "rapport/internal/store", "github.com/pion/webrtc/v4",
		"modernc.org/sqlite", "net/http", "database/sql", "golang.org/x/time/rate", "vendor/golang.org/x/net/dns/dnsmessage"}
	want := []string{"rapport/internal/store", "github.com/pion/webrtc/v4", "modernc.org/sqlite", "net/http", "database/sql"}
	if got := violations(deps); !slices.Equal(got, want) {
		t.Errorf("violations %v, want %v", got, want)
	}
}
