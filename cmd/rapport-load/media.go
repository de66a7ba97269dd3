package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"rapport/internal/loadtest"
)

// sfuFlags parses the flags of `rapport-load sfu`; it also returns --procs
// and --floor.
func sfuFlags(args []string, stderr io.Writer) (o loadtest.SFUOptions, procs int, floor time.Duration, err error) {
	fs := newFlags("sfu", stderr)
	fs.StringVar(&o.Server, "server", "http://127.0.0.1:8080", "the server's base URL (loopback, serve --loadtest)")
	devTokenFlag(fs, &o.DevToken)
	fs.IntVar(&o.Rooms, "rooms", 1, "rooms")
	fs.IntVar(&o.Publishers, "publishers", 2, "peers per room that send video and audio")
	fs.IntVar(&o.Subscribers, "subscribers", 100, "peers per room that only receive")
	fs.DurationVar(&o.Duration, "duration", 30*time.Second, "how long to measure, after every peer receives every track")
	fs.IntVar(&o.VideoKbps, "kbps", 500, "each publisher's video bitrate")
	fs.BoolVar(&o.NoTransportCC, "no-transport-cc", false, "send without transport-wide sequence numbers, as lkload's peers (LiveKit's Go SDK) do; browsers number theirs")
	fs.IntVar(&o.ServerPID, "server-pid", 0, "the server's process ID, to read its CPU time from /proc (default: its /metrics)")
	fs.DurationVar(&floor, "floor", 5*time.Second, "with --server-pid: how long to measure the UDP floor on the server's core after the load (0: not)")
	procsFlag(fs, &procs, "peers")
	if err := parseWithDevToken(fs, args, &o.DevToken); err != nil {
		return o, 0, 0, err
	}
	if o.Rooms < 1 || o.Publishers < 1 || o.Subscribers < 0 || o.Duration < time.Second || o.VideoKbps < 10 {
		return o, 0, 0, usageError{"--rooms and --publishers must be at least 1, --duration at least 1s, --kbps at least 10"}
	}
	if floor != 0 && floor < time.Second {
		return o, 0, 0, usageError{"--floor must be 0 or at least 1s"}
	}
	return o, procs, floor, checkProcs(procs, o.Rooms*(o.Publishers+o.Subscribers), "the peers")
}

func runSFU(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, procs, floor, err := sfuFlags(args, stderr)
	if err != nil {
		return err
	}
	bar := newLoadBar(stderr)
	o.Progress = bar.update
	tallies, err := shares(ctx, spread{load: "sfu", args: args, procs: procs, bar: bar, stderr: stderr},
		func() (*loadtest.SFUTally, error) { return loadtest.SFUShare(ctx, o) })
	bar.finish()
	if err != nil {
		return err
	}
	res := loadtest.SFUResultOf(o, tallies...)
	if floor > 0 && o.ServerPID > 0 {
		if err := res.AddFloor(ctx, o.ServerPID, o.Rooms*(o.Publishers+o.Subscribers), floor); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "rooms %d x (%d publishers + %d subscribers) for %.1f s\n", res.Rooms, res.Publishers, res.Subscribers, res.DurationS)
	fmt.Fprintf(stdout, "forwarded  %.0f packets/s (%.1f Mbit/s received), loss %.3f%%\n", res.ForwardedPPS, res.ReceivedMbps, res.LossPct)
	fmt.Fprintf(stdout, "latency    p50 %.2f ms, p99 %.2f ms, max %.2f ms (publisher's send to subscriber's read)\n", res.P50Ms, res.P99Ms, res.MaxMs)
	fmt.Fprintf(stdout, "server CPU %.2f s, %.0f%% of a core, %.0f packets per CPU-second, %.1f µs a packet\n", res.ServerCPUS, 100*res.ServerCores, res.PPSPerCPUS, res.USPerPacket)
	if res.Floor != nil {
		fmt.Fprintf(stdout, "UDP floor  %.2f µs a packet's send on the server's core: the server spends %.1f times that\n", res.Floor.USPerPacket, res.FloorRatio)
	}
	printGenerator(stdout, res.GeneratorCores, res.GeneratorGCs, res.Processes)
	b, _ := json.Marshal(res)
	fmt.Fprintln(stdout, string(b))
	return nil
}

// tunnelFlags parses the flags of `rapport-load tunnel`; it also returns
// --procs.
func tunnelFlags(args []string, stderr io.Writer) (o loadtest.TunnelOptions, procs int, err error) {
	fs := newFlags("tunnel", stderr)
	fs.StringVar(&o.Server, "server", "http://127.0.0.1:8080", "the server's base URL (loopback, serve --loadtest)")
	devTokenFlag(fs, &o.DevToken)
	fs.IntVar(&o.Rooms, "rooms", 10, "rooms, each with a WebRTC and a tunnel participant")
	fs.DurationVar(&o.Duration, "duration", 30*time.Second, "how long to measure, after frames flow both ways")
	fs.IntVar(&o.VideoKbps, "kbps", 500, "each participant's video bitrate")
	fs.IntVar(&o.ServerPID, "server-pid", 0, "the server's process ID, to read its CPU time from /proc (default: its /metrics)")
	procsFlag(fs, &procs, "rooms")
	if err := parseWithDevToken(fs, args, &o.DevToken); err != nil {
		return o, 0, err
	}
	if o.Rooms < 1 || o.Duration < time.Second || o.VideoKbps < 10 {
		return o, 0, usageError{"--rooms must be at least 1, --duration at least 1s, --kbps at least 10"}
	}
	return o, procs, checkProcs(procs, o.Rooms, "--rooms")
}

func runTunnel(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, procs, err := tunnelFlags(args, stderr)
	if err != nil {
		return err
	}
	bar := newLoadBar(stderr)
	o.Progress = bar.update
	tallies, err := shares(ctx, spread{load: "tunnel", args: args, procs: procs, bar: bar, stderr: stderr},
		func() (*loadtest.TunnelTally, error) { return loadtest.TunnelShare(ctx, o) })
	bar.finish()
	if err != nil {
		return err
	}
	res := loadtest.TunnelResultOf(o, tallies...)
	fmt.Fprintf(stdout, "rooms %d x (1 WebRTC + 1 tunnel participant) for %.1f s\n", res.Rooms, res.DurationS)
	fmt.Fprintf(stdout, "bridged    %.0f frames/s (%.0f to the tunnel, %.0f from it)\n", res.BridgedFPS, res.ToTunnelFPS, res.FromTunnelFPS)
	fmt.Fprintf(stdout, "to tunnel   p50 %.2f ms, p99 %.2f ms (WebRTC send to tunnel read)\n", res.ToTunnelP50Ms, res.ToTunnelP99Ms)
	fmt.Fprintf(stdout, "from tunnel p50 %.2f ms, p99 %.2f ms (tunnel send to WebRTC read)\n", res.FromTunnelP50Ms, res.FromTunnelP99Ms)
	fmt.Fprintf(stdout, "server CPU %.2f s, %.0f%% of a core, %.1f ms per tunnel participant per second\n", res.ServerCPUS, 100*res.ServerCores, res.CPUPerTunnel)
	printProcesses(stdout, res.Processes)
	b, _ := json.Marshal(res)
	fmt.Fprintln(stdout, string(b))
	return nil
}
