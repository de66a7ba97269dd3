package loadtest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"rapport/internal/chromium"
)

// JoinOptions describe a measurement of joins in Chromium: a coach waits
// in a room, and a client joins it Runs times, each from an open dashboard
// of the same browser (its scripts cached, as when someone clicks Join)
// or, with Fresh, from a browser context of its own (nothing cached).
type JoinOptions struct {
	Server   string
	DevToken string
	Runs     int
	Fresh    bool
	// P2P books a peer-to-peer room; BlockDirect puts the client where
	// direct connections cannot get out, so that its join measures the
	// fall back to the server.
	P2P, BlockDirect bool
	// CameraDelay makes the camera and microphone take that long to open,
	// as a real camera does (Chromium's fake ones open at once).
	CameraDelay time.Duration
	// Chromium is the browser; empty: $RAPPORT_CHROMIUM, or chromium on
	// PATH.
	Chromium string
	// Progress, when set, is told how the run goes.
	Progress func(phase string, done, total int, sent int64)
}

// JoinSteps are the marks a room page leaves as it joins (marks.js), in
// the order a join takes them.
var JoinSteps = []string{"page", "camera", "socket", "joined", "pc", "track", "connected", "frame"}

// JoinStep is one step's times over the runs, in milliseconds since the
// room page's navigation began.
type JoinStep struct {
	Name  string  `json:"name"`
	P50Ms float64 `json:"p50_ms"`
	P90Ms float64 `json:"p90_ms"`
	Runs  int     `json:"runs"` // the runs that took the step
}

// JoinResult is what a join measurement found. The JSON names are stable:
// the last line of `rapport-load join` is this object.
type JoinResult struct {
	Runs  int        `json:"runs"`
	From  string     `json:"from"` // dashboard or fresh
	Steps []JoinStep `json:"steps"`
	// FrameP50Ms and FrameP90Ms are the last step's: the other person's
	// first picture.
	FrameP50Ms float64 `json:"frame_p50_ms"`
	FrameP90Ms float64 `json:"frame_p90_ms"`
	// FrameMs is each join's first picture, and Paths its network path
	// (sfu-udp, p2p, ...), in the order of the joins.
	FrameMs []float64 `json:"frame_ms"`
	Paths   []string  `json:"paths"`
}

// joinLimit is how long one join may take before the run fails.
const joinLimit = 30 * time.Second

// Join measures joins: it books a room for a coach and a client, opens
// the coach's page in it, then has the client join o.Runs times and reads
// each join's marks.
func Join(ctx context.Context, o JoinOptions) (*JoinResult, error) {
	if o.Runs < 1 {
		return nil, errors.New("--runs must be at least 1")
	}
	progress := o.Progress
	if progress == nil {
		progress = func(string, int, int, int64) {}
	}
	browserPath, err := chromium.Find(cmp.Or(o.Chromium, os.Getenv("RAPPORT_CHROMIUM")))
	if err != nil {
		return nil, err
	}
	mode := ""
	if o.P2P {
		mode = "p2p"
	}
	rs, err := setupRoom(ctx, o.Server, o.DevToken, Part{}.run(), 0, 2, mode)
	if err != nil {
		return nil, fmt.Errorf("book the room: %w", err)
	}
	browser, stop, err := startChromium(ctx, browserPath)
	if err != nil {
		return nil, err
	}
	defer stop()
	roomURL := o.Server + "/rooms/" + rs.roomID
	coach, closeCoach, err := tab(browser, o.Server, rs.seats[0])
	if err != nil {
		return nil, err
	}
	defer closeCoach()
	if err := visit(coach, roomURL, `document.body.dataset.roomState === "open"`); err != nil {
		return nil, fmt.Errorf("the coach's page: %w", err)
	}
	j := &joiner{browser: browser, server: o.Server, room: roomURL, seat: rs.seats[1], coach: coach, blockDirect: o.BlockDirect, cameraDelay: o.CameraDelay}
	var runs []map[string]float64
	var paths []string
	for i := range o.Runs {
		progress("join", i, o.Runs, 0)
		marks, path, err := j.join(o.Fresh)
		if err != nil {
			return nil, fmt.Errorf("join %d: %w", i+1, err)
		}
		runs, paths = append(runs, marks), append(paths, path)
	}
	progress("join", o.Runs, o.Runs, 0)
	j.close()
	r := joinResult(runs, o.Fresh)
	r.Paths = paths
	return r, nil
}

