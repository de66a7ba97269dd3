package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"

	"rapport/internal/loadtest"
)

const loadtestSynopsis = `loadtest chat --server URL [--dev-token T] [--rooms N] [--participants 2|3] [--rate R] [--warmup W] [--duration D] [--server-pid PID]
       rapport loadtest sfu --server URL [--dev-token T] [--rooms R] [--publishers P] [--subscribers S] [--duration D] [--kbps K] [--server-pid PID]
       rapport loadtest relay --server URL [--dev-token T] [--rooms R] [--duration D] [--kbps K] [--server-pid PID]
       rapport loadtest udp [--receivers N] [--pps P] [--size B] [--duration D] [--sender-cpu C] [--batch]

Runs a load against a Rapport server on loopback (its dev sign-in must be
on; --dev-token is its token, read from $RAPPORT_DATA_DIR or ./data's
dev-signin.token by default) in this process, and measures it. chat: rooms of people chatting; the
last line of output is one JSON object with messages_per_s,
deliveries_per_s, p50_ms, p99_ms, lost, server_cpu_s, generator_cores
(the generator's own share of a core) and more. sfu: pion
peers publishing synthetic VP8 and Opus to rooms of subscribers (the server
must run with serve --loadtest); its JSON has forwarded_pps, server_cpu_s,
pps_per_cpu_s, loss_pct, p50_ms, p99_ms, generator_cores and more. relay: rooms of a pion
peer and a WebSocket relay participant sending each other synthetic VP8
and Opus through the bridge (serve --loadtest); its JSON has
bridged_fps, to_relay_fps, from_relay_fps, their p50 and p99 latencies,
and cpu_ms_per_relay_s. udp needs no server: it measures the floor under
any SFU here, a sender process that does nothing but send packets of an
SFU's shape (each one to every receiver) to N receiving sockets in this
process; its JSON has us_per_packet and pps_per_cpu_s, the most packets
an SFU could forward per CPU-second on this machine if it did no work of
its own. Pin the two processes to different cores for
figures worth comparing:

  taskset -c 0 rapport serve &
  taskset -c 1 rapport loadtest chat --server http://127.0.0.1:8080 --rooms 1000 --rate 10 --duration 30s --server-pid $!

  taskset -c 0 rapport serve --loadtest &
  taskset -c 1 rapport loadtest sfu --server http://127.0.0.1:8080 --rooms 1 --publishers 2 --subscribers 100 --duration 30s --server-pid $!
  taskset -c 1 rapport loadtest relay --server http://127.0.0.1:8080 --rooms 20 --duration 30s --server-pid $!

  taskset -c 1 rapport loadtest udp --receivers 100 --pps 22800 --sender-cpu 0`

func runLoadtest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "udp-send" { // the sender of loadtest udp, in a process of its own
		return runLoadUDPSend(args[1:], stdout, stderr)
	}
	if len(args) == 0 || (args[0] != "chat" && args[0] != "sfu" && args[0] != "relay" && args[0] != "udp") {
		fmt.Fprintln(stderr, "Usage: rapport "+loadtestSynopsis)
		if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
			return flag.ErrHelp
		}
		return usageError{fmt.Sprintf("unknown load %q: use chat, sfu, relay or udp", args[0])}
	}
	// The generator collects its garbage seldom, so that its own pauses
	// stay out of most latencies (GOGC, when set, wins); it can be profiled
	// like the server (RAPPORT_PPROF_ADDR), to tell its own queueing from
	// the server's.
	log := slog.New(slog.NewTextHandler(stderr, nil))
	tuneGC(loadtestGOGC, log)
	if pp := servePprof(os.Getenv("RAPPORT_PPROF_ADDR"), log); pp != nil {
		defer pp.Close()
	}
	switch args[0] {
	case "sfu":
		return runLoadSFU(ctx, args[1:], stdout, stderr)
	case "relay":
		return runLoadRelay(ctx, args[1:], stdout, stderr)
	case "udp":
		return runLoadUDP(ctx, args[1:], stdout, stderr)
	}
	fs := newFlags("loadtest chat", loadtestSynopsis, stderr)
	o := loadtest.ChatOptions{}
	fs.StringVar(&o.Server, "server", "http://127.0.0.1:8080", "the server's base URL (loopback)")
	devTokenFlag(fs, &o.DevToken)
	fs.IntVar(&o.Rooms, "rooms", 100, "rooms to fill")
	fs.IntVar(&o.Participants, "participants", 3, "people per room: 2 (coach and client) or 3 (and the AI seat)")
	fs.Float64Var(&o.Rate, "rate", 10, "messages a second per room, from all its participants together")
	fs.DurationVar(&o.Warmup, "warmup", 0, "how long to send before measuring, for the server's steady state (a minute at 1,000 rooms)")
	fs.DurationVar(&o.Duration, "duration", 30*time.Second, "how long to send and measure")
	fs.IntVar(&o.ServerPID, "server-pid", 0, "the server's process ID, to read its CPU time from /proc (default: its /metrics)")
	timelinePath := fs.String("timeline", "", "write the fan-out latency a tenth of a second at a time to this CSV file")
	if err := parseWithDevToken(fs, args[1:], &o.DevToken); err != nil {
		return err
	}
	bar := newLoadBar(stderr)
	o.Progress = bar.update
	res, err := loadtest.Chat(ctx, o)
	bar.finish()
	if err != nil {
		return err
	}
	if *timelinePath != "" {
		if err := writeTimeline(*timelinePath, res.Timeline); err != nil {
			return err
		}
	}
	printChatResult(stdout, res)
	return nil
}

