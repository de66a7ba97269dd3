package loadtest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"rapport/internal/proc"
	"rapport/internal/roomclient"
)

// ChatOptions describe a chat load: Rooms rooms of Participants people (2:
// coach and client; 3: and the AI seat), sending Rate messages a second in
// all per room, for Duration.
type ChatOptions struct {
	Server string
	// DevToken opens the server's developer sign-in (the token in the link
	// serve prints, and in its data directory's dev-signin.token).
	DevToken     string
	Rooms        int
	Participants int
	Rate         float64
	Duration     time.Duration
	// Warmup is how long the load runs before it is measured, so that the
	// figures are the server's steady state: at 1,000 rooms SQLite writes
	// a page of log a message only after about a minute, once every room's
	// end of the (session, seq) index has a page of its own. Messages sent
	// during the warm-up are neither counted nor timed.
	Warmup    time.Duration
	ServerPID int           // read the server's CPU from /proc; 0: from its /metrics
	Drain     time.Duration // how long to wait for the last deliveries
	// Nodes are the nodes of a cluster: the people of a room join through
	// them in turn (person j of room i through Nodes[(i+j) % len(Nodes)]),
	// each through another node while there are nodes enough, as behind a
	// load balancer that spreads them; the rooms are set up through Server.
	// Empty: everyone through Server.
	Nodes []string
	// NodePIDs are the nodes' processes, to read each one's CPU from /proc
	// (default: their /metrics); the server's CPU is then theirs summed.
	NodePIDs []int
	// RedisPID is the cluster's Redis, whose CPU is reported too; 0: not.
	RedisPID int
	// Progress, when set, is told how the run goes (one call at a time).
	Progress func(phase string, done, total int, sent int64)
	// Part is this process's share of the rooms; zero: all of them.
	Part Part
}

// ChatResult is what a chat load measured. The JSON names are stable: the
// last line of `rapport-load chat` is this object.
type ChatResult struct {
	Rooms          int     `json:"rooms"`
	Participants   int     `json:"participants"`
	DurationS      float64 `json:"duration_s"`
	Sent           int64   `json:"sent"`
	Acked          int64   `json:"acked"`
	Delivered      int64   `json:"delivered"`
	MessagesPerS   float64 `json:"messages_per_s"`
	DeliveriesPerS float64 `json:"deliveries_per_s"`
	P50Ms          float64 `json:"p50_ms"`
	P99Ms          float64 `json:"p99_ms"`
	MaxMs          float64 `json:"max_ms"`
	// The latency in two legs, split at the server's receipt of the message
	// (its created_at): in is the sender's writing and the server's reading,
	// out the storing, the fan-out and the receiver's reading.
	InP99Ms     float64 `json:"in_p99_ms"`
	OutP50Ms    float64 `json:"out_p50_ms"`
	OutP99Ms    float64 `json:"out_p99_ms"`
	Lost        int64   `json:"lost"`
	Unacked     int64   `json:"unacked"`
	Skipped     int64   `json:"skipped"`
	ServerCPUS  float64 `json:"server_cpu_s"`
	ServerCores float64 `json:"server_cores"`
	// GeneratorCores is the load generator's own share of a core.
	GeneratorCores float64 `json:"generator_cores"`
	// GeneratorGCs is how many collections the generator ran while it
	// measured: each one's pause is in the latencies.
	GeneratorGCs int64 `json:"generator_gcs"`
	// ServerDiskMB is what the server caused to be written to storage while
	// it was measured, and DiskBytesPerMessage that per message stored:
	// known only with the server's PID (/proc/PID/io).
	ServerDiskMB        float64 `json:"server_disk_mb,omitempty"`
	DiskBytesPerMessage float64 `json:"disk_bytes_per_message,omitempty"`
	DeliveriesPerCPUS   float64 `json:"deliveries_per_cpu_s"`
	// NodeCPUS is each node's CPU seconds, on a cluster (Nodes), and
	// RedisCPUS Redis's (RedisPID), also per message stored.
	NodeCPUS          []float64 `json:"node_cpu_s,omitempty"`
	RedisCPUS         float64   `json:"redis_cpu_s,omitempty"`
	RedisUsPerMessage float64   `json:"redis_us_per_message,omitempty"`
	// Processes are the generator's processes, each with its share of the
	// rooms and its CPU, when it ran in several (--procs).
	Processes []Process `json:"processes,omitempty"`
	// Timeline is the fan-out latency a tenth of a second at a time, and
	// Seconds a second at a time, from the start of sending.
	Timeline []Bucket `json:"-"`
	Seconds  []Bucket `json:"-"`
}

// seat is one participant of the load.
type seat struct {
	c         *roomclient.Client
	queue     chan outgoing
	from      atomic.Int64 // the send time, in Unix nanoseconds, from which deliveries are measured
	mu        sync.Mutex
	latencies []int32 // microseconds from send to delivery
	inbound   []int32 // of which from send to the server's receipt (the message's created_at)
	arrived   []int32 // when, in milliseconds since epoch
	delivered atomic.Int64
}