// joiner is the client's side of the measurement.
type joiner struct {
	browser context.Context
	server  string
	room    string
	seat    http.Header
	coach   context.Context
	// blockDirect keeps the client's direct connections from getting out.
	blockDirect bool
	cameraDelay time.Duration
	// open is the client's tab on its dashboard, between the joins from
	// one; nil before the first and for fresh joins.
	open      context.Context
	closeOpen func()
}

// join has the client join once, from its dashboard (or a fresh browser
// context), and returns the page's marks and the call's network path;
// then it leaves and waits until the coach's page has seen it go.
func (j *joiner) join(fresh bool) (map[string]float64, string, error) {
	if fresh || j.open == nil {
		if err := j.openTab(fresh); err != nil {
			return nil, "", err
		}
	}
	if err := visit(j.open, j.room, `performance.getEntriesByName("join:frame").length > 0`); err != nil {
		return nil, "", err
	}
	// The camera may open after the other's picture came; its time is
	// part of the join all the same.
	if err := waitFor(j.open, `performance.getEntriesByName("join:camera").length > 0`); err != nil {
		return nil, "", err
	}
	marks, err := chromedp.Run(j.open, chromedp.Evaluate[map[string]float64](`Object.fromEntries(performance.getEntriesByType("mark")
		.filter(m => m.name.startsWith("join:")).map(m => [m.name.slice(5), m.startTime]))`))
	if err != nil {
		return nil, "", fmt.Errorf("read the marks: %w", err)
	}
	if err := waitFor(j.open, `window.rapportPath && window.rapportPath !== "none"`, readPathJS); err != nil {
		return nil, "", err
	}
	path, err := chromedp.Run(j.open, chromedp.Evaluate[string](`window.rapportPath`))
	if err != nil {
		return nil, "", fmt.Errorf("read the path: %w", err)
	}
	if err := visit(j.open, j.server+"/dashboard", `document.readyState === "complete"`); err != nil {
		return nil, "", fmt.Errorf("leave: %w", err)
	}
	if err := waitFor(j.coach, `document.querySelector("[data-stage]").dataset.call !== "together"`); err != nil {
		return nil, "", fmt.Errorf("the coach's page did not see the client leave: %w", err)
	}
	return marks, path, nil
}

// openTab opens the client's tab anew, with the scripts that shape its
// network and camera, on its dashboard unless fresh.
func (j *joiner) openTab(fresh bool) error {
	j.close()
	t, closeTab, err := tab(j.browser, j.server, j.seat)
	if err != nil {
		return err
	}
	var scripts []string
	if j.blockDirect {
		scripts = append(scripts, BlockDirectJS)
	}
	if j.cameraDelay > 0 {
		scripts = append(scripts, fmt.Sprintf(slowCameraJS, j.cameraDelay.Milliseconds()))
	}
	for _, js := range scripts {
		if _, err := chromedp.Call(t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: js}); err != nil {
			closeTab()
			return err
		}
	}
	j.open, j.closeOpen = t, closeTab
	if fresh {
		return nil
	}
	if err := visit(t, j.server+"/dashboard", `document.readyState === "complete"`); err != nil {
		return fmt.Errorf("the dashboard: %w", err)
	}
	return nil
}

func (j *joiner) close() {
	if j.closeOpen != nil {
		j.closeOpen()
		j.open, j.closeOpen = nil, nil
	}
}

// readPathJS copies the network path of the page's call (sfu-udp, p2p,
// ...), once it is connected, into window.rapportPath.
const readPathJS = `import("/static/room/room.js").then(m => {
	window.rapportPath = m.room.call.state === "connected" ? m.room.call.path : "none";
})`

// BlockDirectJS puts a page on a network where connections to other
// browsers cannot be made, while the server can be reached: a peer
// connection that the page marks as peer-to-peer gathers no candidates
// (TURN relays only, and none), so direct ICE never connects. Run it
// before the page's own scripts (Page.addScriptToEvaluateOnNewDocument).
const BlockDirectJS = `(() => {
	const sld = RTCPeerConnection.prototype.setLocalDescription;
	RTCPeerConnection.prototype.setLocalDescription = function (...args) {
		if (this.rapportPath === "p2p" && !this.blocked) {
			this.blocked = true;
			this.setConfiguration({ ...this.getConfiguration(), iceServers: [], iceTransportPolicy: "relay" });
		}
		return sld.apply(this, args);
	};
})()`

