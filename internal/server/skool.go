package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"rapport/internal/alert"
	"rapport/internal/app"
	"rapport/internal/config"
	"rapport/internal/logfile"
	"rapport/internal/membership"
	"rapport/internal/membership/skool"
	"rapport/internal/store"
)

// skoolSync is the Skool sync as the server runs it: a run now (the admin
// page's button), or every night (MONITORING_ENABLED), one at a time, each
// with a browser of its own, logging to RAPPORT_DATA_DIR/logs.
type skoolSync struct {
	a       *App
	runLog  *slog.Logger // skool-monitoring.log: each run
	files   []*logfile.File
	mu      sync.Mutex
	running bool
	runs    sync.WaitGroup // the runs started by SyncNow, for close
}

// Log files rotate at 10 MB, keeping five.
const (
	logMax  = 10 << 20
	logKeep = 5
)

// newSkoolSync sets the sync up when Skool is configured; nil otherwise.
func (a *App) newSkoolSync() (*skoolSync, error) {
	if !a.Config.Skool.Configured() {
		a.log.Info("the Skool sync is off; set SKOOL_EMAIL, SKOOL_PASSWORD, SKOOL_COACH_COMMUNITY and SKOOL_CLIENT_COMMUNITY to turn roles over to Skool")
		return nil, nil
	}
	s := &skoolSync{a: a}
	f, err := logfile.Open(filepath.Join(a.logsDir(), "skool-monitoring.log"), logMax, logKeep)
	if err != nil {
		return nil, err
	}
	s.files = append(s.files, f)
	s.runLog = slog.New(slog.NewTextHandler(f, nil))
	return s, nil
}

func (a *App) logsDir() string { return logsDir(a.Config) }

// logsDir is RAPPORT_DATA_DIR/logs.
func logsDir(cfg *config.Config) string { return filepath.Join(cfg.DataDir, "logs") }

// Run runs one sync with a browser of its own (membership.Runner).
func (s *skoolSync) Run(ctx context.Context, o membership.Options) (*membership.Report, error) {
	syncer, err := SkoolSyncer(s.a.Config, s.a.DB, "", s.runLog)
	if err != nil {
		return nil, err
	}
	defer syncer.Scraper.Close()
	if syncer.Notify == nil {
		s.a.log.Warn("nobody will be told when the Skool sync fails: set SMTP_HOST and ALERT_EMAILS, or ALERT_WEBHOOK_URL")
	}
	return syncer.Run(ctx, o)
}

// SkoolSyncer makes the Skool sync the settings describe, for the server
// and for `rapport sync-skool` alike: a scraper (its browser profile in the
// data directory, its failure files in RAPPORT_DATA_DIR/logs), the lease
// held as host/pid and role, and the alerts the settings name (none when
// they name nowhere). The caller closes its Scraper after the run.
func SkoolSyncer(cfg *config.Config, db *store.DB, role string, log *slog.Logger) (*membership.Syncer, error) {
	c := cfg.Skool
	scraper, err := skool.New(skoolAccount(c), skool.Options{Chromium: c.Chromium, ProfileDir: skool.ProfileDir(cfg.DataDir),
		LogsDir: logsDir(cfg), PauseMin: c.PauseMin, PauseMax: c.PauseMax, ElementWait: c.ElementWait, Logger: log})
	if err != nil {
		return nil, err
	}
	return &membership.Syncer{Scraper: scraper, Store: db, GraceDays: c.GraceDays, Threshold: c.SafetyThreshold, Log: log,
		Lease: db, Holder: leaseHolder(role), Notify: notifier(cfg.Alerts)}, nil
}

// skoolAccount is the scraper's part of the Skool settings.
func skoolAccount(c config.Skool) skool.Account {
	return skool.Account{URL: c.URL, Email: c.Email, Password: c.Password, CoachCommunity: c.CoachCommunity,
		ClientCommunity: c.ClientCommunity, Selectors: c.Selectors, Headless: c.Headless, ChallengeWait: c.ChallengeWait}
}

// leaseHolder names this process in the sync's lease: host/pid, and its
// role when it has one.
func leaseHolder(role string) string {
	host, _ := os.Hostname()
	holder := fmt.Sprintf("%s/%d", host, os.Getpid())
	if role != "" {
		holder += " " + role
	}
	return holder
}

// notifier is where the operators are told of trouble; nil when nowhere.
func notifier(c config.Alerts) alert.Notifier {
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

// SyncNow starts a run in the background, unless one is going (web.Skool).
func (s *skoolSync) SyncNow() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running {
		return app.Errorf(app.ECONFLICT, "a sync is running; its run appears on this page when it ends")
	}
	s.running = true
	s.runs.Add(1)
	go func() {
		defer s.runs.Done()
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		if _, err := s.Run(ctx, membership.Options{}); err != nil {
			s.a.log.Warn("skool sync (now)", "err", err)
		}
		s.mu.Lock()
		s.running = false
		s.mu.Unlock()
	}()
	return nil
}

// MembershipRuns and MembershipHistory are the store's (web.Skool).
func (s *skoolSync) MembershipRuns(ctx context.Context, limit int) ([]membership.Run, error) {
	return s.a.DB.MembershipRuns(ctx, limit)
}

// MembershipHistory lists a person's changes.
func (s *skoolSync) MembershipHistory(ctx context.Context, email string, limit int) ([]membership.HistoryEvent, error) {
	return s.a.DB.MembershipHistory(ctx, email, limit)
}

// scheduler is the nightly sync, when MONITORING_ENABLED; nil otherwise.
func (s *skoolSync) scheduler() (*membership.Scheduler, error) {
	c := s.a.Config.Skool
	if !c.MonitoringEnabled {
		s.a.log.Info("the nightly Skool sync is off; set MONITORING_ENABLED=true to run it at SKOOL_SYNC_TIME")
		return nil, nil
	}
	f, err := logfile.Open(filepath.Join(s.a.logsDir(), "skool-daemon.log"), logMax, logKeep)
	if err != nil {
		return nil, err
	}
	s.files = append(s.files, f)
	sch := &membership.Scheduler{Runner: s, Lease: s.a.DB, Holder: leaseHolder(""), Next: c.NextSync,
		Jitter: 10 * time.Minute, NoRetry: func(err error) bool { return errors.Is(err, skool.ErrChallenge) || errors.Is(err, skool.ErrSignIn) },
		Notify: notifier(s.a.Config.Alerts), Log: slog.New(slog.NewTextHandler(f, nil))}
	s.a.log.Info("the Skool sync runs every night", "at", c.SyncTime, "zone", c.SyncZone.String())
	return sch, nil
}

// close waits (a minute at most) for a run under way to end, its browser
// closed and its profile saved, then closes the log files.
func (s *skoolSync) close() {
	done := make(chan struct{})
	go func() { s.runs.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		s.a.log.Warn("a Skool sync was still running at shutdown")
	}
	for _, f := range s.files {
		f.Close()
	}
}
