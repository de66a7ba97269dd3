package config

//go:generate go run ./gendoc ../../docs/configuration.md

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"strings"
)

// WriteUsage writes every setting as `rapport serve -h` shows it: group by
// group, each with its default and what it does, secrets marked.
func WriteUsage(w io.Writer) {
	fmt.Fprintln(w, "Settings (environment variables, or a .env file in the working directory; the environment wins):")
	for _, g := range Groups {
		fmt.Fprintf(w, "\n%s: %s\n", g.Title, g.Intro)
		for _, s := range g.Settings {
			fmt.Fprintf(w, "  %-22s default %-28s %s%s\n", s.Name, cmp.Or(s.Default, "-"), s.Help, secretNote(s, " [secret, or %s_FILE: a file holding it]"))
		}
	}
}

// The markers around the generated part of docs/configuration.md: what
// lies outside them is written by hand.
const (
	DocBegin = "<!-- Generated from the settings tables in internal/config by `go generate ./internal/config`: edit those, not this. -->"
	DocEnd   = "<!-- End of the generated settings. -->"
)

// SpliceDoc returns doc with the part between DocBegin and DocEnd replaced
// by the settings tables in Markdown.
func SpliceDoc(doc string) (string, error) {
	before, rest, ok := strings.Cut(doc, DocBegin)
	_, after, ok2 := strings.Cut(rest, DocEnd)
	if !ok || !ok2 {
		return "", errors.New("the markers of the generated settings are missing")
	}
	return before + DocBegin + "\n\n" + Markdown() + "\n" + DocEnd + after, nil
}

// Markdown is every setting as Markdown tables, a section per group.
func Markdown() string {
	var b strings.Builder
	for i, g := range Groups {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "## %s\n\n%s\n\n| Setting | Default | Meaning |\n|---|---|---|\n", g.Title, g.Intro)
		for _, s := range g.Settings {
			def := " "
			if s.Default != "" {
				def = " `" + s.Default + "` "
			}
			help := strings.ReplaceAll(s.Help, "|", `\|`) + secretNote(s, "; a secret: `%s_FILE` may name a file holding it instead")
			fmt.Fprintf(&b, "| `%s` |%s| %s |\n", s.Name, def, help)
		}
	}
	return b.String()
}

// secretNote is format with the setting's name for a secret, else nothing.
func secretNote(s Setting, format string) string {
	if !s.Secret {
		return ""
	}
	return fmt.Sprintf(format, s.Name)
}
