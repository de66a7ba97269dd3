package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"rapport/internal/loadtest"
	"rapport/internal/server/servertest"
)

// TestMain lets the test binary stand in for rapport-load when a test runs it
// as a process of its own (rapport-load udp starts its sender so, and --procs its workers).
func TestMain(m *testing.M) {
	if os.Getenv("RAPPORT_TEST_RUN_CLI") == "1" {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	goleak.VerifyTestMain(m) // and fails the tests when a goroutine outlives them
}

// TestLoadtestUDPMeasuresTheFloor: the sender, a process of its own on
// its core, sends every packet to every receiver at the rate asked, and
// the result is its CPU per packet.
func TestLoadtestUDPMeasuresTheFloor(t *testing.T) {
	t.Setenv("RAPPORT_TEST_RUN_CLI", "1")
	var out, errs bytes.Buffer
	code := run(context.Background(), []string{"udp", "--receivers", "10", "--pps", "10000", "--duration", "1s", "--sender-cpu", "0"}, &out, &errs)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out.String(), errs.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var r loadtest.FloorResult
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &r); err != nil {
		t.Fatalf("last line %q: %v", lines[len(lines)-1], err)
	}
	if r.Sent != 10000 {
		t.Fatalf("sent %d packets in a second at 10,000 a second", r.Sent)
	}
	if r.Received != r.Sent {
		t.Fatalf("received %d of %d on loopback", r.Received, r.Sent)
	}
	if want := float64(r.Sent) / r.SenderCPUS; r.SenderCPUS <= 0 || r.USPerPacket <= 0 || math.Abs(r.PPSPerCPUS-want) > want/100 {
		t.Fatalf("CPU %v s, %v µs a packet, %v per CPU-second for %d packets", r.SenderCPUS, r.USPerPacket, r.PPSPerCPUS, r.Sent)
	}
}

func TestLoadtestUDPSendRefusesABadPort(t *testing.T) {
	var out, errs bytes.Buffer
	code := run(context.Background(), []string{"udp-send", "--ports", "4000,x", "--duration", "1s"}, &out, &errs)
	if code != 2 || !strings.Contains(errs.String(), `--ports: "x" is not a port`) {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
}

// TestSFULoadComesWithItsFloor: with --server-pid, `rapport-load sfu`
// gives the server's CPU per forwarded packet and, measured after the load
// on the server's cores, the kernel's own cost of a send, with the ratio
// of the two.
func TestSFULoadComesWithItsFloor(t *testing.T) {
	t.Setenv("RAPPORT_TEST_RUN_CLI", "1")
	url := servertest.MustStart(t, servertest.LoadRooms)
	var out, errs bytes.Buffer
	code := run(t.Context(), []string{"sfu", "--server", url, "--dev-token", servertest.DevToken, "--rooms", "2",
		"--publishers", "2", "--subscribers", "0", "--duration", "2s", "--kbps", "200",
		"--server-pid", strconv.Itoa(os.Getpid()), "--floor", "1s"}, &out, &errs)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out.String(), errs.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var res loadtest.SFUResult
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("last line %q: %v", lines[len(lines)-1], err)
	}
	if !strings.Contains(out.String(), "UDP floor") {
		t.Errorf("the summary does not give the floor:\n%s", out.String())
	}
	if res.USPerPacket <= 0 || math.Abs(res.USPerPacket*res.PPSPerCPUS-1e6) > 1e4 {
		t.Fatalf("%v µs a packet and %v packets per CPU-second", res.USPerPacket, res.PPSPerCPUS)
	}
	if res.PacketBytes < 100 || res.PacketBytes > 1300 {
		t.Fatalf("the packets' mean size is %d bytes", res.PacketBytes)
	}
	f := res.Floor
	if f == nil || f.Receivers != 4 || f.Sent < 100 || f.Received != f.Sent || f.USPerPacket <= 0 {
		t.Fatalf("floor %+v: want 4 receivers (the load's peers), every packet received", f)
	}
	if want := res.USPerPacket / f.USPerPacket; math.Abs(res.FloorRatio-want) > want/50+0.01 {
		t.Fatalf("floor ratio %v, want %v", res.FloorRatio, want)
	}
}
