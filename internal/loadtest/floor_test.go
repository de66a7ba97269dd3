package loadtest

import (
	"testing"
	"time"
)

// TestPacedCatchesUpButNeverRunsAhead: a round that runs late (here the
// fifth, for 30 ms) does not cost the run its rounds: the missed ones run
// at once after it, and no round runs before its time.
func TestPacedCatchesUpButNeverRunsAhead(t *testing.T) {
	const every = 2 * time.Millisecond
	start := time.Now()
	var at []time.Duration
	sent, err := paced(every, 100*time.Millisecond, func() (int64, error) {
		at = append(at, time.Since(start))
		if len(at) == 5 {
			time.Sleep(30 * time.Millisecond)
		}
		return 3, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(at) != 50 || sent != 150 {
		t.Fatalf("%d rounds, %d packets; want 50 rounds of 3", len(at), sent)
	}
	for i, d := range at {
		if due := time.Duration(i+1) * every; d < due {
			t.Fatalf("round %d ran at %v, before its time %v", i+1, d, due)
		}
	}
	// The fifteen rounds the late one delayed run one after another, not a
	// tick apart.
	caughtUp := 0
	for i := 6; i < 5+15; i++ {
		if at[i]-at[i-1] < every/2 {
			caughtUp++
		}
	}
	if caughtUp < 5 {
		t.Fatalf("after the late round only %d of the 14 delayed after it ran at once", caughtUp)
	}
}