// writeTimeline writes a run's latency timeline as CSV.
func writeTimeline(path string, buckets []loadtest.Bucket) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--timeline: %w", err)
	}
	if err := loadtest.WriteTimelineCSV(f, buckets); err != nil {
		f.Close()
		return fmt.Errorf("--timeline: %w", err)
	}
	return f.Close()
}

func runLoadSFU(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("loadtest sfu", loadtestSynopsis, stderr)
	o := loadtest.SFUOptions{}
	fs.StringVar(&o.Server, "server", "http://127.0.0.1:8080", "the server's base URL (loopback, serve --loadtest)")
	devTokenFlag(fs, &o.DevToken)
	fs.IntVar(&o.Rooms, "rooms", 1, "rooms")
	fs.IntVar(&o.Publishers, "publishers", 2, "peers per room that send video and audio")
	fs.IntVar(&o.Subscribers, "subscribers", 100, "peers per room that only receive")
	fs.DurationVar(&o.Duration, "duration", 30*time.Second, "how long to measure, after every peer receives every track")
	fs.IntVar(&o.VideoKbps, "kbps", 500, "each publisher's video bitrate")
	fs.IntVar(&o.ServerPID, "server-pid", 0, "the server's process ID, to read its CPU time from /proc (default: its /metrics)")
	if err := parseWithDevToken(fs, args, &o.DevToken); err != nil {
		return err
	}
	if o.Rooms < 1 || o.Publishers < 1 || o.Subscribers < 0 || o.Duration < time.Second || o.VideoKbps < 10 {
		return usageError{"--rooms and --publishers must be at least 1, --duration at least 1s, --kbps at least 10"}
	}
	bar := newLoadBar(stderr)
	o.Progress = bar.update
	res, err := loadtest.SFU(ctx, o)
	bar.finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "rooms %d x (%d publishers + %d subscribers) for %.1f s\n", res.Rooms, res.Publishers, res.Subscribers, res.DurationS)
	fmt.Fprintf(stdout, "forwarded  %.0f packets/s (%.1f Mbit/s received), loss %.3f%%\n", res.ForwardedPPS, res.ReceivedMbps, res.LossPct)
	fmt.Fprintf(stdout, "latency    p50 %.2f ms, p99 %.2f ms, max %.2f ms (publisher's send to subscriber's read)\n", res.P50Ms, res.P99Ms, res.MaxMs)
	fmt.Fprintf(stdout, "server CPU %.2f s, %.0f%% of a core, %.0f packets per CPU-second\n", res.ServerCPUS, 100*res.ServerCores, res.PPSPerCPUS)
	printGenerator(stdout, res.GeneratorCores, res.GeneratorGCs)
	b, _ := json.Marshal(res)
	fmt.Fprintln(stdout, string(b))
	return nil
}

