package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"rapport/internal/store"
)

func runMigrate(ctx context.Context, set settings, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("migrate", "migrate [up|status|down]", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: rapport migrate [up|status|down]\n\n"+
			"  up      apply every pending migration (the default; serve does this too)\n"+
			"  status  list the migrations and when each was applied\n"+
			"  down    revert the newest applied migration (one step)")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	action := "up"
	if fs.NArg() > 1 {
		return usageError{"migrate takes one action: up, status or down"}
	} else if fs.NArg() == 1 {
		action = fs.Arg(0)
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
	switch action {
	case "up":
		return migrateUp(ctx, db, stdout)
	case "status":
		return migrateStatus(ctx, db, stdout)
	case "down":
		return migrateDown(ctx, db, stdout)
	}
	return usageError{fmt.Sprintf("unknown action %q: use up, status or down", action)}
}

func migrateUp(ctx context.Context, db *store.DB, w io.Writer) error {
	done, err := db.Migrate(ctx)
	for _, m := range done {
		fmt.Fprintf(w, "applied %04d %s\n", m.Version, m.Name)
	}
	if err == nil && len(done) == 0 {
		fmt.Fprintf(w, "%s is up to date\n", db.Where)
	}
	return err
}

func migrateStatus(ctx context.Context, db *store.DB, w io.Writer) error {
	all, err := db.Migrations(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s (%s)\n", db.Where, db.Dialect.Name())
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tNAME\tAPPLIED")
	for _, m := range all {
		applied := "pending"
		if m.AppliedAt != nil {
			applied = m.AppliedAt.Format("2006-01-02 15:04:05 MST")
		}
		fmt.Fprintf(tw, "%04d\t%s\t%s\n", m.Version, m.Name, applied)
	}
	return tw.Flush()
}

func migrateDown(ctx context.Context, db *store.DB, w io.Writer) error {
	m, err := db.MigrateDown(ctx)
	if err != nil {
		return err
	}
	if m == nil {
		fmt.Fprintln(w, "no migration is applied; nothing to revert")
		return nil
	}
	fmt.Fprintf(w, "reverted %04d %s\n", m.Version, m.Name)
	return nil
}
