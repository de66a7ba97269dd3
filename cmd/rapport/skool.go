package main

import (
	"os"
	"path/filepath"

	"rapport/internal/config"
	"rapport/internal/membership"
	"rapport/internal/membership/skool"
)

// newSkoolScraper makes the Skool scraper the settings describe, with its
// browser profile in the data directory and its failure files in
// RAPPORT_DATA_DIR/logs.
func newSkoolScraper(cfg *config.Config) (membership.Scraper, error) {
	return skool.New(cfg.Skool, skool.Options{Chromium: os.Getenv("RAPPORT_CHROMIUM"), ProfileDir: skool.ProfileDir(cfg.DataDir),
		LogsDir: filepath.Join(cfg.DataDir, "logs"), PauseMin: cfg.Skool.PauseMin, PauseMax: cfg.Skool.PauseMax})
}
