package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"rapport/internal/config"
	"rapport/internal/server"
)

// newLogger builds the slog logger the settings ask for.
func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// settings is where a command's settings come from: an environment, then
// a .env file. The binary's are the process's environment and ./.env; a
// test gives each run its own, so that tests can run side by side.
type settings struct {
	env    config.Getenv
	dotenv string // the .env file's path
}

// processSettings are the binary's: its environment and ./.env.
func processSettings() settings { return settings{env: os.LookupEnv, dotenv: ".env"} }

// load reads the settings.
func (s settings) load() (*config.Config, error) { return s.loadFrom(s.dotenv) }

// loadFrom reads the settings with path as the .env file.
func (s settings) loadFrom(path string) (*config.Config, error) {
	dotenv, err := config.ReadDotEnv(path)
	if err != nil {
		return nil, err
	}
	return config.Load(config.Layered(s.env, dotenv))
}

// has reports whether the environment sets name (to anything but "").
func (s settings) has(name string) bool {
	v, _ := s.env(name)
	return v != ""
}

func runServe(ctx context.Context, set settings, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "serve [--dev] [--loadtest]", stderr)
	dev := fs.Bool("dev", false, "read templates and static files from internal/web on every request (UI work without rebuilds)")
	load := fs.Bool("loadtest", false, "take `rapport-load sfu`'s and `rapport-load tunnel`'s peers: rooms of any size without appointments (loopback dev servers only)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: rapport serve [--dev] [--loadtest]\n\nFlags:")
		fs.PrintDefaults()
		fmt.Fprintln(stderr)
		config.WriteUsage(stderr)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := set.load()
	if err != nil {
		return err
	}
	cfg.Dev = *dev
	cfg.LoadTest = *load // server.New refuses it off loopback
	m := &server.Main{Config: cfg, Logger: newLogger(cfg, stderr)}
	tuneGC(set, serveGOGC, m.Logger)
	if cfg.Dev {
		m.AssetsDir = "internal/web"
		if _, err := os.Stat("internal/web/templates"); err != nil {
			return fmt.Errorf("--dev reads internal/web from the working directory: run it from the repository root")
		}
	}
	if err := m.Run(ctx); err != nil {
		m.Close()
		return err
	}
	err = m.Wait(ctx)
	m.Logger.Info("shutting down: finishing requests in flight")
	return errors.Join(err, m.Close())
}
