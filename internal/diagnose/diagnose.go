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

	"rapport/internal/turn"
)

// Options are the server's settings the checks look at, given by the
// application's wiring.
type Options struct {
	PublicURL string // PUBLIC_URL; empty: the server's own address
	// Loopback says the server listens on loopback only (HOST).
	Loopback bool
	// UDPPort is the one UDP port for media (WEBRTC_UDP_PORT); 0: a port
	// per peer, from UDPPortMin-UDPPortMax when set.
	UDPPort                int
	UDPPortMin, UDPPortMax uint16
	TCPPort                int      // ICE over TCP (WEBRTC_TCP_PORT); 0: off
	LoopbackOnly           bool     // media on loopback only
	PublicIPs              []string // WEBRTC_PUBLIC_IP
	STUNURLs               []string // STUN_URLS
	// TURN is the embedded TURN server as the application starts it; Port
	// 0: off. The check starts it when no running server holds its port.
	TURN turn.Config
	// TURNURLs are an external TURN server sharing TURNSecret.
	TURNURLs   []string
	TURNSecret string
	// TwilioSID and TwilioToken ask Twilio for TURN servers.
	TwilioSID, TwilioToken string
}

// turnEnabled reports whether browsers get a TURN server.
func (o Options) turnEnabled() bool {
	return o.TURN.Port > 0 || len(o.TURNURLs) > 0 || o.TwilioSID != ""
}

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
func Run(ctx context.Context, o Options, log *slog.Logger, progress func(Check)) []Check {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	steps := []func(context.Context, Options, *slog.Logger) Check{
		checkOrigin, checkUDP, checkUDPBuffers, checkTCP, checkPublicAddress, checkTURN, checkCall,
	}
	var out []Check
	for _, step := range steps {
		cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		c := step(cctx, o, log)
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
func checkOrigin(_ context.Context, o Options, _ *slog.Logger) Check {
	c := Check{Name: "browser access to cameras"}
	switch {
	case strings.HasPrefix(o.PublicURL, "https://"):
		c.Status, c.Detail = OK, "served over https ("+o.PublicURL+")"
	case o.Loopback && (o.PublicURL == "" || strings.Contains(o.PublicURL, "://localhost") || strings.Contains(o.PublicURL, "://127.")):
		c.Status, c.Detail = OK, "on this machine only (browsers allow cameras on localhost)"
	default:
		c.Status, c.Detail = Fail, fmt.Sprintf("the site is not served over https (PUBLIC_URL %q)", o.PublicURL)
		c.Fix = "serve it behind a TLS reverse proxy and set PUBLIC_URL=https://your.host: browsers refuse cameras to plain http"
	}
	return c
}
