package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"

	"rapport/internal/loadtest"
)

// procsFlag adds --procs, the number of processes to spread a load's
// shares (rooms or peers) over.
func procsFlag(fs *flag.FlagSet, procs *int, shares string) {
	fs.IntVar(procs, "procs", 1, "processes of the generator to spread the "+shares+" over, on as many cores as it may use (taskset)")
}

// checkProcs refuses a --procs below 1 or above the shares to spread.
func checkProcs(procs, shares int, what string) error {
	if procs < 1 || procs > shares {
		return usageError{fmt.Sprintf("--procs must be from 1 to %d (%s)", shares, what)}
	}
	return nil
}

// spread is how a load's shares run: in this process when procs is 1,
// else in procs worker processes of this binary given the load's args.
type spread struct {
	load   string
	args   []string
	procs  int
	bar    *loadBar
	stderr io.Writer
}

// shares runs a load's shares and returns their tallies: in this process
// (here) when s.procs is 1, else in s.procs worker processes that each run
// a share and measure the same window.
func shares[T any](ctx context.Context, s spread, here func() (*T, error)) ([]*T, error) {
	if s.procs <= 1 {
		t, err := here()
		if err != nil {
			return nil, err
		}
		return []*T{t}, nil
	}
	raws, err := runWorkers(ctx, s)
	if err != nil {
		return nil, err
	}
	out := make([]*T, len(raws))
	for i, raw := range raws {
		out[i] = new(T)
		if err := json.Unmarshal(raw, out[i]); err != nil {
			return nil, fmt.Errorf("process %d's tally: %w", i+1, err)
		}
	}
	return out, nil
}

// workerEvent is one JSON value a worker writes on its stdout: how its
// share goes, that it is ready to measure, or what it measured.
type workerEvent struct {
	Progress *progressEvent  `json:"progress,omitempty"`
	Ready    bool            `json:"ready,omitempty"`
	Tally    json.RawMessage `json:"tally,omitempty"`
}

// progressEvent is a call of a share's Progress.
type progressEvent struct {
	Phase string `json:"phase"`
	Done  int    `json:"done"`
	Total int    `json:"total"`
	Sent  int64  `json:"sent"`
}

// fromWorker is an event of worker i, or its end (with how it exited).
type fromWorker struct {
	i     int
	event workerEvent
	ended bool
	err   error
}

// worker is a running worker process.
type worker struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// runWorkers runs s.procs workers, tells them all to measure once every
// one is ready, and returns their tallies. A worker that fails ends the
// others.
func runWorkers(ctx context.Context, s spread) ([]json.RawMessage, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	var readers sync.WaitGroup
	defer func() { cancel(); readers.Wait() }()
	events := make(chan fromWorker)
	run := loadtest.NewRun()
	workers := make([]*worker, s.procs)
	for i := range workers {
		args := append([]string{"worker", "--part", fmt.Sprintf("%d/%d", i, s.procs), "--run", run, s.load}, s.args...)
		w, stdout, err := startWorker(ctx, exe, args, s.stderr)
		if err != nil {
			return nil, fmt.Errorf("start process %d: %w", i+1, err)
		}
		workers[i] = w
		readers.Go(func() { readWorker(ctx, i, w, stdout, events) })
	}
	return gather(ctx, workers, events, newMergedProgress(s.procs, s.bar.update))
}

func startWorker(ctx context.Context, exe string, args []string, stderr io.Writer) (*worker, io.Reader, error) {
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Stderr = stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	return &worker{cmd: cmd, stdin: stdin}, stdout, nil
}

// readWorker passes worker i's events on until its output ends, then
// waits for it to exit and says how it did.
func readWorker(ctx context.Context, i int, w *worker, stdout io.Reader, events chan<- fromWorker) {
	dec := json.NewDecoder(stdout)
	send := func(e fromWorker) bool {
		select {
		case events <- e:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		var ev workerEvent
		if err := dec.Decode(&ev); err != nil {
			break
		}
		if !send(fromWorker{i: i, event: ev}) {
			break
		}
	}
	io.Copy(io.Discard, stdout) // what is left, so that Wait returns
	err := w.cmd.Wait()
	send(fromWorker{i: i, ended: true, err: err})
}

// gather follows the workers' events until every one has sent its tally
// and exited.
func gather(ctx context.Context, workers []*worker, events <-chan fromWorker, progress *mergedProgress) ([]json.RawMessage, error) {
	tallies := make([]json.RawMessage, len(workers))
	ready, ended := 0, 0
	for ended < len(workers) {
		var e fromWorker
		select {
		case e = <-events:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		switch {
		case e.ended && (e.err != nil || tallies[e.i] == nil):
			return nil, fmt.Errorf("process %d of the generator failed (%v): its error is above", e.i+1, orNoTally(e.err))
		case e.ended:
			ended++
		case e.event.Progress != nil:
			progress.update(e.i, *e.event.Progress)
		case e.event.Ready:
			if ready++; ready == len(workers) {
				for _, w := range workers {
					io.WriteString(w.stdin, "go\n")
					w.stdin.Close()
				}
			}
		case e.event.Tally != nil:
			tallies[e.i] = e.event.Tally
		}
	}
	return tallies, nil
}

func orNoTally(err error) error {
	if err == nil {
		return errors.New("it ended without a tally")
	}
	return err
}

// mergedProgress shows the progress of several workers as one: the
// earliest phase any of them is in, with their counts added up (or, for
// the phases counted in seconds, the slowest one's).
type mergedProgress struct {
	last    []map[string]progressEvent // each worker's last event of each phase
	current []string                   // each worker's phase
	show    func(phase string, done, total int, sent int64)
}

func newMergedProgress(workers int, show func(string, int, int, int64)) *mergedProgress {
	m := &mergedProgress{last: make([]map[string]progressEvent, workers), current: make([]string, workers), show: show}
	for i := range m.last {
		m.last[i] = map[string]progressEvent{}
	}
	return m
}

func (m *mergedProgress) update(worker int, e progressEvent) {
	m.last[worker][e.Phase], m.current[worker] = e, e.Phase
	phase := ""
	for _, p := range m.current {
		if p == "" {
			return // a worker not heard from yet
		}
		if phase == "" || phaseOrder(p) < phaseOrder(phase) {
			phase = p
		}
	}
	timed := phase == "warm-up" || phase == "send" || phase == "measure"
	var done, total int
	var sent int64
	for i, last := range m.last {
		e := last[phase]
		sent += e.Sent
		if !timed {
			done, total = done+e.Done, total+e.Total
			continue
		}
		if i == 0 || e.Done < done {
			done = e.Done
		}
		total = max(total, e.Total)
	}
	m.show(phase, done, total, sent)
}

func phaseOrder(phase string) int {
	for i, p := range phases {
		if p.name == phase {
			return i
		}
	}
	return len(phases)
}
