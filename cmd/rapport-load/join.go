package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"rapport/internal/loadtest"
)

// runJoin measures joins in Chromium (`rapport-load join`): how long the
// room page takes from its navigation to each step of the join, and to the
// other person's first picture.
func runJoin(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("join", stderr)
	var o loadtest.JoinOptions
	fs.StringVar(&o.Server, "server", "http://127.0.0.1:8080", "the server's base URL (loopback, with the dev sign-in)")
	devTokenFlag(fs, &o.DevToken)
	fs.IntVar(&o.Runs, "runs", 10, "joins to measure")
	fs.BoolVar(&o.Fresh, "fresh", false, "join each time from a fresh browser context (nothing cached) instead of an open dashboard")
	fs.BoolVar(&o.P2P, "p2p", false, "a peer-to-peer room")
	fs.BoolVar(&o.BlockDirect, "block-direct", false, "with --p2p: the client's direct connections cannot get out (the join measures the fall back to the server)")
	fs.DurationVar(&o.CameraDelay, "camera-delay", 0, "how long the camera and microphone take to open, as a real camera's do (the fake ones open at once)")
	fs.StringVar(&o.Chromium, "chromium", "", "the browser (default: $RAPPORT_CHROMIUM, or chromium on PATH)")
	if err := parseWithDevToken(fs, args, &o.DevToken); err != nil {
		return err
	}
	if o.Runs < 1 || (o.BlockDirect && !o.P2P) {
		return usageError{"--runs must be at least 1; --block-direct needs --p2p"}
	}
	bar := newLoadBar(stderr)
	o.Progress = bar.update
	res, err := loadtest.Join(ctx, o)
	bar.finish()
	if err != nil {
		return err
	}
	printJoin(stdout, res)
	b, _ := json.Marshal(res)
	fmt.Fprintln(stdout, string(b))
	return nil
}

// printJoin draws each step's median as a bar from the navigation, with
// its 90th percentile.
func printJoin(w io.Writer, r *loadtest.JoinResult) {
	fmt.Fprintf(w, "%d joins from %s; milliseconds from the room page's navigation (median, 90th percentile)\n", r.Runs, map[string]string{
		"dashboard": "an open dashboard", "fresh": "a fresh browser"}[r.From])
	longest := 1.0
	for _, s := range r.Steps {
		longest = max(longest, s.P50Ms)
	}
	for _, s := range r.Steps {
		n := int(40 * s.P50Ms / longest)
		fmt.Fprintf(w, "%-10s %-40s %6.0f %6.0f\n", s.Name, strings.Repeat("█", n), s.P50Ms, s.P90Ms)
	}
}
