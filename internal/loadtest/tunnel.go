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
	"rapport/internal/tunnel"
	"rapport/internal/tunnelclient"
)

// TunnelOptions describe a tunnel load: Rooms rooms, each with a WebRTC
// participant and a tunnel participant that send each other synthetic VP8
// (VideoKbps, 30 frames a second) and Opus (50 frames a second) through
// the bridge, for Duration. The server must run with `serve --loadtest`.
type TunnelOptions struct {
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

// TunnelResult is what a tunnel load measured. The JSON names are stable:
// the last line of `rapport-load tunnel` is this object.
type TunnelResult struct {
	Rooms     int     `json:"rooms"`
	DurationS float64 `json:"duration_s"`
	// ToTunnelFPS are the frames a second that reached the tunnel
	// participants from WebRTC (depacketized by the bridge), FromTunnelFPS
	// those that reached the WebRTC participants from the tunnel (packetized
	// by the bridge); BridgedFPS both.
	ToTunnelFPS   float64 `json:"to_tunnel_fps"`
	FromTunnelFPS float64 `json:"from_tunnel_fps"`
	BridgedFPS    float64 `json:"bridged_fps"`
	// The time from a frame's send to its arrival on the other side, each
	// way (on loopback, what the server adds).
	ToTunnelP50Ms   float64 `json:"to_tunnel_p50_ms"`
	ToTunnelP99Ms   float64 `json:"to_tunnel_p99_ms"`
	FromTunnelP50Ms float64 `json:"from_tunnel_p50_ms"`
	FromTunnelP99Ms float64 `json:"from_tunnel_p99_ms"`
	ServerCPUS      float64 `json:"server_cpu_s"`
	ServerCores     float64 `json:"server_cores"`
	// CPUPerTunnel is the server's CPU time per tunnel participant per
	// second of call, in milliseconds (1000 would be one core each).
	CPUPerTunnel float64 `json:"cpu_ms_per_tunnel_s"`
	// Processes are the generator's processes, each with its share of the
	// rooms and its CPU, when it ran in several (--procs).
	Processes []Process `json:"processes,omitempty"`
}

// Tunnel runs a tunnel load and measures it.
func Tunnel(ctx context.Context, o TunnelOptions) (*TunnelResult, error) {
	t, err := TunnelShare(ctx, o)
	if err != nil {
		return nil, err
	}
	return TunnelResultOf(o, t), nil
}

// TunnelShare runs this process's share of a tunnel load (o.Part) and
// returns what it measured.
func TunnelShare(ctx context.Context, o TunnelOptions) (*TunnelTally, error) {
	progress := o.Progress
	if progress == nil {
		progress = func(string, int, int, int64) {}
	}
	hc, err := devSignIn(ctx, o.Server, o.DevToken, "loadtest-tunnel@example.com", "coach")
	if err != nil {
		return nil, err
	}
	header := cookies(hc, o.Server)
	run := o.Part.run()
	sendCtx, stopSending := context.WithCancel(ctx)
	defer stopSending()
	var peers []*mediaPeer
	var tunnels []*tunnelPeer
	defer func() {
		for _, p := range peers {
			p.c.Close()
		}
		for _, r := range tunnels {
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
		c, err := tunnelclient.Open(ctx, fmt.Sprintf("%s/loadtest/tunnel/%s/2", o.Server, room), header, 1024)
		if err != nil {
			return nil, fmt.Errorf("room %d, tunnel peer: %w", i, err)
		}
		r := &tunnelPeer{c: c}
		tunnels = append(tunnels, r)
		go tunnelclient.SendSynthetic(sendCtx, c, o.VideoKbps)
		go r.read()
		progress("join", k+1, len(rooms), 0)
	}
	if err := waitBridged(ctx, tunnels, from, progress); err != nil {
		return nil, err
	}
	if err := o.Part.ready(ctx); err != nil {
		return nil, err
	}
	return measureTunnel(ctx, o, tunnels, from, progress)
}

// waitBridged waits until every tunnel participant receives frames, and
// the WebRTC participants receive the tunnel's.
func waitBridged(ctx context.Context, tunnels []*tunnelPeer, from *frameStats, progress func(string, int, int, int64)) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		ready := 0
		for _, r := range tunnels {
			if r.stats.count() > 0 {
				ready++
			}
		}
		progress("media", ready, len(tunnels), 0)
		if ready == len(tunnels) && from.count() > 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after 60 s only %d of %d tunnel participants receive frames (%d frames reached WebRTC)", ready, len(tunnels), from.count())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func measureTunnel(ctx context.Context, o TunnelOptions, tunnels []*tunnelPeer, from *frameStats, progress func(string, int, int, int64)) (*TunnelTally, error) {
	time.Sleep(2 * time.Second) // keyframes settle
	from.reset()
	for _, r := range tunnels {
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
	t := &TunnelTally{Elapsed: elapsed, ServerCPUS: cpu1 - cpu0, Process: meter.stop(elapsed)}
	t.Process.Rooms = len(tunnels)
	for _, r := range tunnels {
		n, lat := r.stats.take()
		t.ToTunnel += n
		t.ToTunnelLatencies = append(t.ToTunnelLatencies, lat...)
	}
	var lat []int32
	t.FromTunnel, lat = from.take()
	t.FromTunnelLatencies = lat
	return t, nil
}

// TunnelTally is what one share of a tunnel load measured: frames and their
// latencies each way, from which TunnelResultOf computes the result of one
// process or of several together. It is what a worker process of
// `rapport-load tunnel --procs` sends back.
type TunnelTally struct {
	Process Process       `json:"process"`
	Elapsed time.Duration `json:"elapsed"`
	// ToTunnel are the frames that reached the tunnel participants,
	// FromTunnel those that reached the WebRTC participants; the latencies
	// are microseconds from the send.
	ToTunnel            int64   `json:"to_tunnel"`
	FromTunnel          int64   `json:"from_tunnel"`
	ToTunnelLatencies   Samples `json:"to_tunnel_latencies"`
	FromTunnelLatencies Samples `json:"from_tunnel_latencies"`
	ServerCPUS          float64 `json:"server_cpu_s"`
}

// TunnelResultOf computes the result of a tunnel load from the tallies of
// its shares (one per process). Frames add up; latencies are those of
// every share; the server's figures, which each share read over the same
// window, are their mean.
func TunnelResultOf(o TunnelOptions, tallies ...*TunnelTally) *TunnelResult {
	var toN, fromN int64
	var toLat, fromLat []int32
	var elapsed, cpus []float64
	var procs []Process
	for _, t := range tallies {
		toN, fromN = toN+t.ToTunnel, fromN+t.FromTunnel
		toLat, fromLat = append(toLat, t.ToTunnelLatencies...), append(fromLat, t.FromTunnelLatencies...)
		elapsed, cpus = append(elapsed, t.Elapsed.Seconds()), append(cpus, t.ServerCPUS)
		procs = append(procs, t.Process)
	}
	slices.Sort(toLat)
	slices.Sort(fromLat)
	secs, cpu := mean(elapsed), mean(cpus)
	res := &TunnelResult{Rooms: o.Rooms, DurationS: round(secs, 2),
		ToTunnelFPS: round(float64(toN)/secs, 0), FromTunnelFPS: round(float64(fromN)/secs, 0),
		ToTunnelP50Ms: pct(toLat, 0.5), ToTunnelP99Ms: pct(toLat, 0.99), FromTunnelP50Ms: pct(fromLat, 0.5), FromTunnelP99Ms: pct(fromLat, 0.99),
		ServerCPUS: round(cpu, 2), ServerCores: round(cpu/secs, 3), Processes: moreThanOne(procs)}
	res.BridgedFPS = res.ToTunnelFPS + res.FromTunnelFPS
	if o.Rooms > 0 {
		res.CPUPerTunnel = round(cpu*1000/secs/float64(o.Rooms), 1)
	}
	return res
}

// tunnelPeer is a tunnel participant of the load: it reads the frames it
// receives and notes how long each took.
type tunnelPeer struct {
	c     *tunnelclient.Client
	stats frameStats
}

func (r *tunnelPeer) read() {
	for f := range r.c.Frames() {
		sent, ok := mediaclient.FrameSentAt(f.Kind == tunnel.Video, f.Data)
		r.stats.add(sent, ok)
	}
}

// readFrames counts the frames of a track a WebRTC participant receives
// from the tunnel (a video frame ends with the marker bit; each audio
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
