package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSettingsDocumented: every setting the server reads is named in the
// README or docs/, so that the docs cannot fall behind the code.
func TestSettingsDocumented(t *testing.T) {
	var docs strings.Builder
	files, _ := filepath.Glob("../../docs/*.md")
	for _, f := range append(files, "../../README.md") {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs.Write(b)
	}
	for _, s := range Settings {
		if !strings.Contains(docs.String(), "`"+s.Name) {
			t.Errorf("%s is named in neither README.md nor docs/", s.Name)
		}
	}
}
