package loadtest

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestTimelineGroupsDeliveriesByWhenTheyArrived(t *testing.T) {
	start := time.Now()
	at := func(ms int) int32 { return int32(ms) }
	// One delivery before the start (left out), two in the first tenth,
	// none in the second, three in the third.
	arrived := []int32{at(-5), at(10), at(90), at(200), at(250), at(299)}
	lat := []int32{999_000, 1_000, 3_000, 10_000, 20_000, 300_000}
	got := timeline(arrived, lat, start.UnixMilli(), 100*time.Millisecond)
	unix := func(ms int64) float64 { return float64(start.UnixMilli()+ms) / 1000 }
	want := []Bucket{
		{StartS: 0, UnixS: unix(0), Deliveries: 2, P50Ms: 1, P99Ms: 1, MaxMs: 3},
		{StartS: 0.1, UnixS: unix(100)},
		{StartS: 0.2, UnixS: unix(200), Deliveries: 3, P50Ms: 20, P99Ms: 20, MaxMs: 300},
	}
	if len(got) != len(want) {
		t.Fatalf("buckets %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("bucket %d is %+v, want %+v", i, got[i], want[i])
		}
	}
	var csv bytes.Buffer
	if err := WriteTimelineCSV(&csv, got); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(csv.String()), "\n"); len(lines) != 4 || lines[3] != fmt.Sprintf("0.200,%.3f,3,20.00,20.00,300.00", unix(200)) {
		t.Fatalf("CSV:\n%s", csv.String())
	}
}

func TestSparklineScalesToTheHighest(t *testing.T) {
	if got := Sparkline([]float64{0, 10, 40, 80, 20}); got != "▁▂▅█▃" {
		t.Fatalf("sparkline %q", got)
	}
	if got := Sparkline([]float64{0, 0}); got != "▁▁" {
		t.Fatalf("sparkline of zeros %q", got)
	}
}
