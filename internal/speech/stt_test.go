package speech

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// padded is p with d of silence on both sides.
func padded(p PCM, d time.Duration) PCM {
	n := int(d * time.Duration(p.Rate) / time.Second)
	s := make([]int16, 0, 2*n+len(p.Samples))
	s = append(s, make([]int16, n)...)
	s = append(s, p.Samples...)
	return PCM{Rate: p.Rate, Samples: append(s, make([]int16, n)...)}
}

// MustRecognise transcribes pcm with pocketsphinx and the test phrases'
// grammar, failing tb unless it hears want.
func MustRecognise(tb testing.TB, stt Transcriber, pcm PCM, want string) {
	tb.Helper()
	start := time.Now()
	got, err := stt.Transcribe(context.Background(), pcm)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Logf("%q recognised as %q in %v", want, got, time.Since(start).Round(time.Millisecond))
	if got != want {
		tb.Errorf("recognised %q, want %q", got, want)
	}
}

func TestPocketsphinxGrammar(t *testing.T) {
	stt := Pocketsphinx{Bin: MustTool(t, PocketsphinxBin), Grammar: MustGrammarFile(t)}
	for _, phrase := range testPhrases {
		MustRecognise(t, stt, padded(MustSpeak(t, phrase), 300*time.Millisecond), phrase)
	}
}

func TestPocketsphinxAfterTurns(t *testing.T) {
	stt := Pocketsphinx{Bin: MustTool(t, PocketsphinxBin), Grammar: MustGrammarFile(t)}
	s := MustScene(t, 500*time.Millisecond, time.Second, -55)
	var heard []PCM
	for _, ev := range pushAll(NewTurns(TurnOptions{}), s.pcm) {
		if ev.Kind == TurnEnded {
			heard = append(heard, ev.Utterance)
		}
	}
	if len(heard) != len(testPhrases) {
		t.Fatalf("%d turns, want %d", len(heard), len(testPhrases))
	}
	for i, phrase := range testPhrases {
		MustRecognise(t, stt, heard[i], phrase)
	}
}

func TestPocketsphinxErrors(t *testing.T) {
	bin := MustTool(t, PocketsphinxBin)
	bad := filepath.Join(t.TempDir(), "bad.gram")
	if err := os.WriteFile(bad, []byte("not a grammar\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pcm := padded(MustSpeak(t, testPhrases[0]), 100*time.Millisecond)
	for _, tc := range []struct {
		name    string
		stt     Pocketsphinx
		wantErr string
	}{
		{"BadGrammar", Pocketsphinx{Bin: bin, Grammar: bad}, "Failed to parse JSGF grammar"},
		{"MissingGrammar", Pocketsphinx{Bin: bin, Grammar: bad + ".missing"}, "bad.gram.missing"},
		{"MissingProgram", Pocketsphinx{Bin: "/nonexistent/pocketsphinx_continuous"}, "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.stt.Transcribe(context.Background(), pcm)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want one saying %q", err, tc.wantErr)
			}
			t.Log(err)
		})
	}
}

func TestGrammar(t *testing.T) {
	g, err := Grammar("What should I focus on, this week?", "  ", "Don't stop")
	if err != nil {
		t.Fatal(err)
	}
	want := "public <phrase> = what should i focus on this week | don't stop;"
	if !strings.Contains(g, want) || !strings.HasPrefix(g, "#JSGF V1.0;") {
		t.Errorf("Grammar =\n%s\nwant a JSGF grammar with %q", g, want)
	}
	if _, err := Grammar("?!"); err == nil {
		t.Error("Grammar with no words: no error")
	}
}
