// Command gendoc writes the settings tables of internal/config into a
// Markdown file (docs/configuration.md), between the markers that keep its
// hand-written parts apart: `go generate ./internal/config` runs it.
package main

import (
	"fmt"
	"os"

	"rapport/internal/config"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gendoc FILE.md")
		os.Exit(2)
	}
	if err := refresh(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "gendoc:", err)
		os.Exit(1)
	}
}

// refresh rewrites the generated part of the file at path.
func refresh(path string) error {
	old, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	doc, err := config.SpliceDoc(string(old))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, []byte(doc), 0o644)
}
