package loadtest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"rapport/internal/mediaclient"
	"rapport/internal/relay"
	"rapport/internal/relayclient"
)

// RelayOptions describe a relay load: Rooms rooms, each with a WebRTC
// participant and a relay participant that send each other synthetic VP8
// (VideoKbps, 30 frames a second) and Opus (50 frames a second) through
// the bridge, for Duration. The server must run with `serve --loadtest`.
type RelayOptions struct {
	Server string
	// DevToken opens the server's developer sign-in (the token in the link
	// serve prints, and in its data directory's dev-signin.token).
	DevToken  string
	Rooms     int
	Duration  time.Duration
	VideoKbps int
	ServerPID int // read the server's CPU from /proc; 0: from its /metrics
	// Progress, when set, is told how the run goes (one call at a time).
	Progress func(phase string, done, total int, sent int64)
	// Part is this process's share of the rooms; zero: all of them.
	Part Part
}

// RelayResult is what a relay load measured. The JSON names are stable:
// the last line of `rapport-load relay` is this object.
type RelayResult struct {
	Rooms     int     `json:"rooms"`
	DurationS float64 `json:"duration_s"`
	// ToRelayFPS are the frames a second that reached the relay
	// participants from WebRTC (depacketized by the bridge), FromRelayFPS
	// those that reached the WebRTC participants from the relay (packetized
	// by the bridge); BridgedFPS both.
	ToRelayFPS   float64 `json:"to_relay_fps"`
	FromRelayFPS float64 `json:"from_relay_fps"`
	BridgedFPS   float64 `json:"bridged_fps"`
	// The time from a frame's send to its arrival on the other side, each
	// way (on loopback, what the server adds).
	ToRelayP50Ms   float64 `json:"to_relay_p50_ms"`
	ToRelayP99Ms   float64 `json:"to_relay_p99_ms"`
	FromRelayP50Ms float64 `json:"from_relay_p50_ms"`
	FromRelayP99Ms float64 `json:"from_relay_p99_ms"`
	ServerCPUS     float64 `json:"server_cpu_s"`
	ServerCores    float64 `json:"server_cores"`
	// CPUPerRelay is the server's CPU time per relay participant per
	// second of call, in milliseconds (1000 would be one core each).
	CPUPerRelay float64 `json:"cpu_ms_per_relay_s"`
	// Processes are the generator's processes, each with its share of the
	// rooms and its CPU, when it ran in several (--procs).
	Processes []Process `json:"processes,omitempty"`
}

// Relay runs a relay load and measures it.
func Relay(ctx context.Context, o RelayOptions) (*RelayResult, error) {
	t, err := RelayShare(ctx, o)
	if err != nil {
		return nil, err
	}
	return RelayResultOf(o, t), nil
}

// RelayShare runs this process's share of a relay load (o.Part) and
// returns what it measured.
func RelayShare(ctx context.Context, o RelayOptions) (*RelayTally, error) {
	progress := o.Progress
	if progress == nil {
		progress = func(string, int, int, int64) {}
	}
	hc, err := devSignIn(ctx, o.Server, o.DevToken, "loadtest-relay@example.com", "coach")
	if err != nil {
		return nil, err
	}
	header := cookies(hc, o.Server)
	run := o.Part.run()
	sendCtx, stopSending := context.WithCancel(ctx)
	defer stopSending()
	var peers []*mediaPeer
	var relays []*relayPeer
	defer func() {
		for _, p := range peers {
			p.c.Close()
		}
		for _, r := range relays {
			r.c.Close()
		}
	}()
	from := &frameStats{}
	rooms := o.Part.indices(o.Rooms)
	for k, i := range rooms {
		room := fmt.Sprintf("%s-%d", run, i)
		p, err := dialPeer(ctx, peerOptions{server: o.Server, kbps: o.VideoKbps, header: header, room: room, n: 1, publisher: true,
			read: func(_ *mediaPeer, tr *webrtc.TrackRemote) { readFrames(tr, from) }}, sendCtx)
		if err != nil {
			return nil, fmt.Errorf("room %d, WebRTC peer: %w", i, err)
		}
		peers = append(peers, p)
		c, err := relayclient.Open(ctx, fmt.Sprintf("%s/loadtest/relay/%s/2", o.Server, room), header, 1024)
		if err != nil {
			return nil, fmt.Errorf("room %d, relay peer: %w", i, err)
		}
		r := &relayPeer{c: c}
		relays = append(relays, r)
		go relayclient.SendSynthetic(sendCtx, c, o.VideoKbps)
		go r.read()
		progress("join", k+1, len(rooms), 0)
	}
	if err := waitBridged(ctx, relays, from, progress); err != nil {
		return nil, err
	}
	if err := o.Part.ready(ctx); err != nil {
		return nil, err
	}
	return measureRelay(ctx, o, relays, from, progress)
}

