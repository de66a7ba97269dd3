// Package chromium finds the Chromium that Rapport drives headless (the
// Skool sync, and `rapport-load join`): it never downloads one.
package chromium

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
)

// Find checks the browser at path or, when path is empty, looks for
// chromium, chromium-browser or google-chrome on PATH.
func Find(path string) (string, error) {
	if path != "" {
		if _, err := os.Stat(path); err != nil {
			return "", fmt.Errorf("no browser at %s: %w", path, err)
		}
		return path, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no Chromium on PATH: apt-get install chromium")
}
