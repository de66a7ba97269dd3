// Command rapport-load generates load against a Rapport server on loopback
// and measures what the server does with it (chat, sfu, tunnel), or
// measures the kernel's floor under any SFU (udp). It is a binary of its
// own so that the server's holds no load generator; `rapport-load -h`
// shows how to run it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	_ "net/http/pprof" // the generator's profiler, on RAPPORT_PPROF_ADDR only
	"os"
	"os/signal"
	"runtime/debug"
	"sync"
	"syscall"
	"time"
)

const synopsis = `chat --server URL [--dev-token T] [--rooms N] [--participants 2|3] [--rate R] [--warmup W] [--duration D] [--server-pid PID] [--timeline FILE] [--procs N]
       rapport-load sfu --server URL [--dev-token T] [--rooms R] [--publishers P] [--subscribers S] [--duration D] [--kbps K] [--no-transport-cc] [--server-pid PID] [--floor D] [--procs N]
       rapport-load tunnel --server URL [--dev-token T] [--rooms R] [--duration D] [--kbps K] [--server-pid PID] [--procs N]
       rapport-load udp [--receivers N] [--pps P] [--size B] [--duration D] [--sender-cpu C] [--batch]
       rapport-load join --server URL [--dev-token T] [--runs N] [--fresh] [--camera-delay D] [--p2p [--block-direct]] [--chromium PATH]

Runs a load against a Rapport server on loopback (its dev sign-in must be
on; --dev-token is its token, read from $RAPPORT_DATA_DIR or ./data's
dev-signin.token by default) and measures it. chat: rooms of people
chatting; the last line of output is one JSON object with messages_per_s,
deliveries_per_s, p50_ms, p99_ms, lost, server_cpu_s, generator_cores (the
generator's own share of a core) and more. sfu: pion peers publishing
synthetic VP8 and Opus to rooms of subscribers (the server must run with
serve --loadtest); its JSON has forwarded_pps, server_cpu_s,
pps_per_cpu_s, us_per_packet, loss_pct, p50_ms, p99_ms, generator_cores
and more, and with --server-pid the UDP floor measured after the load on
the server's core (floor, floor_ratio: the server's CPU a packet over the
kernel's own cost of sending one). tunnel:
rooms of a pion peer and a WebSocket tunnel participant sending each other
synthetic VP8 and Opus through the bridge (serve --loadtest); its JSON has
bridged_fps, to_tunnel_fps, from_tunnel_fps, their p50 and p99 latencies,
and cpu_ms_per_tunnel_s. udp needs no server: it measures the floor under
any SFU here, a sender process that does nothing but send packets of an
SFU's shape (each one to every receiver) to N receiving sockets in this
process; its JSON has us_per_packet and pps_per_cpu_s, the most packets
an SFU could forward per CPU-second on this machine if it did no work of
its own. join opens a coach's room page in Chromium (fake camera and
microphone) and has a client join N times, from an open dashboard or
(--fresh) a fresh browser context, printing the median and 90th
percentile of each step from the room page's navigation (page, camera,
socket, joined, pc, track, connected, frame: the other's first picture);
its JSON has steps, frame_p50_ms and frame_p90_ms.

--procs N spreads chat's and tunnel's rooms, and sfu's peers, over N
processes of the generator that measure the same window; the result is
theirs together, and its JSON lists each process's share and CPU
("processes"), so that a run shows when the generator, not the server, is
the bottleneck. Pin the server and the generator to different cores for
figures worth comparing:

  taskset -c 0 rapport serve &
  taskset -c 1 rapport-load chat --server http://127.0.0.1:8080 --rooms 1000 --rate 10 --duration 30s --server-pid $!
  taskset -c 1-3 rapport-load chat --server http://127.0.0.1:8080 --rooms 3000 --rate 10 --duration 30s --procs 3 --server-pid $!

  taskset -c 0 rapport serve --loadtest &
  taskset -c 1 rapport-load sfu --server http://127.0.0.1:8080 --rooms 1 --publishers 2 --subscribers 100 --duration 30s --server-pid $!
  taskset -c 1 rapport-load tunnel --server http://127.0.0.1:8080 --rooms 20 --duration 30s --server-pid $!

  taskset -c 1 rapport-load udp --receivers 100 --pps 22800 --sender-cpu 0`

// loadGOGC is the load generator's collector target when GOGC is not
// set: the server's, for the same reason (each collection is a burst of
// latency, here in what the generator measures), and the generator
// collects rather than grows. A generator that never collected took fresh
// memory for all it allocated (35 MB a second at 1,000 chat rooms), and
// the kernel's page faults for it came in bursts that held its core for
// half a second at a time: 29,000 faults in 0.6 s, 440-500 ms in the tail
// of each of four two-minute runs. At 400 it collects about every 15 s
// (a live heap near 100 MB), and the worst delivery of the same runs took
// 97-103 ms; the result says how many collections fell into a measurement.
const loadGOGC = 400

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C ends the process at once
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches to a load and returns the exit code: 0 for success, 1 for
// a failure, 2 for a usage error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := dispatch(ctx, args, stdout, stderr)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(usageError)):
		fmt.Fprintf(stderr, "rapport-load: %v\n", err)
		return 2
	}
	fmt.Fprintf(stderr, "rapport-load: %v\n", err)
	return 1
}

// loads are the commands, by name; udp-send and worker are run by the
// generator itself, in processes of their own.
var loads = map[string]func(ctx context.Context, args []string, stdout, stderr io.Writer) error{
	"chat": runChat, "sfu": runSFU, "tunnel": runTunnel, "udp": runUDP, "join": runJoin,
	"udp-send": runUDPSend, "worker": runWorker,
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	stderr = &lockedWriter{w: stderr} // the progress bar's, and the worker processes' errors
	load, ok := loads[firstOf(args)]
	if !ok {
		fmt.Fprintln(stderr, "Usage: rapport-load "+synopsis)
		if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
			return flag.ErrHelp
		}
		return usageError{fmt.Sprintf("unknown load %q: use chat, sfu, tunnel, udp or join", args[0])}
	}
	// The generator collects its garbage seldom, so that its own pauses
	// stay out of most latencies (GOGC, when set, wins); it can be profiled
	// like the server (RAPPORT_PPROF_ADDR), to tell its own queueing from
	// the server's.
	tuneGC(loadGOGC)
	if args[0] != "worker" && args[0] != "udp-send" {
		servePprof(os.Getenv("RAPPORT_PPROF_ADDR"), stderr)
	}
	return load(ctx, args[1:], stdout, stderr)
}

func firstOf(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return args[0]
}

// tuneGC sets the collector's target to percent unless GOGC says
// otherwise.
func tuneGC(percent int) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(percent)
	}
}

// servePprof serves Go's profiler on addr (a loopback address) when one
// is given, for as long as the process runs.
func servePprof(addr string, stderr io.Writer) {
	if addr == "" {
		return
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	srv := &http.Server{Addr: addr, Handler: http.DefaultServeMux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.ListenAndServe(); err != nil {
			log.Error("profiler", "addr", addr, "err", err)
		}
	}()
	log.Info("profiler on", "url", "http://"+addr+"/debug/pprof/")
}

// lockedWriter lets several goroutines write to w, one at a time.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// usageError is a mistake in the command line rather than a failure.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// newFlags returns a flag set that prints its usage to stderr and returns
// errors instead of exiting.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: rapport-load %s\n\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}
