package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"rapport/internal/loadtest"
)

// runWorker runs one share of a load, as a process that `--procs` started:
//
//	rapport-load worker --part K/N --run RUN LOAD [LOAD's flags]
//
// It writes its progress, that it is ready, and its tally as JSON values
// on stdout (workerEvent), and measures once stdin says "go".
func runWorker(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("worker", stderr)
	partFlag := fs.String("part", "0/1", "this worker's share: K/N, the K-th (from 0) of N")
	run := fs.String("run", "", "the run's name, the same for every worker")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var part loadtest.Part
	if _, err := fmt.Sscanf(*partFlag, "%d/%d", &part.Index, &part.Of); err != nil || part.Of < 1 || part.Index < 0 || part.Index >= part.Of {
		return usageError{fmt.Sprintf("--part: %q is not K/N", *partFlag)}
	}
	rest := fs.Args()
	share, ok := workerShares[firstOf(rest)]
	if !ok {
		return usageError{fmt.Sprintf("worker: unknown load %q", firstOf(rest))}
	}
	out := &workerOut{enc: json.NewEncoder(stdout)}
	part.Run = *run
	part.Ready = func(ctx context.Context) error { return out.ready(ctx, os.Stdin) }
	tally, err := share(ctx, rest[1:], part, out.progress, stderr)
	if err != nil {
		return err
	}
	b, err := json.Marshal(tally)
	if err != nil {
		return err
	}
	return out.send(workerEvent{Tally: b})
}

// workerShares run a share of each load that can be spread.
var workerShares = map[string]func(ctx context.Context, args []string, part loadtest.Part, progress func(string, int, int, int64), stderr io.Writer) (any, error){
	"chat": func(ctx context.Context, args []string, part loadtest.Part, progress func(string, int, int, int64), stderr io.Writer) (any, error) {
		o, _, _, err := chatFlags(args, stderr)
		if err != nil {
			return nil, err
		}
		o.Part, o.Progress = part, progress
		return loadtest.ChatShare(ctx, o)
	},
	"sfu": func(ctx context.Context, args []string, part loadtest.Part, progress func(string, int, int, int64), stderr io.Writer) (any, error) {
		o, _, _, err := sfuFlags(args, stderr)
		if err != nil {
			return nil, err
		}
		o.Part, o.Progress = part, progress
		return loadtest.SFUShare(ctx, o)
	},
	"tunnel": func(ctx context.Context, args []string, part loadtest.Part, progress func(string, int, int, int64), stderr io.Writer) (any, error) {
		o, _, err := tunnelFlags(args, stderr)
		if err != nil {
			return nil, err
		}
		o.Part, o.Progress = part, progress
		return loadtest.TunnelShare(ctx, o)
	},
}

// workerOut writes a worker's events, one at a time.
type workerOut struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (o *workerOut) send(e workerEvent) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.enc.Encode(e)
}

func (o *workerOut) progress(phase string, done, total int, sent int64) {
	o.send(workerEvent{Progress: &progressEvent{Phase: phase, Done: done, Total: total, Sent: sent}})
}

// ready says that this share is set up, and waits for the word to
// measure: a line on stdin.
func (o *workerOut) ready(ctx context.Context, stdin io.Reader) error {
	if err := o.send(workerEvent{Ready: true}); err != nil {
		return err
	}
	heard := make(chan error, 1)
	go func() {
		_, err := bufio.NewReader(stdin).ReadString('\n')
		heard <- err
	}()
	select {
	case err := <-heard:
		if err != nil {
			return errors.New("the generator that started this worker is gone")
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