// slowCameraJS makes getUserMedia answer %d ms later than it would.
const slowCameraJS = `(() => {
	const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
	navigator.mediaDevices.getUserMedia = async (c) => {
		const s = await gum(c);
		await new Promise(r => setTimeout(r, %d));
		return s;
	};
})()`

// joinResult gives each step's median and 90th percentile over the runs.
func joinResult(runs []map[string]float64, fresh bool) *JoinResult {
	r := &JoinResult{Runs: len(runs), From: "dashboard"}
	if fresh {
		r.From = "fresh"
	}
	for _, m := range runs {
		r.FrameMs = append(r.FrameMs, math.Round(m["frame"]))
	}
	for _, name := range JoinSteps {
		var ms []float64
		for _, m := range runs {
			if v, ok := m[name]; ok {
				ms = append(ms, v)
			}
		}
		if len(ms) == 0 {
			continue
		}
		slices.Sort(ms)
		r.Steps = append(r.Steps, JoinStep{Name: name, P50Ms: quantile(ms, 0.5), P90Ms: quantile(ms, 0.9), Runs: len(ms)})
	}
	if n := len(r.Steps); n > 0 && r.Steps[n-1].Name == "frame" {
		r.FrameP50Ms, r.FrameP90Ms = r.Steps[n-1].P50Ms, r.Steps[n-1].P90Ms
	}
	return r
}

// quantile is the q-quantile of sorted values, interpolated between the
// two nearest, rounded to a millisecond.
func quantile(sorted []float64, q float64) float64 {
	pos := q * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(sorted)-1)
	return math.Round(sorted[lo] + (sorted[hi]-sorted[lo])*(pos-float64(lo)))
}

// startChromium starts a headless Chromium with a fake camera and
// microphone, permission prompts answered yes, and ICE candidates on
// loopback.
func startChromium(ctx context.Context, path string) (context.Context, func(), error) {
	dir, err := os.MkdirTemp("", "rapport-join-")
	if err != nil {
		return nil, nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Headless,
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.Flag("allow-loopback-in-peer-connection", true),
		chromedp.Flag("disable-features", "Translate,WebRtcHideLocalIpsWithMdns"),
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(1280, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	browser, cancel := chromedp.NewContext(alloc)
	stop := func() { cancel(); cancelAlloc(); os.RemoveAll(dir) }
	if err := chromedp.Do(browser); err != nil {
		stop()
		return nil, nil, fmt.Errorf("start Chromium (%s): %w", path, err)
	}
	return browser, stop, nil
}

// tab opens a tab in a browser context of its own, signed in with seat's
// cookies.
func tab(browser context.Context, server string, seat http.Header) (context.Context, func(), error) {
	t, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	if err := chromedp.Do(t); err != nil { // the tab opens
		cancel()
		return nil, nil, fmt.Errorf("open a tab: %w", err)
	}
	httpOnly := true
	for _, line := range seat.Values("Cookie") {
		cs, err := http.ParseCookie(line)
		if err != nil {
			cancel()
			return nil, nil, err
		}
		for _, c := range cs {
			if _, err := chromedp.Call(t, network.SetCookie, network.SetCookieParams{Name: c.Name, Value: c.Value, URL: server, HTTPOnly: &httpOnly}); err != nil {
				cancel()
				return nil, nil, fmt.Errorf("sign the browser in: %w", err)
			}
		}
	}
	return t, cancel, nil
}

// visit opens url in the tab and waits until the expression is true.
func visit(t context.Context, url, until string) error {
	ctx, cancel := context.WithTimeout(t, joinLimit)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Navigate(url)); err != nil {
		return fmt.Errorf("open %s: %w", url, err)
	}
	return waitFor(t, until)
}

// waitFor waits until the expression is true in the tab (false while it
// throws), for joinLimit at most; each try first runs the statements
// before, when given.
func waitFor(t context.Context, js string, before ...string) error {
	ctx, cancel := context.WithTimeout(t, joinLimit+5*time.Second)
	defer cancel()
	fn := "() => { try { " + strings.Join(before, ";") + "; return !!(" + js + "); } catch { return false; } }"
	if _, err := chromedp.Run(ctx, chromedp.PollFunction[chromedp.Void](fn,
		chromedp.WithPollingInterval(10*time.Millisecond), chromedp.WithPollingTimeout(joinLimit))); err != nil {
		return fmt.Errorf("waiting for %s: %w", js, err)
	}
	return nil
}
