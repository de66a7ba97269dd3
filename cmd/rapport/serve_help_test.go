package main

import (
	"strings"
	"testing"

	"rapport/internal/config"
)

// TestServeHelpListsEverySetting: `rapport serve -h` shows every setting of
// the settings tables, each on its line with its default, the secrets
// marked, group by group as docs/configuration.md does.
func TestServeHelpListsEverySetting(t *testing.T) {
	t.Parallel()
	code, _, errs := runCLI(t, nil, "serve", "-h")
	if code != 0 {
		t.Fatalf("serve -h: exit %d: %s", code, errs)
	}
	lines := strings.Split(errs, "\n")
	for _, g := range config.Groups {
		if !strings.Contains(errs, "\n"+g.Title+": ") {
			t.Errorf("the group %s is missing", g.Title)
		}
	}
	for _, s := range config.Settings {
		line := settingLine(lines, s.Name)
		switch {
		case line == "":
			t.Errorf("%s is missing", s.Name)
		case s.Default != "" && !strings.Contains(line, " "+s.Default+" "):
			t.Errorf("%s: its default %q is missing: %s", s.Name, s.Default, line)
		case !strings.Contains(line, s.Help):
			t.Errorf("%s: its help is missing: %s", s.Name, line)
		case s.Secret != strings.Contains(line, "[secret"):
			t.Errorf("%s: secret is %v, the line says otherwise: %s", s.Name, s.Secret, line)
		}
	}
}

// settingLine is the line that describes the setting name, or "".
func settingLine(lines []string, name string) string {
	for _, l := range lines {
		if f := strings.Fields(l); len(f) > 0 && f[0] == name {
			return l
		}
	}
	return ""
}
