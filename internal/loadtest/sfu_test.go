package loadtest_test

import (
	"strings"
	"testing"
	"time"

	"rapport/internal/loadtest"
	"rapport/internal/server/servertest"
)

// devToken opens the developer sign-in of the tests' servers.
const devToken = servertest.DevToken

// startApp runs the application on a test server; loadTest is serve --loadtest.
func startApp(t *testing.T, loadTest bool) string {
	t.Helper()
	if loadTest {
		return servertest.MustStart(t, servertest.LoadRooms)
	}
	return servertest.MustStart(t, nil)
}

// TestSFULoad runs a small media load through the real SFU and checks what
// it reports: every subscriber gets every publisher's packets (and each
// publisher the other's), with latencies and the server's CPU time.
func TestSFULoad(t *testing.T) {
	url := startApp(t, true)
	var phases []string
	res, err := loadtest.SFU(t.Context(), loadtest.SFUOptions{Server: url, DevToken: devToken, Rooms: 1, Publishers: 2, Subscribers: 3,
		Duration: 2 * time.Second, VideoKbps: 200,
		Progress: func(phase string, done, total int, sent int64) {
			if len(phases) == 0 || phases[len(phases)-1] != phase {
				phases = append(phases, phase)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	// Each publisher sends about 30 video and 50 audio packets a second, to
	// 3 subscribers and the other publisher: 2 x 80 x 4 = 640 a second
	// (at least half of it on a busy machine, where the race detector slows
	// the generator too).
	if res.ForwardedPPS < 320 || res.ForwardedPPS > 900 || res.LossPct > 2 {
		t.Fatalf("result %+v", res)
	}
	if res.P50Ms <= 0 || res.P99Ms < res.P50Ms || res.ServerCPUS <= 0 || res.GeneratorCores <= 0 || res.PPSPerCPUS <= 0 {
		t.Fatalf("measurements %+v", res)
	}
	if strings.Join(phases, ",") != "join,media,measure" {
		t.Fatalf("progress phases %v", phases)
	}
}

func TestSFULoadNeedsAServerStartedForIt(t *testing.T) {
	url := startApp(t, false)
	_, err := loadtest.SFU(t.Context(), loadtest.SFUOptions{Server: url, DevToken: devToken, Rooms: 1, Publishers: 1, Subscribers: 1, Duration: time.Second, VideoKbps: 100})
	if err == nil || !strings.Contains(err.Error(), "serve --loadtest") {
		t.Fatalf("error %v; want one that says to start the server with --loadtest", err)
	}
}

// TestTunnelLoad runs a small tunnel load through the real bridge: frames
// flow both ways at about the rate sent, with latencies and the server's
// CPU per tunnel participant.
func TestTunnelLoad(t *testing.T) {
	url := startApp(t, true)
	res, err := loadtest.Tunnel(t.Context(), loadtest.TunnelOptions{Server: url, DevToken: devToken, Rooms: 2, Duration: 2 * time.Second, VideoKbps: 200})
	if err != nil {
		t.Fatal(err)
	}
	// Each side sends 30 video and 50 audio frames a second: 80 a second
	// each way per room (at least half of it on a busy machine).
	for _, fps := range []float64{res.ToTunnelFPS, res.FromTunnelFPS} {
		if fps < 80 || fps > 200 {
			t.Fatalf("%.0f frames a second one way; want about 160: %+v", fps, res)
		}
	}
	if res.ToTunnelP50Ms <= 0 || res.ToTunnelP99Ms < res.ToTunnelP50Ms || res.FromTunnelP50Ms <= 0 || res.CPUPerTunnel <= 0 {
		t.Fatalf("measurements %+v", res)
	}
}