// outgoing is a message for a seat to send; measured is false during the
// warm-up.
type outgoing struct {
	body     string
	measured bool
}

// onMessage records a delivery and its fan-out latency, read from the
// send time the body starts with; a message of the warm-up is not counted.
func (s *seat) onMessage(m roomclient.Message) {
	ns, ok := sendTime(m.Body)
	if ok && ns < s.from.Load() {
		return
	}
	s.delivered.Add(1)
	if !ok {
		return
	}
	sentAt := time.Unix(0, ns)
	us := time.Since(sentAt).Microseconds()
	in := m.CreatedAt.Sub(sentAt).Microseconds() // one machine, one clock
	s.mu.Lock()
	s.latencies = append(s.latencies, int32(min(us, 1<<31-1)))
	s.inbound = append(s.inbound, int32(max(min(in, us), 0)))
	s.arrived = append(s.arrived, sinceEpoch())
	s.mu.Unlock()
}

// sendTime reads the send time, in Unix nanoseconds, that a load message's
// body starts with.
func sendTime(body string) (int64, bool) {
	t, ok := strings.CutPrefix(body, "t=")
	if !ok {
		return 0, false
	}
	end := strings.IndexByte(t, ' ')
	if end < 0 {
		return 0, false
	}
	ns, err := strconv.ParseInt(t[:end], 10, 64)
	return ns, err == nil
}

// Chat runs a chat load and measures it.
func Chat(ctx context.Context, o ChatOptions) (*ChatResult, error) {
	t, err := ChatShare(ctx, o)
	if err != nil {
		return nil, err
	}
	return ChatResultOf(o, t), nil
}

// ChatShare runs this process's share of a chat load (o.Part) and returns
// what it measured.
func ChatShare(ctx context.Context, o ChatOptions) (*ChatTally, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	if o.Drain == 0 {
		o.Drain = 3 * time.Second
	}
	progress := serialized(o.Progress)
	rooms := o.Part.indices(o.Rooms)
	setups, err := setupRooms(ctx, o.Server, o.DevToken, o.Part.run(), rooms, o.Participants, 16, progress)
	if err != nil {
		return nil, fmt.Errorf("set up rooms: %w", err)
	}
	seats, err := connect(ctx, o, setups, progress)
	defer func() {
		for _, room := range seats {
			for _, s := range room {
				if s != nil && s.c != nil {
					s.c.Close()
				}
			}
		}
	}()
	if err != nil {
		return nil, err
	}
	if err := o.Part.ready(ctx); err != nil {
		return nil, err
	}
	return measure(ctx, o, rooms, seats, progress)
}

// Check says what is wrong with the options, if anything.
func (o ChatOptions) Check() error {
	switch {
	case o.Participants < 2 || o.Participants > 3:
		return errors.New("--participants must be 2 (coach and client) or 3 (and the AI seat)")
	case o.Rooms < 1 || o.Rate <= 0 || o.Duration <= 0:
		return errors.New("--rooms, --rate and --duration must be positive")
	case o.Warmup < 0:
		return errors.New("--warmup must not be negative")
	case len(o.NodePIDs) > 0 && len(o.NodePIDs) != len(o.Nodes):
		return errors.New("--node-pids must name one process for each of --nodes, in their order")
	}
	return nil
}

// serialized returns progress made safe to call from many goroutines (one
// call at a time), or a function that does nothing for nil.
func serialized(progress func(string, int, int, int64)) func(string, int, int, int64) {
	if progress == nil {
		return func(string, int, int, int64) {}
	}
	var mu sync.Mutex
	return func(phase string, done, total int, sent int64) {
		mu.Lock()
		defer mu.Unlock()
		progress(phase, done, total, sent)
	}
}

// connect joins every participant, 32 at a time.
func connect(ctx context.Context, o ChatOptions, setups []roomSetup, progress func(string, int, int, int64)) ([][]*seat, error) {
	seats := make([][]*seat, len(setups))
	var done atomic.Int64
	var firstErr error
	var mu sync.Mutex
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	for i, rs := range setups {
		seats[i] = make([]*seat, len(rs.seats))
		for j, h := range rs.seats {
			s := &seat{queue: make(chan outgoing, 256)}
			s.from.Store(math.MaxInt64)
			seats[i][j] = s
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				c, err := roomclient.Dial(ctx, roomclient.Options{BaseURL: o.through(rs.index, j), RoomID: rs.roomID, Header: h, OnMessage: s.onMessage})
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("join room %d: %w", rs.index, err)
				}
				s.c = c
				mu.Unlock()
				progress("join", int(done.Add(1)), len(setups)*o.Participants, 0)
			}()
		}
	}
	wg.Wait()
	return seats, firstErr
}

