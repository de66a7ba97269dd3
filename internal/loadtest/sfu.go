package loadtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"rapport/internal/mediaclient"
	"rapport/internal/roomclient"
)

// SFUOptions describe a media load: Rooms rooms, each with Publishers that
// send synthetic VP8 (VideoKbps) and Opus, and Subscribers that receive
// every publisher's tracks, for Duration. The server must run with
// `serve --loadtest`.
type SFUOptions struct {
	Server string
	// DevToken opens the server's developer sign-in (the token in the link
	// serve prints, and in its data directory's dev-signin.token).
	DevToken    string
	Rooms       int
	Publishers  int
	Subscribers int
	Duration    time.Duration
	VideoKbps   int
	// NoTransportCC: the peers send without transport-wide sequence
	// numbers, as LiveKit's Go SDK (lkload's) does; browsers number theirs.
	NoTransportCC bool
	ServerPID     int // read the server's CPU from /proc; 0: from its /metrics
	// Progress, when set, is told how the run goes (one call at a time).
	Progress func(phase string, done, total int, sent int64)
	// Part is this process's share of the peers; zero: all of them.
	Part Part
}

// SFUResult is what a media load measured. The JSON names are stable: the
// last line of `rapport-load sfu` is this object.
type SFUResult struct {
	Rooms        int     `json:"rooms"`
	Publishers   int     `json:"publishers"`
	Subscribers  int     `json:"subscribers"`
	DurationS    float64 `json:"duration_s"`
	Received     int64   `json:"received"`      // packets the peers received in the window
	ForwardedPPS float64 `json:"forwarded_pps"` // of those, per second
	ReceivedMbps float64 `json:"received_mbps"`
	LossPct      float64 `json:"loss_pct"`
	P50Ms        float64 `json:"p50_ms"` // the time from the publisher's send to a subscriber's read
	P99Ms        float64 `json:"p99_ms"`
	MaxMs        float64 `json:"max_ms"`
	ServerCPUS   float64 `json:"server_cpu_s"`
	ServerCores  float64 `json:"server_cores"`
	// GeneratorCores is the load generator's own share of a core.
	GeneratorCores float64 `json:"generator_cores"`
	// GeneratorGCs is how many collections the generator ran while it
	// measured: each one's pause is in the latencies.
	GeneratorGCs int64   `json:"generator_gcs"`
	PPSPerCPUS   float64 `json:"pps_per_cpu_s"`
	// USPerPacket is the server's CPU per forwarded packet, in
	// microseconds; PacketBytes the packets' mean size.
	USPerPacket float64 `json:"us_per_packet"`
	PacketBytes int     `json:"packet_bytes"`
	// Floor is the kernel's own cost of a packet's send on the server's
	// core, measured after the load (AddFloor); FloorRatio is USPerPacket
	// over it.
	Floor      *FloorResult `json:"floor,omitempty"`
	FloorRatio float64      `json:"floor_ratio,omitempty"`
	// Processes are the generator's processes, each with its share of the
	// peers and its CPU, when it ran in several (--procs).
	Processes []Process `json:"processes,omitempty"`
}

// SFU runs a media load and measures it.
func SFU(ctx context.Context, o SFUOptions) (*SFUResult, error) {
	t, err := SFUShare(ctx, o)
	if err != nil {
		return nil, err
	}
	return SFUResultOf(o, t), nil
}

// SFUShare runs this process's share of a media load (o.Part: the peers
// are dealt out in turn, so that one room's may be in several processes)
// and returns what it measured.
func SFUShare(ctx context.Context, o SFUOptions) (*SFUTally, error) {
	progress := o.Progress
	if progress == nil {
		progress = func(string, int, int, int64) {}
	}
	hc, err := devSignIn(ctx, o.Server, o.DevToken, "loadtest-sfu@example.com", "coach")
	if err != nil {
		return nil, err
	}
	run := o.Part.run()
	mine := o.Part.indices(o.Rooms * (o.Publishers + o.Subscribers))
	peers := make([]*mediaPeer, 0, len(mine))
	defer func() {
		for _, p := range peers {
			p.c.Close()
		}
	}()
	sendCtx, stopSending := context.WithCancel(ctx)
	defer stopSending()
	for _, j := range mine {
		r, i := j/(o.Publishers+o.Subscribers), j%(o.Publishers+o.Subscribers)
		p, err := dialPeer(ctx, peerOptions{server: o.Server, kbps: o.VideoKbps, header: cookies(hc, o.Server),
			room: fmt.Sprintf("%s-%d", run, r), n: i + 1, publisher: i < o.Publishers, noTransportCC: o.NoTransportCC}, sendCtx)
		if err != nil {
			return nil, fmt.Errorf("room %d, peer %d: %w", r, i+1, err)
		}
		peers = append(peers, p)
		progress("join", len(peers), len(mine), 0)
	}
	want := 2 * (o.Publishers - 1)
	if err := waitTracks(ctx, peers, o.Publishers, want, progress); err != nil {
		return nil, err
	}
	if err := o.Part.ready(ctx); err != nil {
		return nil, err
	}
	return measureSFU(ctx, o, peers, progress)
}

