// Command rapport is the whole Rapport coaching platform in one binary:
// `rapport serve` runs it; `migrate`, `user`, `backup`, `restore` and
// `version` help operate it.
// `rapport help` lists the commands and `rapport CMD -h` their flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // time zones work on hosts without a zoneinfo database
)

// command is one subcommand of the binary.
type command struct {
	name, summary string
	run           func(ctx context.Context, set settings, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "run the web server (the default)", runServe},
		{"migrate", "apply, inspect or revert database migrations (up, status, down)", runMigrate},
		{"user", "manage users from the server: list, create, set-role, disable, enable", runUser},
		{"diagnose", "check that calls can work here: ports, public address, TURN, a call through the SFU", runDiagnose},
		{"setup-webrtc", "write a TURN secret into .env and print the ports a firewall must open", runSetupWebRTC},
		{"backup", "write the database and the data directory's files into one archive, while the server runs", runBackup},
		{"restore", "put a backup back into a new or empty data directory", runRestore},
		{"sync-skool", "read the two Skool communities and turn their members into roles (--dry-run shows the plan)", runSyncSkool},
		{"version", "print the version", runVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C ends the process at once, not after the drain
	}()
	code := run(ctx, processSettings(), os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches to a subcommand, with its settings from set, and returns
// the exit code: 0 for success, 1 for a failure, 2 for a usage error.
func run(ctx context.Context, set settings, args []string, stdout, stderr io.Writer) int {
	name := "serve"
	if len(args) > 0 {
		name, args = args[0], args[1:]
	}
	if name == "help" || name == "-h" || name == "--help" {
		usage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name == name {
			err := c.run(ctx, set, args, stdout, stderr)
			switch {
			case err == nil:
				return 0
			case errors.Is(err, flag.ErrHelp):
				return 0
			case errors.As(err, new(usageError)):
				fmt.Fprintf(stderr, "rapport %s: %v\n", name, err)
				return 2
			}
			fmt.Fprintf(stderr, "rapport %s: %v\n", name, err)
			return 1
		}
	}
	if moved, ok := movedCommands[name]; ok {
		fmt.Fprintf(stderr, "rapport %s: %s\n", name, moved)
		return 2
	}
	fmt.Fprintf(stderr, "rapport: unknown command %q\n\n", name)
	usage(stderr)
	return 2
}

// movedCommands say where a command that has left this binary went.
var movedCommands = map[string]string{
	"loadtest": "the load generator is a binary of its own, so that the server's holds none: " +
		"`rapport-load chat|sfu|tunnel|udp` takes the same flags (go build ./cmd/rapport-load, or make build)",
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Rapport: a self-hosted coaching platform.\n\nUsage: rapport <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nSettings come from the environment and a .env file; `rapport serve -h` lists them.")
	fmt.Fprintln(w, "Run `rapport <command> -h` for the flags of a command.")
}

// usageError is a mistake in the command line rather than a failure.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// newFlags returns a flag set that prints its usage to stderr and returns
// errors instead of exiting.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: rapport %s\n\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}
