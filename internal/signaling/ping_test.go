package signaling

import (
	"slices"
	"testing"
	"time"
)

// TestPingsOfACrowdAreSpreadOut: connections that arrive together must not
// ping together. A thousand first delays cover most of the second half of
// the interval, and later delays stay within a fifth of it.
func TestPingsOfACrowdAreSpreadOut(t *testing.T) {
	first := make([]time.Duration, 1000)
	for i := range first {
		first[i] = pingDelay(true)
		if first[i] < pingEvery/2 || first[i] > pingEvery {
			t.Fatalf("first ping after %v, want within [%v, %v]", first[i], pingEvery/2, pingEvery)
		}
	}
	slices.Sort(first)
	if spread := first[len(first)-1] - first[0]; spread < pingEvery*2/5 {
		t.Fatalf("a thousand first pings spread over %v, want most of %v", spread, pingEvery/2)
	}
	lo, hi := pingEvery, time.Duration(0)
	for range 1000 {
		d := pingDelay(false)
		lo, hi = min(lo, d), max(hi, d)
	}
	if lo < pingEvery*4/5 || hi > pingEvery || hi-lo < pingEvery/10 {
		t.Fatalf("later pings after %v to %v, want spread within [%v, %v]", lo, hi, pingEvery*4/5, pingEvery)
	}
}
