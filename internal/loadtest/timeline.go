package loadtest

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// epoch is the origin of the delivery times seats record: milliseconds
// since the process started fit an int32 for 24 days.
var epoch = time.Now()

// sinceEpoch is now in milliseconds since epoch.
func sinceEpoch() int32 { return int32(time.Since(epoch) / time.Millisecond) }

// Bucket is the deliveries of one slice of a run's time: when a latency
// tail comes from a few bad moments (a collection, a checkpoint) or from
// all of them, the timeline shows it.
type Bucket struct {
	StartS float64 // from the start of sending
	// UnixS is the same moment on the wall clock, in seconds since 1970:
	// what lines a timeline up with the server's logs and GODEBUG=gctrace.
	UnixS      float64
	Deliveries int
	P50Ms      float64
	P99Ms      float64
	MaxMs      float64
}

// timeline groups deliveries (arrival times in milliseconds from the start
// of sending, at startUnixMs; latencies in microseconds) into buckets of
// width from the start on.
func timeline(arrived, latencies []int32, startUnixMs int64, width time.Duration) []Bucket {
	w := int32(width / time.Millisecond)
	groups := map[int32][]int32{}
	last := int32(-1)
	for i, at := range arrived {
		if at < 0 {
			continue
		}
		k := at / w
		groups[k] = append(groups[k], latencies[i])
		last = max(last, k)
	}
	out := make([]Bucket, 0, last+1)
	for k := range last + 1 {
		lat := groups[k]
		slices.Sort(lat)
		b := Bucket{StartS: round(float64(k*w)/1000, 3), UnixS: round(float64(startUnixMs+int64(k*w))/1000, 3), Deliveries: len(lat), P50Ms: pct(lat, 0.5), P99Ms: pct(lat, 0.99)}
		if len(lat) > 0 {
			b.MaxMs = round(float64(lat[len(lat)-1])/1000, 2)
		}
		out = append(out, b)
	}
	return out
}

// WriteTimelineCSV writes buckets as CSV with a header line.
func WriteTimelineCSV(w io.Writer, buckets []Bucket) error {
	if _, err := fmt.Fprintln(w, "start_s,unix_s,deliveries,p50_ms,p99_ms,max_ms"); err != nil {
		return err
	}
	for _, b := range buckets {
		if _, err := fmt.Fprintf(w, "%.3f,%.3f,%d,%.2f,%.2f,%.2f\n", b.StartS, b.UnixS, b.Deliveries, b.P50Ms, b.P99Ms, b.MaxMs); err != nil {
			return err
		}
	}
	return nil
}

// Sparkline draws values as a line of block characters, the tallest for
// the largest; a row of zeros draws the lowest block.
func Sparkline(values []float64) string {
	const blocks = "▁▂▃▄▅▆▇█"
	steps := []rune(blocks)
	top := 0.0
	for _, v := range values {
		top = max(top, v)
	}
	var sb strings.Builder
	for _, v := range values {
		i := 0
		if top > 0 {
			i = min(int(v/top*float64(len(steps))), len(steps)-1)
		}
		sb.WriteRune(steps[i])
	}
	return sb.String()
}
