package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"rapport/internal/config"
)

const setupWebRTCSynopsis = `setup-webrtc [--env-file .env] [--turn-port 3478] [--rotate]

Writes a TURN secret (and TURN_PORT, for the embedded TURN server) into the
settings file, keeping what is there, and prints the ports a firewall must
open for calls. An existing secret is kept unless --rotate is given (then
browsers' current TURN credentials stop working).`

func runSetupWebRTC(_ context.Context, set settings, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("setup-webrtc", setupWebRTCSynopsis, stderr)
	file := fs.String("env-file", ".env", "the settings file to write")
	port := fs.Int("turn-port", 3478, "the embedded TURN server's port, if TURN_PORT is not set yet")
	rotate := fs.Bool("rotate", false, "replace an existing TURN_SECRET")
	if err := fs.Parse(args); err != nil {
		return err
	}
	env, err := config.ReadDotEnv(*file)
	if err != nil {
		return err
	}
	writes := map[string]string{}
	if set.has("TURN_SECRET") && !*rotate {
		fmt.Fprintln(stdout, "TURN_SECRET is set in the environment: kept")
	} else if env["TURN_SECRET"] == "" || *rotate {
		writes["TURN_SECRET"] = newSecret()
	}
	if env["TURN_PORT"] == "" && env["TURN_URLS"] == "" && !set.has("TURN_PORT") && !set.has("TURN_URLS") {
		writes["TURN_PORT"] = strconv.Itoa(*port)
	}
	if err := writeEnv(*file, writes); err != nil {
		return err
	}
	for _, k := range []string{"TURN_PORT", "TURN_SECRET"} {
		if _, ok := writes[k]; ok {
			fmt.Fprintf(stdout, "wrote %s to %s\n", k, *file)
		}
	}
	cfg, err := set.loadFrom(*file)
	if err != nil {
		return fmt.Errorf("the settings do not load now: %w", err)
	}
	printFirewall(stdout, cfg)
	return nil
}

// newSecret is 32 random bytes, base64url.
func newSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// writeEnv sets keys in a KEY=VALUE file, replacing their lines or adding
// them, and keeps every other line as it was. The file is the owner's only.
func writeEnv(path string, set map[string]string) error {
	if len(set) == 0 {
		return nil
	}
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	var out []string
	done := map[string]bool{}
	for line := range strings.Lines(string(old)) {
		line = strings.TrimRight(line, "\r\n")
		key, _, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(line), "export "), "=")
		if v, mine := set[strings.TrimSpace(key)]; ok && mine {
			line = strings.TrimSpace(key) + "=" + v
			done[strings.TrimSpace(key)] = true
		}
		out = append(out, line)
	}
	for _, k := range []string{"TURN_PORT", "TURN_SECRET"} {
		if v, ok := set[k]; ok && !done[k] {
			out = append(out, k+"="+v)
		}
	}
	// A new file, the owner's only from the start, put in place in one step:
	// the secret is never readable by others, even for a moment.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".env-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(strings.Join(out, "\n") + "\n"); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// printFirewall lists the ports calls need open.
func printFirewall(w io.Writer, cfg *config.Config) {
	wr := cfg.WebRTC
	fmt.Fprintln(w, "\nOpen these ports to the internet for calls:")
	fmt.Fprintln(w, "  TCP 443         the site, through your TLS reverse proxy")
	switch {
	case wr.UDPPort > 0:
		fmt.Fprintf(w, "  UDP %-11d media (WEBRTC_UDP_PORT)\n", wr.UDPPort)
	case wr.UDPPortMin > 0:
		fmt.Fprintf(w, "  UDP %d-%d media (WEBRTC_UDP_PORTS)\n", wr.UDPPortMin, wr.UDPPortMax)
	default:
		fmt.Fprintln(w, "  UDP 32768-60999 media, the system's ephemeral range (set WEBRTC_UDP_PORT to need only one)")
	}
	if wr.TCPPort > 0 {
		fmt.Fprintf(w, "  TCP %-11d media over TCP (WEBRTC_TCP_PORT)\n", wr.TCPPort)
	}
	if t := wr.TURN; t.Port > 0 {
		fmt.Fprintf(w, "  UDP+TCP %-7d the embedded TURN server (TURN_PORT)\n", t.Port)
		fmt.Fprintln(w, "  UDP 32768-60999 TURN relays, the system's ephemeral range")
		if t.TLSCert != "" {
			fmt.Fprintf(w, "  TCP %-11d TURN over TLS (TURN_TLS_PORT)\n", t.TLSPort)
		}
	}
	if wr.LoopbackOnly {
		fmt.Fprintln(w, "\nNote: media is on loopback only now (HOST and PUBLIC_URL are loopback); set PUBLIC_URL, or WEBRTC_LOOPBACK_ONLY=false, to take calls from other machines.")
	}
	fmt.Fprintln(w, "\nThen run `rapport diagnose` to check.")
}