// waitTracks waits until every subscriber receives every publisher's two
// tracks (and every publisher the others').
func waitTracks(ctx context.Context, peers []*mediaPeer, publishers, pubWant int, progress func(string, int, int, int64)) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		ready := 0
		for _, p := range peers {
			want := 2 * publishers
			if p.publisher {
				want = pubWant
			}
			if int(p.tracks.Load()) >= want {
				ready++
			}
		}
		progress("media", ready, len(peers), 0)
		if ready == len(peers) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after 60 s only %d of %d peers receive every track", ready, len(peers))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func measureSFU(ctx context.Context, o SFUOptions, peers []*mediaPeer, progress func(string, int, int, int64)) (*SFUTally, error) {
	time.Sleep(2 * time.Second) // keyframes and bandwidth estimates settle
	for _, p := range peers {
		p.reset()
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
		progress("measure", i, secs, received(peers))
	}
	cpu1, err := serverCPU(ctx, o.Server, o.ServerPID)
	if err != nil {
		return nil, fmt.Errorf("read the server's CPU time: %w", err)
	}
	elapsed := time.Since(start)
	t := sfuTally(peers)
	t.Elapsed, t.ServerCPUS = elapsed, cpu1-cpu0
	t.Process = meter.stop(elapsed)
	t.Process.Peers = len(peers)
	return t, nil
}

func received(peers []*mediaPeer) int64 {
	var n int64
	for _, p := range peers {
		n += p.packets.Load()
	}
	return n
}

// SFUTally is what one share of a media load measured: its peers' counts
// and latencies, from which SFUResultOf computes the result of one
// process or of several together. It is what a worker process of
// `rapport-load sfu --procs` sends back.
type SFUTally struct {
	Process Process       `json:"process"`
	Elapsed time.Duration `json:"elapsed"`
	// Received are the packets the peers received, Expected those their
	// sequence numbers say were sent to them, Bytes their size.
	Received int64 `json:"received"`
	Expected int64 `json:"expected"`
	Bytes    int64 `json:"bytes"`
	// Latencies are microseconds from the publisher's send to the read.
	Latencies  Samples `json:"latencies"`
	ServerCPUS float64 `json:"server_cpu_s"`
}

func sfuTally(peers []*mediaPeer) *SFUTally {
	t := &SFUTally{}
	for _, p := range peers {
		g, e, b, l := p.collect()
		t.Received, t.Expected, t.Bytes = t.Received+g, t.Expected+e, t.Bytes+b
		t.Latencies = append(t.Latencies, l...)
	}
	return t
}

// SFUResultOf computes the result of a media load from the tallies of its
// shares (one per process). Counts add up; latencies are those of every
// packet of every share; the server's figures, which each share read over
// the same window, are their mean.
func SFUResultOf(o SFUOptions, tallies ...*SFUTally) *SFUResult {
	var got, expected, bytes int64
	var lat []int32
	var elapsed, cpus []float64
	var procs []Process
	for _, t := range tallies {
		got, expected, bytes = got+t.Received, expected+t.Expected, bytes+t.Bytes
		lat = append(lat, t.Latencies...)
		elapsed, cpus = append(elapsed, t.Elapsed.Seconds()), append(cpus, t.ServerCPUS)
		procs = append(procs, t.Process)
	}
	slices.Sort(lat)
	secs, cpu := mean(elapsed), mean(cpus)
	r := &SFUResult{Rooms: o.Rooms, Publishers: o.Publishers, Subscribers: o.Subscribers, DurationS: round(secs, 2),
		Received: got, ForwardedPPS: round(float64(got)/secs, 0), ReceivedMbps: round(float64(bytes)*8/secs/1e6, 1),
		P50Ms: pct(lat, 0.50), P99Ms: pct(lat, 0.99), ServerCPUS: round(cpu, 2), ServerCores: round(cpu/secs, 3)}
	if expected > 0 {
		r.LossPct = round(100*float64(max(expected-got, 0))/float64(expected), 3)
	}
	if len(lat) > 0 {
		r.MaxMs = round(float64(lat[len(lat)-1])/1000, 2)
	}
	if cpu > 0 && got > 0 {
		r.PPSPerCPUS = round(float64(got)/cpu, 0)
		r.USPerPacket = round(cpu*1e6/float64(got), 2)
	}
	if got > 0 {
		r.PacketBytes = int(bytes / got)
	}
	r.GeneratorCores, r.GeneratorGCs = generatorTotals(procs)
	r.Processes = moreThanOne(procs)
	return r
}

