// Package diagnose checks that a server's calls can work where it runs:
// its WebRTC settings, its ports, its public address, its TURN server, and
// a call through the SFU between two peers of this process. Each check says
// what it found and, when something is wrong, what to do about it.
package diagnose

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"rapport/internal/config"
)

// Status is how a check ended.
type Status string

// The statuses, from good to bad.
const (
	OK   Status = "ok"
	Skip Status = "skip"
	Warn Status = "warn"
	Fail Status = "fail"
)

// Check is one verdict.
type Check struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"` // what to do, when not ok
}

// Run runs every check against the settings; progress, when set, is told
// each verdict as it comes.
func Run(ctx context.Context, cfg *config.Config, log *slog.Logger, progress func(Check)) []Check {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	steps := []func(context.Context, *config.Config, *slog.Logger) Check{
		checkOrigin, checkUDP, checkUDPBuffers, checkTCP, checkPublicAddress, checkTURN, checkCall,
	}
	var out []Check
	for _, step := range steps {
		cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		c := step(cctx, cfg, log)
		cancel()
		out = append(out, c)
		if progress != nil {
			progress(c)
		}
	}
	return out
}

// Failed reports whether any check failed.
func Failed(checks []Check) bool {
	for _, c := range checks {
		if c.Status == Fail {
			return true
		}
	}
	return false
}

// checkOrigin: browsers give the camera and microphone only to secure
// origins (https, or localhost).
func checkOrigin(_ context.Context, cfg *config.Config, _ *slog.Logger) Check {
	c := Check{Name: "browser access to cameras"}
	switch {
	case strings.HasPrefix(cfg.PublicURL, "https://"):
		c.Status, c.Detail = OK, "served over https ("+cfg.PublicURL+")"
	case cfg.Loopback() && (cfg.PublicURL == "" || strings.Contains(cfg.PublicURL, "://localhost") || strings.Contains(cfg.PublicURL, "://127.")):
		c.Status, c.Detail = OK, "on this machine only (browsers allow cameras on localhost)"
	default:
		c.Status, c.Detail = Fail, fmt.Sprintf("the site is not served over https (PUBLIC_URL %q)", cfg.PublicURL)
		c.Fix = "serve it behind a TLS reverse proxy and set PUBLIC_URL=https://your.host: browsers refuse cameras to plain http"
	}
	return c
}
