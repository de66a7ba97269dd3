package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"rapport/internal/auth"
)

// devTokenFlag adds --dev-token, the server's developer sign-in token.
func devTokenFlag(fs *flag.FlagSet, token *string) {
	fs.StringVar(token, "dev-token", "", "the server's developer sign-in token (default: read from $RAPPORT_DATA_DIR or ./data, "+auth.DevTokenFile+")")
}

// parseWithDevToken parses args and, without --dev-token, reads the token
// a server on this machine keeps in its data directory.
func parseWithDevToken(fs *flag.FlagSet, args []string, token *string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *token != "" {
		return nil
	}
	dir := os.Getenv("RAPPORT_DATA_DIR")
	if dir == "" {
		dir = "./data"
	}
	path := filepath.Join(dir, auth.DevTokenFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return usageError{fmt.Sprintf("--dev-token: not given, and %s does not exist: pass the token from the link `rapport serve` printed", path)}
	} else if err != nil {
		return fmt.Errorf("--dev-token: %w", err)
	}
	*token = strings.TrimSpace(string(b))
	return nil
}
