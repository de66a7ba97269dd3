package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// configurationDoc is the reference of every setting, generated.
const configurationDoc = "../../docs/configuration.md"

// TestConfigurationDocFresh: docs/configuration.md shows the settings
// tables as they are, so that the docs cannot fall behind the code.
func TestConfigurationDocFresh(t *testing.T) {
	b, err := os.ReadFile(configurationDoc)
	if err != nil {
		t.Fatal(err)
	}
	want, err := SpliceDoc(string(b))
	if err != nil {
		t.Fatalf("docs/configuration.md: %v", err)
	}
	if string(b) != want {
		t.Fatal("docs/configuration.md is stale: run `go generate ./internal/config` and commit it")
	}
}

// TestSettingsDocumented: every setting the server reads is named in
// docs/, and the README sends its readers there.
func TestSettingsDocumented(t *testing.T) {
	var docs strings.Builder
	files, _ := filepath.Glob("../../docs/*.md")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs.Write(b)
	}
	for _, s := range Settings {
		if !strings.Contains(docs.String(), "`"+s.Name) {
			t.Errorf("%s is not named in docs/", s.Name)
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "docs/configuration.md") {
		t.Error("README.md does not link to docs/configuration.md")
	}
}

// TestUsageListsEverySetting: `rapport serve -h` shows each setting with
// its default, and marks the secrets.
func TestUsageListsEverySetting(t *testing.T) {
	var b strings.Builder
	WriteUsage(&b)
	lines := strings.Split(b.String(), "\n")
	for _, s := range Settings {
		line := lineOf(lines, "  "+s.Name+" ")
		switch {
		case line == "":
			t.Errorf("%s is missing", s.Name)
		case s.Default != "" && !strings.Contains(line, " default "+s.Default+" "):
			t.Errorf("%s: its default %q is missing: %s", s.Name, s.Default, line)
		case s.Secret != strings.Contains(line, "[secret, or "+s.Name+"_FILE"):
			t.Errorf("%s: secret %v, but the line says otherwise: %s", s.Name, s.Secret, line)
		}
	}
}

// lineOf is the first line that starts with prefix, or "".
func lineOf(lines []string, prefix string) string {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}
