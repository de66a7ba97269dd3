package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"

	"rapport/internal/loadtest"
	"rapport/internal/server/servertest"
)

// TestChatSpreadOverTwoProcesses runs `rapport-load chat --procs 2`
// against the real application: two worker processes (this test binary,
// standing in for rapport-load) each run half the rooms, and the result
// is theirs together, with each one's share and CPU.
func TestChatSpreadOverTwoProcesses(t *testing.T) {
	t.Setenv("RAPPORT_TEST_RUN_CLI", "1")
	url := servertest.MustStart(t, nil)
	const rooms, rate = 4, 25
	res := runLoad[loadtest.ChatResult](t, "chat", "--server", url, "--dev-token", servertest.DevToken,
		"--rooms", "4", "--participants", "2", "--rate", "25", "--duration", "2s", "--procs", "2")
	checkProcesses(t, res.Processes, func(p loadtest.Process) int { return p.Rooms }, rooms)
	// Two seconds at 25 a second in four rooms: 200 messages, every one
	// acknowledged and delivered once. One process's rooms alone would
	// send at most 100.
	if res.Sent < 120 || res.Sent > 220 || res.Acked != res.Sent || res.Delivered != res.Acked || res.Lost != 0 {
		t.Fatalf("sent %d, acked %d, delivered %d, lost %d: want about %d, every one acknowledged and delivered",
			res.Sent, res.Acked, res.Delivered, res.Lost, 2*rooms*rate)
	}
	cores := 0.0
	for _, p := range res.Processes {
		cores += p.Cores
	}
	if res.P50Ms <= 0 || res.ServerCPUS <= 0 || res.GeneratorCores <= 0 || res.GeneratorCores != round3(cores) {
		t.Fatalf("p50 %v ms, server CPU %v s, generator %v cores (its processes' %v)", res.P50Ms, res.ServerCPUS, res.GeneratorCores, cores)
	}
}

// TestSFUSpreadOverTwoProcesses spreads one room's peers over two worker
// processes: every peer receives every track across them, each process
// reports its tally, and the merged figures are the sum of the two.
func TestSFUSpreadOverTwoProcesses(t *testing.T) {
	t.Setenv("RAPPORT_TEST_RUN_CLI", "1")
	url := servertest.MustStart(t, servertest.LoadRooms)
	args := []string{"--server", url, "--dev-token", servertest.DevToken, "--rooms", "1", "--publishers", "2", "--subscribers", "3",
		"--duration", "2s", "--kbps", "200", "--procs", "2"}
	o, procs, _, err := sfuFlags(args, io.Discard)
	if err != nil || procs != 2 {
		t.Fatalf("flags: %v, --procs %d", err, procs)
	}
	bar := newLoadBar(io.Discard)
	tallies, err := shares(t.Context(), spread{load: "sfu", args: args, procs: procs, bar: bar, stderr: os.Stderr},
		func() (*loadtest.SFUTally, error) { t.Fatal("ran in this process"); return nil, nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(tallies) != 2 {
		t.Fatalf("%d tallies from 2 processes", len(tallies))
	}
	res := loadtest.SFUResultOf(o, tallies...)
	procsOf := []loadtest.Process{tallies[0].Process, tallies[1].Process}
	checkProcesses(t, procsOf, func(p loadtest.Process) int { return p.Peers }, 5)
	var received, latencies int64
	for _, tl := range tallies {
		if tl.Received <= 0 || len(tl.Latencies) == 0 {
			t.Fatalf("process %d received %d packets", tl.Process.PID, tl.Received)
		}
		received += tl.Received
		latencies += int64(len(tl.Latencies))
	}
	if res.Received != received || latencies != received || res.LossPct > 2 || len(res.Processes) != 2 {
		t.Fatalf("merged %d packets (loss %v%%, %d processes), the processes' sum %d (%d latencies)",
			res.Received, res.LossPct, len(res.Processes), received, latencies)
	}
}

// runLoad runs rapport-load with args and returns the last line of its
// output, the result's JSON.
func runLoad[T any](t *testing.T, args ...string) *T {
	t.Helper()
	var out, errs bytes.Buffer
	if code := run(t.Context(), args, &out, &errs); code != 0 {
		t.Fatalf("exit %d: %s%s", code, out.String(), errs.String())
	}
	t.Log(out.String())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var res T
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("last line %q: %v", lines[len(lines)-1], err)
	}
	if !strings.Contains(out.String(), "process 2  pid ") {
		t.Fatalf("no line for the second process:\n%s", out.String())
	}
	return &res
}

// checkProcesses checks that two processes, neither of them this one,
// each ran a share of the load, and that their shares add up to all.
func checkProcesses(t *testing.T, procs []loadtest.Process, share func(loadtest.Process) int, all int) {
	t.Helper()
	if len(procs) != 2 {
		t.Fatalf("processes %+v, want 2", procs)
	}
	sum := 0
	for _, p := range procs {
		if p.PID == os.Getpid() || p.PID == 0 || share(p) == 0 || p.CPUS < 0 {
			t.Fatalf("process %+v of %+v", p, procs)
		}
		sum += share(p)
	}
	if procs[0].PID == procs[1].PID || sum != all {
		t.Fatalf("processes %+v share %d of %d", procs, sum, all)
	}
}

func round3(v float64) float64 { return float64(int64(v*1000+0.5)) / 1000 }

// TestProcsAreRefusedBeyondTheShares: more processes than rooms (or
// peers) to spread is a usage error.
func TestProcsAreRefusedBeyondTheShares(t *testing.T) {
	var out, errs bytes.Buffer
	code := run(t.Context(), []string{"tunnel", "--dev-token", "x", "--rooms", "2", "--procs", "3"}, &out, &errs)
	if code != 2 || !strings.Contains(errs.String(), "--procs must be from 1 to 2") {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
}

// TestMergedProgressShowsTheSlowestPhase: the bar follows the earliest
// phase any worker is in, adding up counts, and for the phases counted
// in seconds shows the slowest worker's.
func TestMergedProgressShowsTheSlowestPhase(t *testing.T) {
	type shown struct {
		phase       string
		done, total int
		sent        int64
	}
	var got []shown
	m := newMergedProgress(2, func(phase string, done, total int, sent int64) { got = append(got, shown{phase, done, total, sent}) })
	m.update(0, progressEvent{Phase: "join", Done: 3, Total: 3})
	m.update(1, progressEvent{Phase: "join", Done: 1, Total: 2})
	m.update(0, progressEvent{Phase: "send", Done: 2, Total: 5, Sent: 10})
	m.update(1, progressEvent{Phase: "join", Done: 2, Total: 2})
	m.update(1, progressEvent{Phase: "send", Done: 1, Total: 5, Sent: 4})
	want := []shown{{"join", 4, 5, 0}, {"join", 4, 5, 0}, {"join", 5, 5, 0}, {"send", 1, 5, 14}}
	if len(got) != len(want) {
		t.Fatalf("shown %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("shown %v, want %v", got, want)
		}
	}
}