// mediaPeer is one pion peer of the load: it publishes (if a publisher)
// and reads every track it receives, counting packets, gaps and delays.
type mediaPeer struct {
	c         *mediaclient.Client
	publisher bool
	tracks    atomic.Int32
	packets   atomic.Int64

	mu      sync.Mutex
	streams []*streamStats
}

// peerOptions say which load peer to dial: its room and number, whether it
// publishes (at kbps), and how it reads what it receives (nil: counting
// every packet, mediaPeer.read).
type peerOptions struct {
	server    string
	kbps      int
	header    map[string][]string
	room      string
	n         int
	publisher bool
	read      func(*mediaPeer, *webrtc.TrackRemote)
	// noTransportCC sends without transport-wide sequence numbers.
	noTransportCC bool
}

func dialPeer(ctx context.Context, o peerOptions, sendCtx context.Context) (*mediaPeer, error) {
	c, err := mediaclient.Dial(ctx, mediaclient.Options{Loopback: true, NoTransportCC: o.noTransportCC, Room: roomclient.Options{BaseURL: o.server,
		Path: fmt.Sprintf("/loadtest/sfu/%s/%d", o.room, o.n), Header: o.header, MediaOnly: true, NoReconnect: true}})
	if err != nil {
		if strings.Contains(err.Error(), "HTTP 404") {
			return nil, errNoLoadRoute
		}
		return nil, err
	}
	p := &mediaPeer{c: c, publisher: o.publisher}
	read := o.read
	if read == nil {
		read = (*mediaPeer).read
	}
	c.PC.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { read(p, tr) })
	if o.publisher {
		video, audio, err := c.Tracks()
		if err != nil {
			c.Close()
			return nil, err
		}
		go mediaclient.Send(sendCtx, video, audio, o.kbps)
	} else if _, err := c.PC.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio,
		webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		c.Close()
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := c.Connect(cctx); err != nil {
		c.Close()
		return nil, err
	}
	return p, nil
}

// read counts a received track's packets until it ends.
func (p *mediaPeer) read(tr *webrtc.TrackRemote) {
	s := &streamStats{}
	p.mu.Lock()
	p.streams = append(p.streams, s)
	p.mu.Unlock()
	p.tracks.Add(1)
	buf := make([]byte, 1500)
	var h rtp.Header
	for {
		n, _, err := tr.Read(buf)
		if err != nil {
			return
		}
		off, err := h.Unmarshal(buf[:n])
		if err != nil {
			continue
		}
		p.packets.Add(1)
		s.add(h.SequenceNumber, buf[off:n], n)
	}
}

func (p *mediaPeer) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.packets.Store(0)
	for _, s := range p.streams {
		s.reset()
	}
}

func (p *mediaPeer) collect() (got, expected, bytes int64, lat []int32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.streams {
		g, e, b, l := s.take()
		got, expected, bytes = got+g, expected+e, bytes+b
		lat = append(lat, l...)
	}
	return got, expected, bytes, lat
}

// streamStats is what one received track did since its last reset.
type streamStats struct {
	mu      sync.Mutex
	started bool
	ext     int64 // the last sequence number, unwrapped
	first   int64
	got     int64
	bytes   int64
	lat     []int32 // microseconds from send to read
}

func (s *streamStats) add(seq uint16, payload []byte, size int) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started {
		s.started, s.ext, s.first = true, int64(seq), int64(seq)
	} else {
		next := s.ext + int64(int16(seq-uint16(s.ext)))
		s.ext = max(s.ext, next)
	}
	s.got++
	s.bytes += int64(size)
	if sent, ok := mediaclient.SentAt(payload); ok {
		s.lat = append(s.lat, int32(now.Sub(sent)/time.Microsecond))
	}
}

func (s *streamStats) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.started, s.got, s.bytes, s.lat = false, 0, 0, s.lat[:0]
}

func (s *streamStats) take() (got, expected, bytes int64, lat []int32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started {
		return 0, 0, 0, nil
	}
	return s.got, s.ext - s.first + 1, s.bytes, slices.Clone(s.lat)
}

var errNoLoadRoute = errors.New("the server has no /loadtest/sfu: start it with `rapport serve --loadtest`")
