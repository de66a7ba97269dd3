package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/store"
)

const userSynopsis = `user <action> [flags]

  list       [--role R] [--status S] [--q TEXT]   list users
  create     --email E --role R [--name N]        add a user ahead of their first sign-in
  set-role   --email E --role R                   change a role (admin, coach, client)
  disable    --email E                            stop a user from signing in (ends their sessions)
  enable     --email E                            let a disabled user sign in again

This is how an operator makes the first admin or coach:
  rapport user create --email you@example.com --role admin`

func runUser(ctx context.Context, set settings, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(stderr, "Usage: rapport "+userSynopsis)
		if len(args) == 0 {
			return usageError{"an action is required"}
		}
		return nil
	}
	action, args := args[0], args[1:]
	fs := newFlags("user "+action, userSynopsis, stderr)
	email := fs.String("email", "", "the user's email address")
	name := fs.String("name", "", "display name (create)")
	role := fs.String("role", "", "admin, coach or client")
	status := fs.String("status", "", "filter by status: active, invited or disabled (list)")
	query := fs.String("q", "", "filter by part of the name or email (list)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	svc, closeDB, err := operatorService(ctx, set)
	if err != nil {
		return err
	}
	defer closeDB()
	ctx = app.WithActor(ctx, app.Operator)
	switch action {
	case "list":
		return listUsers(ctx, svc, stdout, coaching.UserFilter{Role: app.Role(*role), Status: coaching.UserStatus(*status), Query: *query})
	case "create":
		u, err := svc.CreateUser(ctx, coaching.NewUser{Email: *email, Name: *name, Role: app.Role(*role)})
		return printUser(stdout, "created", u, err)
	case "set-role":
		r := app.Role(*role)
		return changeUser(ctx, svc, stdout, *email, coaching.UserChange{Role: &r})
	case "disable", "enable":
		st := coaching.StatusDisabled
		if action == "enable" {
			st = coaching.StatusActive
		}
		return changeUser(ctx, svc, stdout, *email, coaching.UserChange{Status: &st})
	}
	return usageError{fmt.Sprintf("unknown action %q: use list, create, set-role, disable or enable", action)}
}

// operatorService opens and migrates the database set configures.
func operatorService(ctx context.Context, set settings) (*coaching.Service, func(), error) {
	cfg, err := set.load()
	if err != nil {
		return nil, nil, err
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return nil, nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, nil, err
	}
	return coaching.NewService(db, nil), func() { db.Close() }, nil
}

func changeUser(ctx context.Context, svc *coaching.Service, w io.Writer, email string, ch coaching.UserChange) error {
	u, err := svc.UserByEmail(ctx, email)
	if err != nil {
		return err
	}
	if ch.Status != nil && *ch.Status == coaching.StatusActive && u.Status == coaching.StatusInvited {
		return fmt.Errorf("%s has not signed in yet; they become active at their first sign-in", u.Email)
	}
	u, err = svc.UpdateUser(ctx, u.ID, ch)
	return printUser(w, "updated", u, err)
}

func printUser(w io.Writer, verb string, u *coaching.User, err error) error {
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s user %d: %s, %s, %s\n", verb, u.ID, u.Email, u.Role, u.Status)
	return nil
}

func listUsers(ctx context.Context, svc *coaching.Service, w io.Writer, f coaching.UserFilter) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLE\tSTATUS\tCREATED")
	for offset := 0; ; offset += 200 {
		f.Page = coaching.Page{Limit: 200, Offset: offset}
		users, err := svc.ListUsers(ctx, f)
		if err != nil {
			return err
		}
		for _, u := range users {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Name, u.Role, u.Status, u.CreatedAt.Format("2006-01-02"))
		}
		if len(users) < 200 {
			return tw.Flush()
		}
	}
}