// through is the base URL person j of room i joins through.
func (o ChatOptions) through(room, j int) string {
	if len(o.Nodes) == 0 {
		return o.Server
	}
	return o.Nodes[(room+j)%len(o.Nodes)]
}

// measure sends for the warm-up and the duration, waits for the last
// deliveries, and tallies what was sent after the warm-up. rooms are the
// seats' rooms' indices in the whole load.
func measure(ctx context.Context, o ChatOptions, rooms []int, seats [][]*seat, progress func(string, int, int, int64)) (*ChatTally, error) {
	start := time.Now().Add(o.Warmup)
	for _, room := range seats {
		for _, s := range room {
			s.from.Store(start.UnixNano())
		}
	}
	var c chatCounts
	runCtx, stop := context.WithDeadline(ctx, start.Add(o.Duration))
	defer stop()
	var senders sync.WaitGroup
	for _, room := range seats {
		for _, s := range room {
			senders.Add(1)
			go func() { defer senders.Done(); s.send(&c.acked, &c.unacked) }()
		}
	}
	var tickers sync.WaitGroup
	for k, room := range seats {
		tickers.Add(1)
		go func() { defer tickers.Done(); schedule(runCtx, rooms[k], room, o.Rate, start, &c.sent, &c.skipped) }()
	}
	// finish stops sending and waits for the last acks.
	finish := func() {
		stop()
		tickers.Wait()
		for _, room := range seats {
			for _, s := range room {
				close(s.queue)
			}
		}
		senders.Wait()
	}
	if o.Warmup > 0 {
		reportProgress(ctx, "warm-up", start, &c.sent, progress)
	}
	cpu0, err := o.cpu(ctx)
	if err != nil {
		finish()
		return nil, err
	}
	meter := startProcessMeter()
	written0, _ := proc.Written(o.ServerPID)
	var reporting sync.WaitGroup
	reporting.Go(func() { reportProgress(runCtx, "send", start.Add(o.Duration), &c.sent, progress) })
	tickers.Wait()
	elapsed := time.Since(start)
	reporting.Wait() // the sending has ended, and with it the reports: none comes after Chat returns
	finish()
	time.Sleep(o.Drain)
	cpu1, err := o.cpu(ctx)
	if err != nil {
		return nil, err
	}
	t := tally(seats, start, &c)
	t.Elapsed, t.Drain = elapsed, o.Drain
	t.ServerCPUS, t.NodeCPUS, t.RedisCPUS = cpu1.since(cpu0)
	t.Process = meter.stop(elapsed + o.Drain)
	t.Process.Rooms = len(rooms)
	t.ServerWritten = -1
	if written1, ok := proc.Written(o.ServerPID); ok {
		t.ServerWritten = written1 - written0
	}
	return t, nil
}

// chatCounts are a run's counters, shared by its goroutines.
type chatCounts struct {
	sent, acked, unacked, skipped atomic.Int64
}

// schedule hands a room's messages to its seats in turn at the rate; those
// sent before start are the warm-up's.
func schedule(ctx context.Context, room int, seats []*seat, rate float64, start time.Time, sent, skipped *atomic.Int64) {
	every := time.Duration(float64(time.Second) / rate)
	// Rooms start spread over one interval, as real rooms would.
	select {
	case <-time.After(time.Duration(room%1000) * every / 1000):
	case <-ctx.Done():
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			m := outgoing{body: fmt.Sprintf("t=%d room %d message %d: how did the exercise go this week?", now.UnixNano(), room, n),
				measured: !now.Before(start)}
			select {
			case seats[n%len(seats)].queue <- m:
				if m.measured {
					sent.Add(1)
				}
			default:
				if m.measured {
					skipped.Add(1) // the seat is still waiting for acks: the server is behind
				}
			}
		}
	}
}

// send sends a seat's messages, each acknowledged before the next.
func (s *seat) send(acked, unacked *atomic.Int64) {
	for m := range s.queue {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err := s.c.Send(ctx, m.body)
		cancel()
		switch {
		case !m.measured:
		case err != nil:
			unacked.Add(1)
		default:
			acked.Add(1)
		}
	}
}

// reportProgress tells progress, once a second until end (or ctx ends),
// how far phase has come, in seconds.
func reportProgress(ctx context.Context, phase string, end time.Time, sent *atomic.Int64, progress func(string, int, int, int64)) {
	total := int(time.Until(end).Round(time.Second) / time.Second)
	ctx, cancel := context.WithDeadline(ctx, end)
	defer cancel()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			progress(phase, total, total, sent.Load())
			return
		case <-t.C:
			progress(phase, total-int(time.Until(end).Round(time.Second)/time.Second), total, sent.Load())
		}
	}
}

func pct(sorted []int32, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return round(float64(sorted[int(p*float64(len(sorted)-1))])/1000, 2)
}

func round(v float64, places int) float64 {
	f := 1.0
	for range places {
		f *= 10
	}
	return float64(int64(v*f+0.5)) / f
}
