package loadtest_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"rapport/internal/loadtest"
)

// TestChatLoad runs a small load against the real application and checks
// what it reports: every message acknowledged and delivered, latencies, the
// server's CPU time read from its /metrics, and with the server's PID (the
// test's own) what it wrote to storage.
func TestChatLoad(t *testing.T) {
	url := startApp(t, false)
	phases, progress := recordPhases()
	res, err := loadtest.Chat(t.Context(), loadtest.ChatOptions{Server: url, DevToken: devToken, Rooms: 3, Participants: 3, Rate: 20,
		Duration: 1500 * time.Millisecond, Drain: 300 * time.Millisecond,
		Progress: progress})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent < 45 || res.Acked != res.Sent || res.Delivered != 2*res.Acked || res.Lost != 0 || res.Unacked != 0 {
		t.Fatalf("result %+v", res)
	}
	if res.P50Ms <= 0 || res.P99Ms < res.P50Ms || res.ServerCPUS <= 0 || res.GeneratorCores <= 0 || res.MessagesPerS < 20 {
		t.Fatalf("measurements %+v", res)
	}
	deliveries := 0
	for _, b := range res.Seconds {
		deliveries += b.Deliveries
	}
	if len(res.Seconds) < 2 || len(res.Timeline) < 15 || int64(deliveries) != res.Delivered {
		t.Fatalf("timeline of %d seconds (%d tenths) holding %d deliveries, want at least 2 (15) holding %d",
			len(res.Seconds), len(res.Timeline), deliveries, res.Delivered)
	}
	if res.ServerDiskMB != 0 {
		t.Fatalf("disk writes %v MB reported without the server's PID", res.ServerDiskMB)
	}
	withPID, err := loadtest.Chat(t.Context(), loadtest.ChatOptions{Server: url, DevToken: devToken, Rooms: 2, Participants: 2, Rate: 20,
		Duration: time.Second, Drain: 300 * time.Millisecond, ServerPID: os.Getpid()})
	if err != nil {
		t.Fatal(err)
	}
	if withPID.ServerDiskMB <= 0 || withPID.DiskBytesPerMessage <= 0 || withPID.ServerCPUS <= 0 {
		t.Fatalf("with the server's PID: disk %v MB, %v bytes a message, CPU %v s", withPID.ServerDiskMB, withPID.DiskBytesPerMessage, withPID.ServerCPUS)
	}
	if strings.Join(*phases, ",") != "setup,join,send" {
		t.Fatalf("progress phases %v", *phases)
	}
	if _, err := loadtest.Chat(t.Context(), loadtest.ChatOptions{Server: url, DevToken: devToken, Rooms: 1, Participants: 5, Rate: 1, Duration: time.Second}); err == nil {
		t.Fatal("five participants accepted")
	}
}

// TestChatLoadLeavesTheWarmupOut: what is sent during the warm-up reaches
// the server but not the result, whose counts, latencies and timeline are
// those of the measured duration only.
func TestChatLoadLeavesTheWarmupOut(t *testing.T) {
	url := startApp(t, false)
	phases, progress := recordPhases()
	const rooms, rate = 2, 20
	res, err := loadtest.Chat(t.Context(), loadtest.ChatOptions{Server: url, DevToken: devToken, Rooms: rooms, Participants: 3, Rate: rate,
		Warmup: 1500 * time.Millisecond, Duration: time.Second, Drain: 300 * time.Millisecond,
		Progress: progress})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(*phases, ",") != "setup,join,warm-up,send" {
		t.Fatalf("progress phases %v", *phases)
	}
	// One second at 20 a second in two rooms is 40 messages (fewer when a
	// busy machine holds the senders back); with the warm-up counted it
	// would be 100.
	if res.Sent < 20 || res.Sent > 60 || res.Acked != res.Sent || res.Delivered != 2*res.Acked || res.Lost != 0 {
		t.Fatalf("sent %d, acked %d, delivered %d, lost %d: want about %d, all acked and delivered twice",
			res.Sent, res.Acked, res.Delivered, res.Lost, rooms*rate)
	}
	if len(res.Seconds) > 2 || res.DurationS < 0.9 || res.DurationS > 2 {
		t.Fatalf("measured %v s in %d seconds of timeline, want the one second after the warm-up", res.DurationS, len(res.Seconds))
	}
	if _, err := loadtest.Chat(t.Context(), loadtest.ChatOptions{Server: url, DevToken: devToken, Rooms: 1, Participants: 2, Rate: 1, Duration: time.Second, Warmup: -time.Second}); err == nil {
		t.Fatal("a negative warm-up accepted")
	}
}

// recordPhases returns the phases a load run reports, each once in order,
// and the Progress function that records them.
func recordPhases() (*[]string, func(phase string, done, total int, sent int64)) {
	var phases []string
	return &phases, func(phase string, done, total int, sent int64) {
		if len(phases) == 0 || phases[len(phases)-1] != phase {
			phases = append(phases, phase)
		}
	}
}
