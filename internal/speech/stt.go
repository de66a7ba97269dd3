package speech

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"unicode"
)

// Transcriber turns speech into text: the AI's ears.
type Transcriber interface {
	// Transcribe returns what was said in pcm, "" for nothing.
	Transcribe(ctx context.Context, pcm PCM) (string, error)
}

// PocketsphinxBin is the recogniser that Debian's pocketsphinx package
// installs (pocketsphinx 5prealpha; pocketsphinx-en-us brings its model).
const PocketsphinxBin = "pocketsphinx_continuous"

// Pocketsphinx recognises speech locally with the installed
// pocketsphinx_continuous and its US English model. Its open vocabulary
// is poor on real rooms; with a JSGF grammar of the phrases it should
// expect, it is exact and quick.
type Pocketsphinx struct {
	Bin     string // the program; PocketsphinxBin on PATH when empty
	Grammar string // a JSGF grammar file; the open vocabulary when empty
}

// Transcribe resamples pcm to 16 kHz and pipes it to the recogniser as a
// WAV file. The recogniser splits the audio where it hears pauses, and
// prints a line for each part: the lines are joined with spaces.
func (p Pocketsphinx) Transcribe(ctx context.Context, pcm PCM) (string, error) {
	if err := pcm.check(); err != nil {
		return "", fmt.Errorf("pocketsphinx: %w", err)
	}
	bin := cmp.Or(p.Bin, PocketsphinxBin)
	args := []string{"-infile", "/dev/stdin"}
	if p.Grammar != "" {
		args = append(args, "-jsgf", p.Grammar)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = bytes.NewReader(pcm.Resample(VADRate).WAV())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("run %s %s: %w%s", bin, strings.Join(args, " "), err, problems(stderr.String()))
	}
	return strings.Join(strings.Fields(stdout.String()), " "), nil
}

// problems picks the ERROR and FATAL lines out of a sphinx log, as ": "
// and the lines joined by "; ", or "" when there are none.
func problems(log string) string {
	var out []string
	for line := range strings.Lines(log) {
		if strings.HasPrefix(line, "ERROR") || strings.HasPrefix(line, "FATAL") {
			out = append(out, strings.TrimSpace(line))
		}
	}
	if len(out) == 0 {
		return ""
	}
	return ": " + strings.Join(out, "; ")
}

// Grammar is a JSGF grammar that accepts exactly one of phrases: lower
// case words, punctuation dropped. Every word must be in the recogniser's
// dictionary.
func Grammar(phrases ...string) (string, error) {
	var alts []string
	for _, p := range phrases {
		words := strings.FieldsFunc(strings.ToLower(p), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
		})
		if len(words) > 0 {
			alts = append(alts, strings.Join(words, " "))
		}
	}
	if len(alts) == 0 {
		return "", errors.New("JSGF grammar: no phrases with words")
	}
	return "#JSGF V1.0;\ngrammar phrases;\npublic <phrase> = " + strings.Join(alts, " | ") + ";\n", nil
}
