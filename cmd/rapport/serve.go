package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"rapport/internal/app"
	"rapport/internal/config"
	"rapport/internal/server"
	"rapport/internal/store"
)

// Main is the running program, wired by hand. Tests start it on port 0 with
// a temporary database, exactly as `rapport serve` does.
type Main struct {
	Config *config.Config
	Logger *slog.Logger
	Clock  app.Clock // nil: the real clock
	// AssetsDir, when set, serves templates and static files from this
	// folder on every request (serve --dev).
	AssetsDir string
	// Tune, when set, adjusts the application before it takes requests
	// (tests lift rate limits with it).
	Tune func(*server.App)
	// DevToken is the developer sign-in's token; empty: the one kept in
	// the data directory (tests give their own).
	DevToken string

	// HeaderTimeout bounds how long a request's headers may take to
	// arrive; 0: DefaultHeaderTimeout.
	HeaderTimeout time.Duration

	DB       *store.DB
	App      *server.App
	server   *http.Server
	pprof    *http.Server
	metrics  *http.Server
	listener net.Listener
	done     chan error
}

// DefaultHeaderTimeout is how long a request's headers may take to arrive
// (its body: web.DefaultBodyTimeout).
const DefaultHeaderTimeout = 10 * time.Second

// URL is where the server answers, once Run has returned.
func (m *Main) URL() string { return "http://" + m.listener.Addr().String() }

// DevSignInURL is the developer sign-in's link with its token, once Run has
// returned (when the developer sign-in is on).
func (m *Main) DevSignInURL() string { return m.URL() + "/auth/dev?token=" + m.App.DevToken }

// Run opens and migrates the database, builds the application and starts
// serving in the background. It returns once the server listens.
func (m *Main) Run(ctx context.Context) error {
	cfg, log := m.Config, m.Logger
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	m.DB = db
	db.SetLogger(log)
	applied, err := db.Migrate(ctx)
	if err != nil {
		return fmt.Errorf("migrate database: %w", err)
	}
	for _, mg := range applied {
		log.Info("applied migration", "version", mg.Version, "name", mg.Name)
	}
	log.Info("database ready", "dialect", db.Dialect.Name(), "where", db.Where)
	opts := server.Options{Config: cfg, DB: db, Logger: log, Clock: m.Clock, DevToken: m.DevToken}
	if m.AssetsDir != "" {
		opts.Assets = os.DirFS(m.AssetsDir)
		log.Info("dev mode: templates and static files are read from disk on every request", "dir", m.AssetsDir)
	}
	if m.App, err = server.New(opts); err != nil {
		return err
	}
	if m.Tune != nil {
		m.Tune(m.App)
	}
	m.pprof = servePprof(cfg.PprofAddr, log)
	if m.metrics, err = serveMetrics(cfg.Limits.MetricsAddr, m.App.Web.MetricsHandler(), log); err != nil {
		return err
	}
	m.server = &http.Server{Handler: m.App.Handler(), ReadHeaderTimeout: cmp.Or(m.HeaderTimeout, DefaultHeaderTimeout),
		MaxHeaderBytes: 64 << 10, IdleTimeout: 120 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	return m.listen()
}

func (m *Main) listen() error {
	ln, err := net.Listen("tcp", m.Config.Addr())
	if err != nil {
		return fmt.Errorf("listen on %s: %w (set HOST and PORT to choose another address)", m.Config.Addr(), err)
	}
	m.listener, m.done = ln, make(chan error, 1)
	m.Logger.Info("listening", "url", m.URL())
	if m.App != nil && m.App.DevToken != "" {
		m.Logger.Warn("developer sign-in, for this machine only: open " + m.DevSignInURL())
	}
	go func() {
		if err := m.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.done <- err
		}
		close(m.done)
	}()
	return nil
}

// Wait blocks until ctx ends or the server fails.
func (m *Main) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return nil
	case err := <-m.done:
		return err
	}
}

// Close stops gracefully: rooms store and deliver the chat in flight and
// tell their clients to reconnect, requests in flight finish (all within 20
// seconds), then the chat writer and the database close.
func (m *Main) Close() error {
	var errs []error
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if m.App != nil {
		m.App.Drain(ctx)
	}
	if m.server != nil {
		errs = append(errs, m.server.Shutdown(ctx))
	}
	if m.App != nil {
		m.App.Close()
	}
	if m.pprof != nil {
		m.pprof.Close()
	}
	if m.metrics != nil {
		m.metrics.Close()
	}
	if m.DB != nil {
		errs = append(errs, m.DB.Close())
	}
	return errors.Join(errs...)
}

// newLogger builds the slog logger the settings ask for.
func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// loadConfig reads .env and the environment.
func loadConfig() (*config.Config, error) {
	return loadConfigFrom(".env")
}

// loadConfigFrom reads the settings with path as the .env file.
func loadConfigFrom(path string) (*config.Config, error) {
	dotenv, err := config.ReadDotEnv(path)
	if err != nil {
		return nil, err
	}
	return config.Load(config.Environ(dotenv))
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "serve [--dev] [--loadtest]", stderr)
	dev := fs.Bool("dev", false, "read templates and static files from internal/web on every request (UI work without rebuilds)")
	load := fs.Bool("loadtest", false, "take `rapport-load sfu`'s and `rapport-load relay`'s peers: rooms of any size without appointments (loopback dev servers only)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: rapport serve [--dev] [--loadtest]\n\nFlags:")
		fs.PrintDefaults()
		fmt.Fprintln(stderr)
		config.WriteUsage(stderr)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	cfg.Dev = *dev
	cfg.LoadTest = *load // server.New refuses it off loopback
	m := &Main{Config: cfg, Logger: newLogger(cfg, stderr)}
	tuneGC(serveGOGC, m.Logger)
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