// waitBridged waits until every relay participant receives frames, and
// the WebRTC participants receive the relay's.
func waitBridged(ctx context.Context, relays []*relayPeer, from *frameStats, progress func(string, int, int, int64)) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		ready := 0
		for _, r := range relays {
			if r.stats.count() > 0 {
				ready++
			}
		}
		progress("media", ready, len(relays), 0)
		if ready == len(relays) && from.count() > 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after 60 s only %d of %d relay participants receive frames (%d frames reached WebRTC)", ready, len(relays), from.count())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func measureRelay(ctx context.Context, o RelayOptions, relays []*relayPeer, from *frameStats, progress func(string, int, int, int64)) (*RelayTally, error) {
	time.Sleep(2 * time.Second) // keyframes settle
	from.reset()
	for _, r := range relays {
		r.stats.reset()
	}
	cpu0, err := serverCPU(ctx, o.Server, o.ServerPID)
	if err != nil {
		return nil, fmt.Errorf("read the server's CPU time: %w", err)
	}
	meter := startProcessMeter()
	start := time.Now()
	secs := int(o.Duration / time.Second)
	for i := 1; i <= secs; i++ {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Until(start.Add(time.Duration(i) * time.Second))):
		}
		progress("measure", i, secs, from.count())
	}
	cpu1, err := serverCPU(ctx, o.Server, o.ServerPID)
	if err != nil {
		return nil, fmt.Errorf("read the server's CPU time: %w", err)
	}
	elapsed := time.Since(start)
	t := &RelayTally{Elapsed: elapsed, ServerCPUS: cpu1 - cpu0, Process: meter.stop(elapsed)}
	t.Process.Rooms = len(relays)
	for _, r := range relays {
		n, lat := r.stats.take()
		t.ToRelay += n
		t.ToRelayLatencies = append(t.ToRelayLatencies, lat...)
	}
	var lat []int32
	t.FromRelay, lat = from.take()
	t.FromRelayLatencies = lat
	return t, nil
}

// RelayTally is what one share of a relay load measured: frames and their
// latencies each way, from which RelayResultOf computes the result of one
// process or of several together. It is what a worker process of
// `rapport-load relay --procs` sends back.
type RelayTally struct {
	Process Process       `json:"process"`
	Elapsed time.Duration `json:"elapsed"`
	// ToRelay are the frames that reached the relay participants,
	// FromRelay those that reached the WebRTC participants; the latencies
	// are microseconds from the send.
	ToRelay            int64   `json:"to_relay"`
	FromRelay          int64   `json:"from_relay"`
	ToRelayLatencies   Samples `json:"to_relay_latencies"`
	FromRelayLatencies Samples `json:"from_relay_latencies"`
	ServerCPUS         float64 `json:"server_cpu_s"`
}

