package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"rapport/internal/app"
	"rapport/internal/config"
	"rapport/internal/store"
)

// Main is the running server: the database opened and migrated, the
// application built (New), its listeners (the site, and the profiler and
// metrics when their settings ask). `rapport serve` runs it, and the
// end-to-end tests start it the same way on port 0 with a temporary
// database.
type Main struct {
	Config *config.Config
	Logger *slog.Logger
	Clock  app.Clock // nil: the real clock
	// AssetsDir, when set, serves templates and static files from this
	// folder on every request (serve --dev).
	AssetsDir string
	// Tune, when set, adjusts the application before it takes requests
	// (tests lift rate limits with it).
	Tune func(*App)
	// DevToken is the developer sign-in's token; empty: the one kept in
	// the data directory (tests give their own).
	DevToken string

	// HeaderTimeout bounds how long a request's headers may take to
	// arrive; 0: DefaultHeaderTimeout.
	HeaderTimeout time.Duration

	DB       *store.DB
	App      *App
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
	opts := Options{Config: cfg, DB: db, Logger: log, Clock: m.Clock, DevToken: m.DevToken}
	if m.AssetsDir != "" {
		opts.Assets = os.DirFS(m.AssetsDir)
		log.Info("dev mode: templates and static files are read from disk on every request", "dir", m.AssetsDir)
	}
	if m.App, err = New(opts); err != nil {
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