func runLoadRelay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("loadtest relay", loadtestSynopsis, stderr)
	o := loadtest.RelayOptions{}
	fs.StringVar(&o.Server, "server", "http://127.0.0.1:8080", "the server's base URL (loopback, serve --loadtest)")
	devTokenFlag(fs, &o.DevToken)
	fs.IntVar(&o.Rooms, "rooms", 10, "rooms, each with a WebRTC and a relay participant")
	fs.DurationVar(&o.Duration, "duration", 30*time.Second, "how long to measure, after frames flow both ways")
	fs.IntVar(&o.VideoKbps, "kbps", 500, "each participant's video bitrate")
	fs.IntVar(&o.ServerPID, "server-pid", 0, "the server's process ID, to read its CPU time from /proc (default: its /metrics)")
	if err := parseWithDevToken(fs, args, &o.DevToken); err != nil {
		return err
	}
	if o.Rooms < 1 || o.Duration < time.Second || o.VideoKbps < 10 {
		return usageError{"--rooms must be at least 1, --duration at least 1s, --kbps at least 10"}
	}
	bar := newLoadBar(stderr)
	o.Progress = bar.update
	res, err := loadtest.Relay(ctx, o)
	bar.finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "rooms %d x (1 WebRTC + 1 relay participant) for %.1f s\n", res.Rooms, res.DurationS)
	fmt.Fprintf(stdout, "bridged    %.0f frames/s (%.0f to the relay, %.0f from it)\n", res.BridgedFPS, res.ToRelayFPS, res.FromRelayFPS)
	fmt.Fprintf(stdout, "to relay   p50 %.2f ms, p99 %.2f ms (WebRTC send to relay read)\n", res.ToRelayP50Ms, res.ToRelayP99Ms)
	fmt.Fprintf(stdout, "from relay p50 %.2f ms, p99 %.2f ms (relay send to WebRTC read)\n", res.FromRelayP50Ms, res.FromRelayP99Ms)
	fmt.Fprintf(stdout, "server CPU %.2f s, %.0f%% of a core, %.1f ms per relay participant per second\n", res.ServerCPUS, 100*res.ServerCores, res.CPUPerRelay)
	b, _ := json.Marshal(res)
	fmt.Fprintln(stdout, string(b))
	return nil
}

func printChatResult(w io.Writer, r *loadtest.ChatResult) {
	fmt.Fprintf(w, "rooms %d x %d participants for %.1f s\n", r.Rooms, r.Participants, r.DurationS)
	fmt.Fprintf(w, "messages   %.0f/s stored and acknowledged (%d sent, %d unacknowledged, %d skipped)\n", r.MessagesPerS, r.Sent, r.Unacked, r.Skipped)
	fmt.Fprintf(w, "deliveries %.0f/s (acks and fan-out), %d lost\n", r.DeliveriesPerS, r.Lost)
	fmt.Fprintf(w, "fan-out    p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", r.P50Ms, r.P99Ms, r.MaxMs)
	if len(r.Seconds) > 1 {
		p99s := make([]float64, len(r.Seconds))
		top := 0.0
		for i, b := range r.Seconds {
			p99s[i] = b.P99Ms
			top = max(top, b.P99Ms)
		}
		fmt.Fprintf(w, "p99 by s   %s (highest %.0f ms)\n", loadtest.Sparkline(p99s), top)
	}
	fmt.Fprintf(w, "server CPU %.2f s, %.0f%% of a core, %.0f deliveries per CPU-second\n", r.ServerCPUS, 100*r.ServerCores, r.DeliveriesPerCPUS)
	if r.ServerDiskMB > 0 {
		fmt.Fprintf(w, "disk       %.0f MB written by the server, %.1f KB a message stored\n", r.ServerDiskMB, r.DiskBytesPerMessage/1024)
	}
	printGenerator(w, r.GeneratorCores, r.GeneratorGCs)
	b, _ := json.Marshal(r)
	fmt.Fprintln(w, string(b))
}

// printGenerator says how busy the load generator was and whether it
// collected garbage while it measured, and warns when its own queueing or
// pauses are part of the latencies.
func printGenerator(w io.Writer, cores float64, gcs int64) {
	warn := ""
	if cores > 0.9 {
		warn = ": near a whole core, its own queueing is in these latencies"
	}
	collected := "no collection of its own while it measured"
	if gcs > 0 {
		collected = fmt.Sprintf("%d collection(s) of its own while it measured, their pauses in these latencies", gcs)
	}
	fmt.Fprintf(w, "generator  %.0f%% of a core%s; %s\n", 100*cores, warn, collected)
}

// loadBar shows the phases of a load run as progress bars on stderr.
type loadBar struct {
	w     io.Writer
	phase string
	bar   *progressbar.ProgressBar
}

func newLoadBar(w io.Writer) *loadBar { return &loadBar{w: w} }

func (b *loadBar) update(phase string, done, total int, sent int64) {
	if phase != b.phase {
		b.finish()
		b.phase = phase
		desc := map[string]string{"setup": "signing in and booking", "join": "joining rooms", "warm-up": "warming up", "send": "sending",
			"media": "waiting for every track", "measure": "measuring"}[phase]
		b.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(b.w), progressbar.OptionSetDescription(desc),
			progressbar.OptionShowCount(), progressbar.OptionSetWidth(30), progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish())
	}
	switch phase {
	case "send":
		b.bar.Describe(fmt.Sprintf("sending (%d messages)", sent))
	case "measure":
		b.bar.Describe(fmt.Sprintf("measuring (%d received)", sent))
	}
	b.bar.Set(done)
}

func (b *loadBar) finish() {
	if b.bar != nil {
		b.bar.Finish()
		fmt.Fprintln(b.w)
		b.bar = nil
	}
}
