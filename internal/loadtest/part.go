package loadtest

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"
)

// Part is this process's share of a load spread over several processes
// (`rapport-load --procs`): it runs the rooms (or, for sfu, the peers)
// whose index modulo Of is Index, in rooms named after Run, which every
// share is given alike. The zero Part is the whole load in one process.
type Part struct {
	Index, Of int
	// Run names the rooms and users of the run; empty: a new name.
	Run string
	// Ready, when set, is called once this share is set up, and returns
	// when every share is: the shares measure the same window.
	Ready func(ctx context.Context) error
}

// indices returns the indices among n that belong to this share.
func (p Part) indices(n int) []int {
	of := max(p.Of, 1)
	var out []int
	for i := p.Index; i < n; i += of {
		out = append(out, i)
	}
	return out
}

// run is the run's name, shared by every process of it.
func (p Part) run() string {
	if p.Run != "" {
		return p.Run
	}
	return NewRun()
}

// ready waits for every share to be set up.
func (p Part) ready(ctx context.Context) error {
	if p.Ready == nil {
		return nil
	}
	return p.Ready(ctx)
}

// NewRun returns a new name for a run: its rooms and users are its own.
func NewRun() string { return strconv.FormatInt(time.Now().UnixNano()%1e12, 36) }

// Process is what one process of the generator did while it measured: its
// share of the load and the CPU it took. A process near a whole core
// measures its own queueing as much as the server's.
type Process struct {
	PID   int     `json:"pid"`
	Rooms int     `json:"rooms,omitempty"`
	Peers int     `json:"peers,omitempty"`
	CPUS  float64 `json:"cpu_s"`
	Cores float64 `json:"cores"`
	GCs   int64   `json:"gcs"`
}

// processMeter reads this process's CPU time and collections over a
// measurement window.
type processMeter struct {
	cpu0 float64
	gcs0 int64
}

func startProcessMeter() processMeter { return processMeter{cpu0: ownCPU(), gcs0: collections()} }

// stop returns what the process did since the meter started, over a
// window of d.
func (m processMeter) stop(d time.Duration) Process {
	cpu := ownCPU() - m.cpu0
	return Process{PID: os.Getpid(), CPUS: round(cpu, 3), Cores: round(cpu/d.Seconds(), 3), GCs: collections() - m.gcs0}
}

// generatorTotals sums the processes' cores and collections.
func generatorTotals(ps []Process) (cores float64, gcs int64) {
	for _, p := range ps {
		cores += p.Cores
		gcs += p.GCs
	}
	return round(cores, 3), gcs
}

// moreThanOne returns ps when there are several processes: a run in one
// process reports no list of them.
func moreThanOne(ps []Process) []Process {
	if len(ps) < 2 {
		return nil
	}
	return ps
}

// Samples are measurements (latencies in microseconds, times in
// milliseconds) as they travel between the generator's processes: JSON
// carries them as base64 of little-endian int32s, a fifth of the size of
// a list of numbers.
type Samples []int32

// MarshalJSON writes the samples as base64.
func (s Samples) MarshalJSON() ([]byte, error) {
	b := make([]byte, 4*len(s))
	for i, v := range s {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(v))
	}
	return json.Marshal(base64.StdEncoding.EncodeToString(b))
}

// UnmarshalJSON reads samples written by MarshalJSON.
func (s *Samples) UnmarshalJSON(data []byte) error {
	var b []byte
	if err := json.Unmarshal(data, &b); err != nil {
		return err
	}
	if len(b)%4 != 0 {
		return fmt.Errorf("samples: %d bytes is not a whole number of int32s", len(b))
	}
	out := make(Samples, len(b)/4)
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
	}
	*s = out
	return nil
}

// mean is the average of values (0 for none).
func mean(values []float64) float64 {
	if len(values) == 0 {
		return 0
	}
	sum := 0.0
	for _, v := range values {
		sum += v
	}
	return sum / float64(len(values))
}
