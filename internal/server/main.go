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
	"sync"
	"time"

	"rapport/internal/app"
	"rapport/internal/cluster"
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
	guard    *nodeGuard         // this node's hold on the database
	endGuard context.CancelFunc // stops renewing it
	guarded  chan struct{}      // closed when it is given back
	server   *http.Server
	pprof    *http.Server
	metrics  *http.Server
	listener net.Listener
	done     chan error

	closeOnce sync.Once
	closeErr  error
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
	if err := m.listen(); err != nil {
		return err
	}
	opts := Options{Config: cfg, DB: db, Logger: log, Clock: m.Clock, DevToken: m.DevToken}
	if opts.Cluster, err = m.join(ctx); err != nil {
		return err
	}
	if m.AssetsDir != "" {
		opts.Assets = os.DirFS(m.AssetsDir)
		log.Info("dev mode: templates and static files are read from disk on every request", "dir", m.AssetsDir)
	}
	if m.App, err = New(opts); err != nil {
		if opts.Cluster != nil {
			opts.Cluster.Close()
		}
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
	m.serve()
	return nil
}

// join takes the database for this node (alone, or as a node of the
// cluster REDIS_URL names) and keeps it in the background; in a cluster it
// also connects to Redis.
func (m *Main) join(ctx context.Context) (*cluster.Cluster, error) {
	c := m.Config.Cluster
	id, nodeURL := nodeIdentity(c, m.listener.Addr())
	m.guard = &nodeGuard{Lease: m.DB, Holder: guardHolder(c, id), Alone: !c.Enabled(), Clock: app.SystemClock{}, Log: m.Logger}
	if err := m.guard.take(ctx); err != nil {
		return nil, err
	}
	gctx, cancel := context.WithCancel(context.Background())
	m.endGuard, m.guarded = cancel, make(chan struct{})
	go func() { defer close(m.guarded); m.guard.keep(gctx) }()
	return joinCluster(ctx, c, id, nodeURL, m.Logger)
}

// listen opens the site's listener: before the application is built, so
// that a node knows its address (NODE_URL's default) when it joins.
func (m *Main) listen() error {
	ln, err := net.Listen("tcp", m.Config.Addr())
	if err != nil {
		return fmt.Errorf("listen on %s: %w (set HOST and PORT to choose another address)", m.Config.Addr(), err)
	}
	m.listener, m.done = ln, make(chan error, 1)
	return nil
}

// serve takes requests in the background.
func (m *Main) serve() {
	m.Logger.Info("listening", "url", m.URL())
	if m.App != nil && m.App.DevToken != "" {
		m.Logger.Warn("developer sign-in, for this machine only: open " + m.DevSignInURL())
	}
	go func() {
		if err := m.server.Serve(m.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.done <- err
		}
		close(m.done)
	}()
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
// seconds), then the chat writer and the database close. Later calls
// return the first's answer.
func (m *Main) Close() error {
	m.closeOnce.Do(func() { m.closeErr = m.close() })
	return m.closeErr
}

func (m *Main) close() error {
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
	if m.endGuard != nil {
		m.endGuard()
		<-m.guarded
	}
	if m.server == nil && m.listener != nil { // it failed to start
		m.listener.Close()
	}
	if m.DB != nil {
		errs = append(errs, m.DB.Close())
	}
	return errors.Join(errs...)
}
