package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"

	"rapport/internal/loadtest"
)

const loadtestSynopsis = `loadtest chat --server URL [--rooms N] [--participants 2|3] [--rate R] [--duration D] [--server-pid PID]

Runs a load against a Rapport server on loopback (its dev sign-in must be
on) in this process, and measures it. The last line of output is one JSON
object: messages_per_s, deliveries_per_s, p50_ms, p99_ms, lost, server_cpu_s
and more, for scripts to read. Pin the two processes to different cores for
figures worth comparing:

  taskset -c 0 rapport serve &
  taskset -c 1 rapport loadtest chat --server http://127.0.0.1:8080 --rooms 1000 --rate 10 --duration 30s --server-pid $!`

func runLoadtest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "chat" && args[0] != "-h" && args[0] != "--help") {
		fmt.Fprintln(stderr, "Usage: rapport "+loadtestSynopsis)
		if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
			return flag.ErrHelp
		}
		return usageError{fmt.Sprintf("unknown load %q: use chat", args[0])}
	}
	fs := newFlags("loadtest chat", loadtestSynopsis, stderr)
	o := loadtest.ChatOptions{}
	fs.StringVar(&o.Server, "server", "http://127.0.0.1:8080", "the server's base URL (loopback)")
	fs.IntVar(&o.Rooms, "rooms", 100, "rooms to fill")
	fs.IntVar(&o.Participants, "participants", 3, "people per room: 2 (coach and client) or 3 (and the AI seat)")
	fs.Float64Var(&o.Rate, "rate", 10, "messages a second per room, from all its participants together")
	fs.DurationVar(&o.Duration, "duration", 30*time.Second, "how long to send")
	fs.IntVar(&o.ServerPID, "server-pid", 0, "the server's process ID, to read its CPU time from /proc (default: its /metrics)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	bar := newLoadBar(stderr)
	o.Progress = bar.update
	res, err := loadtest.Chat(ctx, o)
	bar.finish()
	if err != nil {
		return err
	}
	printChatResult(stdout, res)
	return nil
}

func printChatResult(w io.Writer, r *loadtest.ChatResult) {
	fmt.Fprintf(w, "rooms %d x %d participants for %.1f s\n", r.Rooms, r.Participants, r.DurationS)
	fmt.Fprintf(w, "messages   %.0f/s stored and acknowledged (%d sent, %d unacknowledged, %d skipped)\n", r.MessagesPerS, r.Sent, r.Unacked, r.Skipped)
	fmt.Fprintf(w, "deliveries %.0f/s (acks and fan-out), %d lost\n", r.DeliveriesPerS, r.Lost)
	fmt.Fprintf(w, "fan-out    p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", r.P50Ms, r.P99Ms, r.MaxMs)
	fmt.Fprintf(w, "server CPU %.2f s, %.0f%% of a core, %.0f deliveries per CPU-second\n", r.ServerCPUS, 100*r.ServerCores, r.DeliveriesPerCPUS)
	b, _ := json.Marshal(r)
	fmt.Fprintln(w, string(b))
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
		desc := map[string]string{"setup": "signing in and booking", "join": "joining rooms", "send": "sending"}[phase]
		b.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(b.w), progressbar.OptionSetDescription(desc),
			progressbar.OptionShowCount(), progressbar.OptionSetWidth(30), progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish())
	}
	if phase == "send" {
		b.bar.Describe(fmt.Sprintf("sending (%d messages)", sent))
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