// RelayResultOf computes the result of a relay load from the tallies of
// its shares (one per process). Frames add up; latencies are those of
// every share; the server's figures, which each share read over the same
// window, are their mean.
func RelayResultOf(o RelayOptions, tallies ...*RelayTally) *RelayResult {
	var toN, fromN int64
	var toLat, fromLat []int32
	var elapsed, cpus []float64
	var procs []Process
	for _, t := range tallies {
		toN, fromN = toN+t.ToRelay, fromN+t.FromRelay
		toLat, fromLat = append(toLat, t.ToRelayLatencies...), append(fromLat, t.FromRelayLatencies...)
		elapsed, cpus = append(elapsed, t.Elapsed.Seconds()), append(cpus, t.ServerCPUS)
		procs = append(procs, t.Process)
	}
	slices.Sort(toLat)
	slices.Sort(fromLat)
	secs, cpu := mean(elapsed), mean(cpus)
	res := &RelayResult{Rooms: o.Rooms, DurationS: round(secs, 2),
		ToRelayFPS: round(float64(toN)/secs, 0), FromRelayFPS: round(float64(fromN)/secs, 0),
		ToRelayP50Ms: pct(toLat, 0.5), ToRelayP99Ms: pct(toLat, 0.99), FromRelayP50Ms: pct(fromLat, 0.5), FromRelayP99Ms: pct(fromLat, 0.99),
		ServerCPUS: round(cpu, 2), ServerCores: round(cpu/secs, 3), Processes: moreThanOne(procs)}
	res.BridgedFPS = res.ToRelayFPS + res.FromRelayFPS
	if o.Rooms > 0 {
		res.CPUPerRelay = round(cpu*1000/secs/float64(o.Rooms), 1)
	}
	return res
}

// relayPeer is a relay participant of the load: it reads the frames it
// receives and notes how long each took.
type relayPeer struct {
	c     *relayclient.Client
	stats frameStats
}

func (r *relayPeer) read() {
	for f := range r.c.Frames() {
		sent, ok := mediaclient.FrameSentAt(f.Kind == relay.Video, f.Data)
		r.stats.add(sent, ok)
	}
}

// readFrames counts the frames of a track a WebRTC participant receives
// from the relay (a video frame ends with the marker bit; each audio
// packet is a frame) and the latency of each frame's first packet, which
// carries its send time.
func readFrames(tr *webrtc.TrackRemote, s *frameStats) {
	video := tr.Kind() == webrtc.RTPCodecTypeVideo
	buf := make([]byte, 1500)
	var h rtp.Header
	for {
		n, _, err := tr.Read(buf)
		if err != nil {
			return
		}
		off, err := h.Unmarshal(buf[:n])
		if err != nil || off >= n {
			continue
		}
		payload := buf[off:n]
		first := !video || payload[0]&0x10 != 0 // VP8's start of partition
		if first {
			sent, ok := mediaclient.SentAt(payload)
			s.lat0(sent, ok)
		}
		if !video || h.Marker {
			s.n.Add(1)
		}
	}
}

// frameStats counts frames and their latencies since the last reset.
type frameStats struct {
	n   atomic.Int64
	mu  sync.Mutex
	lat []int32 // microseconds
}

func (s *frameStats) add(sent time.Time, ok bool) {
	s.n.Add(1)
	s.lat0(sent, ok)
}

// lat0 notes a latency without counting a frame.
func (s *frameStats) lat0(sent time.Time, ok bool) {
	if !ok {
		return
	}
	d := time.Since(sent)
	if d < 0 || d > time.Minute {
		return // not a stamp
	}
	s.mu.Lock()
	s.lat = append(s.lat, int32(d/time.Microsecond))
	s.mu.Unlock()
}

func (s *frameStats) count() int64 { return s.n.Load() }

func (s *frameStats) reset() {
	s.n.Store(0)
	s.mu.Lock()
	s.lat = s.lat[:0]
	s.mu.Unlock()
}

// take returns the count and the sorted latencies.
func (s *frameStats) take() (int64, []int32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	lat := slices.Clone(s.lat)
	slices.Sort(lat)
	return s.n.Load(), lat
}
