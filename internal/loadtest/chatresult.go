package loadtest

import (
	"slices"
	"time"
)

// ChatTally is what one share of a chat load measured: its counts and raw
// samples, from which ChatResultOf computes the result of one process or
// of several together. It is what a worker process of `rapport-load chat
// --procs` sends back.
type ChatTally struct {
	Process Process `json:"process"`
	// StartUnixMs is when the measured sending began, in milliseconds
	// since 1970.
	StartUnixMs int64         `json:"start_unix_ms"`
	Elapsed     time.Duration `json:"elapsed"` // the measured sending
	Drain       time.Duration `json:"drain"`   // the wait for the last deliveries after it
	Sent        int64         `json:"sent"`
	Acked       int64         `json:"acked"`
	Unacked     int64         `json:"unacked"`
	Skipped     int64         `json:"skipped"`
	Delivered   int64         `json:"delivered"`
	// Latencies are each delivery's, in microseconds from the send;
	// Inbound the part of each up to the server's receipt; Arrived when
	// each came, in milliseconds from StartUnixMs.
	Latencies Samples `json:"latencies"`
	Inbound   Samples `json:"inbound"`
	Arrived   Samples `json:"arrived"`
	// ServerCPUS is the server's CPU time over Elapsed and Drain, and
	// ServerWritten what it wrote to storage then (-1: unknown).
	ServerCPUS    float64 `json:"server_cpu_s"`
	ServerWritten int64   `json:"server_written"`
	// NodeCPUS is each node's part of ServerCPUS (a cluster's), and
	// RedisCPUS what Redis used meanwhile.
	NodeCPUS  []float64 `json:"node_cpu_s,omitempty"`
	RedisCPUS float64   `json:"redis_cpu_s,omitempty"`
}

// tally collects the seats' deliveries and the run's counts.
func tally(seats [][]*seat, start time.Time, c *chatCounts) *ChatTally {
	t := &ChatTally{StartUnixMs: start.UnixMilli(), Sent: c.sent.Load(), Acked: c.acked.Load(),
		Unacked: c.unacked.Load(), Skipped: c.skipped.Load()}
	from := int32(start.Sub(epoch) / time.Millisecond)
	for _, room := range seats {
		for _, s := range room {
			t.Delivered += s.delivered.Load()
			s.mu.Lock()
			t.Latencies = append(t.Latencies, s.latencies...)
			t.Inbound = append(t.Inbound, s.inbound...)
			for _, at := range s.arrived {
				t.Arrived = append(t.Arrived, at-from)
			}
			s.mu.Unlock()
		}
	}
	return t
}

// ChatResultOf computes the result of a chat load from the tallies of its
// shares (one per process). Counts add up; latencies are those of every
// delivery of every share; the server's figures, which each share read
// over the same window, are their mean.
func ChatResultOf(o ChatOptions, tallies ...*ChatTally) *ChatResult {
	origin := tallies[0].StartUnixMs
	for _, t := range tallies {
		origin = min(origin, t.StartUnixMs)
	}
	var sum ChatTally
	var lat, in, out, arrived []int32
	var elapsed, drain, cpu, written, redis []float64
	nodes := make([][]float64, len(tallies[0].NodeCPUS))
	var procs []Process
	diskKnown := true
	for _, t := range tallies {
		sum.Sent, sum.Acked, sum.Unacked = sum.Sent+t.Sent, sum.Acked+t.Acked, sum.Unacked+t.Unacked
		sum.Skipped, sum.Delivered = sum.Skipped+t.Skipped, sum.Delivered+t.Delivered
		lat, in = append(lat, t.Latencies...), append(in, t.Inbound...)
		for i, us := range t.Latencies {
			out = append(out, us-t.Inbound[i])
			arrived = append(arrived, t.Arrived[i]+int32(t.StartUnixMs-origin))
		}
		elapsed, drain = append(elapsed, t.Elapsed.Seconds()), append(drain, t.Drain.Seconds())
		cpu, written = append(cpu, t.ServerCPUS), append(written, float64(t.ServerWritten))
		redis = append(redis, t.RedisCPUS)
		for i := range min(len(nodes), len(t.NodeCPUS)) {
			nodes[i] = append(nodes[i], t.NodeCPUS[i])
		}
		diskKnown = diskKnown && t.ServerWritten >= 0
		procs = append(procs, t.Process)
	}
	r := chatResult(o, &sum, lat, in, out, mean(elapsed), mean(cpu))
	r.Timeline, r.Seconds = timeline(arrived, lat, origin, 100*time.Millisecond), timeline(arrived, lat, origin, time.Second)
	r.ServerCores = round(mean(cpu)/(mean(elapsed)+mean(drain)), 3) // the CPU was read over both
	r.GeneratorCores, r.GeneratorGCs = generatorTotals(procs)
	r.Processes = moreThanOne(procs)
	r.clusterFigures(nodes, mean(redis))
	if diskKnown && r.Acked > 0 {
		r.ServerDiskMB = round(mean(written)/(1<<20), 1)
		r.DiskBytesPerMessage = round(mean(written)/float64(r.Acked), 0)
	}
	return r
}

// chatResult computes the figures of summed counts and every latency.
func chatResult(o ChatOptions, sum *ChatTally, lat, in, out []int32, secs, cpu float64) *ChatResult {
	lat, in, out = slices.Clone(lat), slices.Clone(in), slices.Clone(out)
	slices.Sort(lat)
	slices.Sort(in)
	slices.Sort(out)
	acked, delivered := sum.Acked, sum.Delivered
	r := &ChatResult{Rooms: o.Rooms, Participants: o.Participants, DurationS: round(secs, 2), Sent: sum.Sent, Acked: acked,
		Delivered: delivered, MessagesPerS: round(float64(acked)/secs, 1),
		DeliveriesPerS: round(float64(acked+delivered)/secs, 1), P50Ms: pct(lat, 0.50), P99Ms: pct(lat, 0.99),
		Lost: max(acked*int64(o.Participants-1)-delivered, 0), Unacked: sum.Unacked, Skipped: sum.Skipped,
		ServerCPUS: round(cpu, 2), InP99Ms: pct(in, 0.99), OutP50Ms: pct(out, 0.50), OutP99Ms: pct(out, 0.99)}
	if len(lat) > 0 {
		r.MaxMs = round(float64(lat[len(lat)-1])/1000, 2)
	}
	if cpu > 0 {
		r.DeliveriesPerCPUS = round(float64(acked+delivered)/cpu, 0)
	}
	return r
}

// clusterFigures sets what a load on several nodes measured: each node's
// CPU (the mean over the shares, which read it over the same window) and
// Redis's, per message stored.
func (r *ChatResult) clusterFigures(nodes [][]float64, redis float64) {
	for _, n := range nodes {
		r.NodeCPUS = append(r.NodeCPUS, round(mean(n), 2))
	}
	if redis > 0 {
		r.RedisCPUS = round(redis, 3)
		if r.Acked > 0 {
			r.RedisUsPerMessage = round(redis*1e6/float64(r.Acked), 2)
		}
	}
}
