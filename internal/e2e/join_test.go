package e2e

import (
	"context"
	"testing"
	"time"

	"rapport/internal/loadtest"
	"rapport/internal/membership/skool/skooltest"
)

// TestE2EJoinMeasurement runs `rapport-load join`'s measurement: a client
// joins a coach's room in Chromium from an open dashboard, twice, with a
// camera that takes 3 s to open. Every step of the join is marked, in the
// order a join takes them, and the server's peer connection is made while
// the camera opens, not after. The camera's delay is long enough that a
// busy machine's slow page load (its socket has opened as late as 2.3 s)
// cannot bring the camera before the join, so the test checks the order of
// the steps, not the machine's speed.
func TestE2EJoinMeasurement(t *testing.T) {
	t.Parallel()
	chromium := skooltest.Chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), e2eLimit)
	defer cancel()
	base := startServer(t, "sqlite")
	res, err := loadtest.Join(ctx, loadtest.JoinOptions{Server: base, DevToken: devToken, Runs: 2, Chromium: chromium, CameraDelay: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", res)
	at := map[string]loadtest.JoinStep{}
	for _, s := range res.Steps {
		at[s.Name] = s
	}
	for _, name := range loadtest.JoinSteps {
		if s, ok := at[name]; !ok || s.Runs != 2 || s.P50Ms <= 0 {
			t.Fatalf("step %s: %+v; want it in both joins", name, s)
		}
	}
	for _, order := range [][2]string{{"page", "socket"}, {"socket", "joined"}, {"joined", "pc"}, {"pc", "track"}, {"track", "frame"}} {
		if a, b := at[order[0]], at[order[1]]; a.P50Ms > b.P50Ms {
			t.Errorf("%s came at %v ms, after %s at %v ms", order[0], a.P50Ms, order[1], b.P50Ms)
		}
	}
	// In each join the peer connection comes before the camera, so each
	// of its percentiles comes before the camera's; a peer connection that
	// waited for the camera in every join comes after in both.
	if pc, cam := at["pc"], at["camera"]; pc.P50Ms >= cam.P50Ms || pc.P90Ms >= cam.P90Ms {
		t.Errorf("the peer connection (at %v ms, p90 %v) waited for the camera (at %v ms, p90 %v)", pc.P50Ms, pc.P90Ms, cam.P50Ms, cam.P90Ms)
	}
	if len(res.FrameMs) != 2 || res.FrameP50Ms != at["frame"].P50Ms || res.From != "dashboard" || res.Paths[0] != "sfu-udp" {
		t.Errorf("result %+v", res)
	}
}

// TestE2EJoinPeerToPeer: in a peer-to-peer room every join connects the
// browsers directly, even when the coach's offer comes while the client's
// camera is still opening (the client answers it, and sends its tracks
// once the camera is granted, rather than start again and wait for an
// offer that never comes).
func TestE2EJoinPeerToPeer(t *testing.T) {
	t.Parallel()
	chromium := skooltest.Chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), e2eLimit)
	defer cancel()
	base := startServer(t, "sqlite")
	res, err := loadtest.Join(ctx, loadtest.JoinOptions{Server: base, DevToken: devToken, Runs: 3, Chromium: chromium, P2P: true,
		CameraDelay: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", res)
	for i, p := range res.Paths {
		if p != "p2p" {
			t.Errorf("join %d went %s, want p2p (first pictures at %v ms)", i+1, p, res.FrameMs)
		}
	}
}
