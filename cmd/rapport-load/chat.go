package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"rapport/internal/loadtest"
)

// chatFlags parses the flags of `rapport-load chat`; it also returns the
// --timeline file and --procs.
func chatFlags(args []string, stderr io.Writer) (o loadtest.ChatOptions, timeline string, procs int, err error) {
	fs := newFlags("chat", stderr)
	fs.StringVar(&o.Server, "server", "http://127.0.0.1:8080", "the server's base URL (loopback)")
	devTokenFlag(fs, &o.DevToken)
	fs.IntVar(&o.Rooms, "rooms", 100, "rooms to fill")
	fs.IntVar(&o.Participants, "participants", 3, "people per room: 2 (coach and client) or 3 (and the AI seat)")
	fs.Float64Var(&o.Rate, "rate", 10, "messages a second per room, from all its participants together")
	fs.DurationVar(&o.Warmup, "warmup", 0, "how long to send before measuring, for the server's steady state (a minute at 1,000 rooms)")
	fs.DurationVar(&o.Duration, "duration", 30*time.Second, "how long to send and measure")
	fs.IntVar(&o.ServerPID, "server-pid", 0, "the server's process ID, to read its CPU time from /proc (default: its /metrics)")
	fs.StringVar(&timeline, "timeline", "", "write the fan-out latency a tenth of a second at a time to this CSV file")
	fs.Func("nodes", "a cluster's nodes, comma-separated base URLs: each room's people join through them in turn (the rooms are set up through --server)",
		func(v string) error { o.Nodes = strings.Split(v, ","); return nil })
	fs.Func("node-pids", "the nodes' process IDs, comma-separated in the order of --nodes, to read their CPU from /proc (default: their /metrics)",
		func(v string) (err error) { o.NodePIDs, err = pids(v); return err })
	fs.IntVar(&o.RedisPID, "redis-pid", 0, "the cluster's Redis process ID, to report its CPU per message")
	procsFlag(fs, &procs, "rooms")
	if err := parseWithDevToken(fs, args, &o.DevToken); err != nil {
		return o, "", 0, err
	}
	if err := o.Check(); err != nil {
		return o, "", 0, usageError{err.Error()}
	}
	return o, timeline, procs, checkProcs(procs, o.Rooms, "--rooms")
}

func runChat(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, timelinePath, procs, err := chatFlags(args, stderr)
	if err != nil {
		return err
	}
	bar := newLoadBar(stderr)
	o.Progress = bar.update
	tallies, err := shares(ctx, spread{load: "chat", args: args, procs: procs, bar: bar, stderr: stderr},
		func() (*loadtest.ChatTally, error) { return loadtest.ChatShare(ctx, o) })
	bar.finish()
	if err != nil {
		return err
	}
	res := loadtest.ChatResultOf(o, tallies...)
	if timelinePath != "" {
		if err := writeTimeline(timelinePath, res.Timeline); err != nil {
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
	if len(r.NodeCPUS) > 0 {
		fmt.Fprintf(w, "nodes      %s CPU-seconds each\n", joinFloats(r.NodeCPUS))
	}
	if r.RedisCPUS > 0 {
		fmt.Fprintf(w, "redis      %.3f CPU-seconds, %.2f us a message stored\n", r.RedisCPUS, r.RedisUsPerMessage)
	}
	if r.ServerDiskMB > 0 {
		fmt.Fprintf(w, "disk       %.0f MB written by the server, %.1f KB a message stored\n", r.ServerDiskMB, r.DiskBytesPerMessage/1024)
	}
	printGenerator(w, r.GeneratorCores, r.GeneratorGCs, r.Processes)
	b, _ := json.Marshal(r)
	fmt.Fprintln(w, string(b))
}

// printGenerator says how busy the load generator was and whether it
// collected garbage while it measured, and warns when its own queueing or
// pauses are part of the latencies; a generator of several processes says
// so of each.
func printGenerator(w io.Writer, cores float64, gcs int64, procs []loadtest.Process) {
	if len(procs) > 1 {
		fmt.Fprintf(w, "generator  %d processes, %.0f%% of a core in all\n", len(procs), 100*cores)
		printProcesses(w, procs)
		return
	}
	fmt.Fprintf(w, "generator  %.0f%% of a core%s; %s\n", 100*cores, busyWarning(cores), collected(gcs))
}

// printProcesses says, for each of the generator's processes, its share
// of the load and how busy it was.
func printProcesses(w io.Writer, procs []loadtest.Process) {
	for i, p := range procs {
		share := fmt.Sprintf("%d rooms", p.Rooms)
		if p.Peers > 0 {
			share = fmt.Sprintf("%d peers", p.Peers)
		}
		fmt.Fprintf(w, "process %d  pid %d, %s: %.0f%% of a core%s; %s\n", i+1, p.PID, share, 100*p.Cores, busyWarning(p.Cores), collected(p.GCs))
	}
}

func busyWarning(cores float64) string {
	if cores > 0.9 {
		return ": near a whole core, its own queueing is in these latencies"
	}
	return ""
}

func collected(gcs int64) string {
	if gcs > 0 {
		return fmt.Sprintf("%d collection(s) of its own while it measured, their pauses in these latencies", gcs)
	}
	return "no collection of its own while it measured"
}

// pids reads comma-separated process IDs.
func pids(v string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a process ID", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// joinFloats writes numbers as "1.20, 0.85".
func joinFloats(fs []float64) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = strconv.FormatFloat(f, 'f', 2, 64)
	}
	return strings.Join(parts, ", ")
}
