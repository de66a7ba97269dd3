package main

import (
	"os"
	"path/filepath"

	"rapport/internal/alert"
	"rapport/internal/config"
	"rapport/internal/membership"
	"rapport/internal/membership/skool"
)

// newSkoolScraper makes the Skool scraper the settings describe, with its
// browser profile in the data directory and its failure files in
// RAPPORT_DATA_DIR/logs.
func newSkoolScraper(cfg *config.Config) (membership.Scraper, error) {
	return skool.New(cfg.Skool, skool.Options{Chromium: os.Getenv("RAPPORT_CHROMIUM"), ProfileDir: skool.ProfileDir(cfg.DataDir),
		LogsDir: filepath.Join(cfg.DataDir, "logs"), PauseMin: cfg.Skool.PauseMin, PauseMax: cfg.Skool.PauseMax, ElementWait: cfg.Skool.ElementWait})
}

// alertsOf is where the operators are told of a safety stop; nil when the
// settings name nowhere.
func alertsOf(cfg *config.Config) alert.Notifier {
	c := cfg.Alerts
	var all alert.All
	if c.SMTPAddr != "" {
		all = append(all, alert.Email{Addr: c.SMTPAddr, User: c.SMTPUser, Password: c.SMTPPassword, From: c.From, To: c.To})
	}
	if c.Webhook != "" {
		all = append(all, alert.Webhook{URL: c.Webhook})
	}
	if len(all) == 0 {
		return nil
	}
	return all
}
