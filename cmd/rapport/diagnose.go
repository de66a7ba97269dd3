package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"rapport/internal/diagnose"
	"rapport/internal/server"
)

const diagnoseSynopsis = `diagnose [--json]

Checks that calls can work where the server runs, with its settings (the
environment and .env): browser access to cameras (https), the UDP and TCP
ports for media, the public address (STUN), a relay from the TURN server,
and a call through the SFU on this machine. Each check prints a verdict and
what to do when something is wrong; the exit status is 1 when one fails.`

func runDiagnose(ctx context.Context, set settings, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("diagnose", diagnoseSynopsis, stderr)
	asJSON := fs.Bool("json", false, "print the verdicts as one JSON array")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := set.load()
	if err != nil {
		fmt.Fprintf(stdout, "%s settings: %v\n", mark(diagnose.Fail), err)
		return errDiagnose
	}
	progress := func(c diagnose.Check) {
		if *asJSON {
			return
		}
		fmt.Fprintf(stdout, "%s %s: %s\n", mark(c.Status), c.Name, c.Detail)
		if c.Fix != "" {
			fmt.Fprintf(stdout, "    → %s\n", c.Fix)
		}
	}
	if !*asJSON {
		fmt.Fprintf(stdout, "%s settings: loaded\n", mark(diagnose.OK))
	}
	checks := diagnose.Run(ctx, server.DiagnoseOptions(cfg), nil, progress)
	if *asJSON {
		b, _ := json.MarshalIndent(checks, "", "  ")
		fmt.Fprintln(stdout, string(b))
	}
	if diagnose.Failed(checks) {
		return errDiagnose
	}
	return nil
}

// errDiagnose is a diagnosis that found a failure: the verdicts said why.
var errDiagnose = errors.New("a check failed (see above)")

func mark(s diagnose.Status) string {
	return map[diagnose.Status]string{diagnose.OK: "✔", diagnose.Skip: "–", diagnose.Warn: "!", diagnose.Fail: "✖"}[s]
}
