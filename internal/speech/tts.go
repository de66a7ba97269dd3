package speech

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// Synthesizer turns text into speech: the AI's mouth.
type Synthesizer interface {
	// Synthesize speaks text; the PCM's rate is the engine's own.
	Synthesize(ctx context.Context, text string) (PCM, error)
}

// EspeakBin is the speech synthesiser that Debian's espeak-ng package
// installs.
const EspeakBin = "espeak-ng"

// errNoText is what every engine says to an empty text.
var errNoText = errors.New("no text to speak")

// Espeak speaks locally with the installed espeak-ng: robotic but clear,
// and in well under a second.
type Espeak struct {
	Bin   string // the program; EspeakBin on PATH when empty
	Voice string // an espeak-ng voice like en-us; its default when empty
	Speed int    // words a minute; its default (175) when 0
}

// Synthesize runs espeak-ng with the text on its standard input, so that
// no text is ever taken for an option, and reads the WAV it writes to its
// standard output (22050 Hz).
func (e Espeak) Synthesize(ctx context.Context, text string) (PCM, error) {
	if strings.TrimSpace(text) == "" {
		return PCM{}, fmt.Errorf("espeak-ng: %w", errNoText)
	}
	args := []string{"--stdout", "--stdin"}
	if e.Voice != "" {
		args = append(args, "-v", e.Voice)
	}
	if e.Speed > 0 {
		args = append(args, "-s", strconv.Itoa(e.Speed))
	}
	bin := cmp.Or(e.Bin, EspeakBin)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = strings.NewReader(text)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return PCM{}, fmt.Errorf("run %s %s: %w%s", bin, strings.Join(args, " "), err, said(stderr.String()))
	}
	pcm, err := DecodeWAV(stdout.Bytes())
	if err != nil {
		return PCM{}, fmt.Errorf("run %s %s: %w%s", bin, strings.Join(args, " "), err, said(stderr.String()))
	}
	return pcm, nil
}

// said is what a program wrote to its standard error, as ": " and its
// start, or "" when it wrote nothing.
func said(stderr string) string {
	s := strings.TrimSpace(stderr)
	if s == "" {
		return ""
	}
	if len(s) > maxErrorShown {
		s = s[:maxErrorShown] + "…"
	}
	return ": " + s
}
