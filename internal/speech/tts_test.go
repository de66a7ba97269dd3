package speech

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestEspeak(t *testing.T) {
	bin := MustTool(t, EspeakBin)
	start := time.Now()
	p, err := Espeak{Bin: bin, Voice: "en-us"}.Synthesize(context.Background(), "tell me more about that")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%v of speech at %d Hz, %.1f dBFS, in %v", p.Duration(), p.Rate, p.Level(), time.Since(start).Round(time.Millisecond))
	if p.Rate != 22050 || p.Duration() < time.Second || p.Level() < -40 {
		t.Errorf("got %v at %d Hz and %.1f dBFS, want a second or more of speech at 22050 Hz", p.Duration(), p.Rate, p.Level())
	}
}

func TestEspeakTextIsNeverAnOption(t *testing.T) {
	bin := MustTool(t, EspeakBin)
	for _, text := range []string{"--help", "-v xx-nonexistent hello", "-w /tmp/espeak-test-owned.wav hi", "<speak>hi</speak>"} {
		p, err := Espeak{Bin: bin}.Synthesize(context.Background(), text)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		if p.Duration() < 200*time.Millisecond {
			t.Errorf("%q spoke only %v", text, p.Duration())
		}
	}
}

func TestEspeakErrors(t *testing.T) {
	bin := MustTool(t, EspeakBin)
	for _, tc := range []struct {
		name    string
		e       Espeak
		text    string
		wantErr string
	}{
		{"EmptyText", Espeak{Bin: bin}, " \n", "no text to speak"},
		{"UnknownVoice", Espeak{Bin: bin, Voice: "alloy"}, "hello", "-v alloy"},
		{"MissingProgram", Espeak{Bin: "/nonexistent/espeak-ng"}, "hello", "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.e.Synthesize(context.Background(), tc.text)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want one saying %q", err, tc.wantErr)
			}
			t.Log(err)
		})
	}
	if _, err := (Espeak{Bin: bin}).Synthesize(context.Background(), ""); !errors.Is(err, errNoText) {
		t.Errorf("empty text: %v", err)
	}
}

func TestEspeakCancelled(t *testing.T) {
	bin := MustTool(t, EspeakBin)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (Espeak{Bin: bin}).Synthesize(ctx, "hello"); err == nil {
		t.Error("a cancelled context: no error")
	}
}
