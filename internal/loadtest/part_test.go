package loadtest

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

func TestPartsShareTheIndicesOut(t *testing.T) {
	var all []int
	for k := range 3 {
		all = append(all, Part{Index: k, Of: 3}.indices(7)...)
	}
	slices.Sort(all)
	if !slices.Equal(all, []int{0, 1, 2, 3, 4, 5, 6}) {
		t.Fatalf("three parts of 7 hold %v", all)
	}
	if got := (Part{}).indices(3); !slices.Equal(got, []int{0, 1, 2}) {
		t.Fatalf("the whole load holds %v", got)
	}
}

func TestSamplesTravelIntact(t *testing.T) {
	in := Samples{0, 1, -5, 1<<31 - 1, -1 << 31}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out Samples
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(in, out) {
		t.Fatalf("%v came back as %v (%s)", in, out, b)
	}
	if err := json.Unmarshal([]byte(`"AAA="`), &out); err == nil {
		t.Fatal("two bytes read as samples")
	}
}

// TestChatResultOfSeveralProcesses: counts add up, every delivery's
// latency counts, the timeline lines the shares up by their start, and
// the server's CPU (read by each share over the same window) is their
// mean.
func TestChatResultOfSeveralProcesses(t *testing.T) {
	start := time.Now().UnixMilli()
	a := &ChatTally{Process: Process{PID: 1, Rooms: 2, Cores: 0.25, GCs: 1}, StartUnixMs: start, Elapsed: time.Second, Drain: time.Second,
		Sent: 10, Acked: 10, Delivered: 10, Latencies: Samples{1000, 2000}, Inbound: Samples{500, 500}, Arrived: Samples{50, 150},
		ServerCPUS: 1, ServerWritten: -1}
	b := &ChatTally{Process: Process{PID: 2, Rooms: 1, Cores: 0.5}, StartUnixMs: start + 100, Elapsed: time.Second, Drain: time.Second,
		Sent: 5, Acked: 4, Unacked: 1, Delivered: 4, Latencies: Samples{3000}, Inbound: Samples{1000}, Arrived: Samples{20},
		ServerCPUS: 3, ServerWritten: 100}
	r := ChatResultOf(ChatOptions{Rooms: 3, Participants: 2}, a, b)
	if r.Sent != 15 || r.Acked != 14 || r.Unacked != 1 || r.Delivered != 14 || r.Lost != 0 {
		t.Fatalf("counts %+v", r)
	}
	if r.ServerCPUS != 2 || r.ServerCores != 1 || r.GeneratorCores != 0.75 || r.GeneratorGCs != 1 || r.ServerDiskMB != 0 {
		t.Fatalf("server CPU %v s (%v cores), generator %v cores and %d collections, disk %v MB", r.ServerCPUS, r.ServerCores, r.GeneratorCores, r.GeneratorGCs, r.ServerDiskMB)
	}
	if r.MaxMs != 3 || r.P50Ms != 2 {
		t.Fatalf("latencies p50 %v, max %v ms", r.P50Ms, r.MaxMs)
	}
	// b's delivery 20 ms after its start is 120 ms after a's: the second tenth.
	if len(r.Timeline) != 2 || r.Timeline[0].Deliveries != 1 || r.Timeline[1].Deliveries != 2 {
		t.Fatalf("timeline %+v", r.Timeline)
	}
	if len(r.Processes) != 2 || r.Processes[1].PID != 2 {
		t.Fatalf("processes %+v", r.Processes)
	}
	if one := ChatResultOf(ChatOptions{Rooms: 2, Participants: 2}, a); one.Processes != nil || one.GeneratorCores != 0.25 {
		t.Fatalf("one process reported as %+v, %v cores", one.Processes, one.GeneratorCores)
	}
}

func TestSFUResultOfSeveralProcesses(t *testing.T) {
	a := &SFUTally{Process: Process{PID: 1, Peers: 3, Cores: 0.5}, Elapsed: 2 * time.Second, Received: 100, Expected: 100, Bytes: 1000,
		Latencies: Samples{1000, 3000}, ServerCPUS: 1}
	b := &SFUTally{Process: Process{PID: 2, Peers: 2, Cores: 0.25}, Elapsed: 2 * time.Second, Received: 90, Expected: 100, Bytes: 900,
		Latencies: Samples{2000}, ServerCPUS: 1}
	r := SFUResultOf(SFUOptions{Rooms: 1, Publishers: 2, Subscribers: 3}, a, b)
	if r.Received != 190 || r.ForwardedPPS != 95 || r.LossPct != 5 || r.P50Ms != 2 || r.MaxMs != 3 || r.PPSPerCPUS != 190 {
		t.Fatalf("result %+v", r)
	}
	if r.GeneratorCores != 0.75 || len(r.Processes) != 2 {
		t.Fatalf("generator %v cores, processes %+v", r.GeneratorCores, r.Processes)
	}
}
