package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"

	"rapport/internal/membership"
	"rapport/internal/server"
	"rapport/internal/store"
)

const syncSkoolSynopsis = `sync-skool [--dry-run] [--community coaches|clients]

Reads the members of the two Skool communities (SKOOL_COACH_COMMUNITY makes
coaches, SKOOL_CLIENT_COMMUNITY clients) with a headless browser, and turns
them into roles: it prints a table of the changes. --dry-run shows the plan
and writes nothing; --community reads only one community (the other stays
as the last run read it). A run that reads far fewer members than the last
good one (SKOOL_SAFETY_THRESHOLD, 80%) changes nothing and exits 1.`

func runSyncSkool(ctx context.Context, set settings, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sync-skool", syncSkoolSynopsis, stderr)
	dry := fs.Bool("dry-run", false, "show the plan and write nothing")
	only := fs.String("community", "", "read only this community: coaches or clients")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *only != "" && *only != string(membership.Coaches) && *only != string(membership.Clients) {
		return usageError{fmt.Sprintf("--community must be coaches or clients, not %q", *only)}
	}
	cfg, err := set.load()
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	s, err := server.SkoolSyncer(cfg, db, "sync-skool", nil)
	if err != nil {
		return err
	}
	defer s.Scraper.Close()
	bars := &syncBars{w: stderr}
	start := time.Now()
	rep, err := s.Run(ctx, membership.Options{DryRun: *dry, Only: membership.Community(*only), Progress: bars.update})
	bars.finish()
	if rep != nil {
		printSyncReport(stdout, rep, time.Since(start))
	}
	if errors.Is(err, membership.ErrStopped) {
		return fmt.Errorf("%s", rep.Plan.Stopped)
	}
	return err
}

// printSyncReport prints what a run read and the table of its changes.
func printSyncReport(w io.Writer, rep *membership.Report, took time.Duration) {
	r := rep.Run
	fmt.Fprintf(w, "run %d: %s in %s; read %d in the coaches' community, %d in the clients'\n",
		r.ID, strings.ReplaceAll(string(r.Outcome), "_", " "), took.Round(100*time.Millisecond), r.Coaches, r.Clients)
	if rep.Plan.Stopped != "" {
		fmt.Fprintln(w, "stopped:", rep.Plan.Stopped)
		return
	}
	if len(rep.Plan.Users) == 0 {
		fmt.Fprintln(w, "no changes")
		return
	}
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tROLE\tSTATUS\tWHY")
	for _, c := range rep.Plan.Users {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Email, arrow(string(c.FromRole), string(c.ToRole)), arrow(string(c.FromStatus), string(c.ToStatus)), c.Why)
	}
	tw.Flush()
	if r.Outcome == membership.DryRun {
		fmt.Fprintf(w, "%d changes planned; nothing was written (dry run)\n", len(rep.Plan.Users))
	} else {
		fmt.Fprintf(w, "%d changes applied\n", len(rep.Plan.Users))
	}
}

// arrow shows a value that changes as "from → to", else as it is.
func arrow(from, to string) string {
	switch {
	case from == to:
		return to
	case from == "":
		return "(new) " + to
	}
	return from + " → " + to
}

// syncBars shows a progress bar per community being read.
type syncBars struct {
	w   io.Writer
	c   membership.Community
	bar *progressbar.ProgressBar
}

func (b *syncBars) update(c membership.Community, read, total int) {
	if c != b.c || b.bar == nil {
		b.finish()
		b.c = c
		max := total
		if max <= 0 {
			max = -1 // a spinner until the page says how many
		}
		b.bar = progressbar.NewOptions(max, progressbar.OptionSetWriter(b.w), progressbar.OptionSetDescription("reading the "+string(c)+"' community"),
			progressbar.OptionShowCount(), progressbar.OptionSetWidth(30), progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
	}
	if total > 0 {
		b.bar.ChangeMax(total)
	}
	b.bar.Set(read)
}

func (b *syncBars) finish() {
	if b.bar != nil {
		b.bar.Finish()
		fmt.Fprintln(b.w)
		b.bar = nil
	}
}
