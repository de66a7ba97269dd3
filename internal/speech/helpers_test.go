package speech

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// testPhrases are what the AI's tests hear: things a client says to a
// coach.
var testPhrases = []string{
	"what should i focus on this week",
	"tell me more about that",
	"thank you that was helpful",
}

// MustTool finds an installed program, skipping tb when it is missing,
// or failing it under CI=true, where scripts/test-deps.sh installs it.
func MustTool(tb testing.TB, name string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		tb.Fatalf("%s is not installed; scripts/test-deps.sh installs it", name)
	}
	tb.Skipf("%s is not installed; scripts/test-deps.sh installs it", name)
	return ""
}

// spoken caches espeak-ng's renderings of phrases for the whole run.
var spoken struct {
	sync.Mutex
	pcm map[string]PCM
}

// MustSpeak is phrase as espeak-ng says it (US English, 140 words a
// minute), at 16 kHz.
func MustSpeak(tb testing.TB, phrase string) PCM {
	tb.Helper()
	bin := MustTool(tb, EspeakBin)
	spoken.Lock()
	defer spoken.Unlock()
	if p, ok := spoken.pcm[phrase]; ok {
		return p
	}
	p, err := Espeak{Bin: bin, Voice: "en-us", Speed: 140}.Synthesize(context.Background(), phrase)
	if err != nil {
		tb.Fatal(err)
	}
	p = p.Resample(VADRate)
	if spoken.pcm == nil {
		spoken.pcm = map[string]PCM{}
	}
	spoken.pcm[phrase] = p
	return p
}

// MustGrammarFile writes a JSGF grammar of the test phrases and returns
// its path.
func MustGrammarFile(tb testing.TB) string {
	tb.Helper()
	g, err := Grammar(testPhrases...)
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(tb.TempDir(), "phrases.gram")
	if err := os.WriteFile(path, []byte(g), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

// noise is n samples of white noise at about level dBFS, the same for
// the same seed.
func noise(n int, level float64, seed uint64) []int16 {
	r := rand.New(rand.NewPCG(seed, 1))
	sd := 32768 * math.Pow(10, level/20)
	out := make([]int16, n)
	for i := range out {
		out[i] = clamp16(r.NormFloat64() * sd)
	}
	return out
}

// mix adds b into a, saturating.
func mix(a, b []int16) {
	for i := range min(len(a), len(b)) {
		a[i] = clamp16(float64(a[i]) + float64(b[i]))
	}
}

// speechSpan is where the speech in clean audio starts and ends: the
// first and last 5 ms above -60 dBFS.
func speechSpan(p PCM) (start, end time.Duration) {
	step := p.Rate / 200
	first, last := -1, -1
	for i := 0; i+step <= len(p.Samples); i += step {
		if Level(p.Samples[i:i+step]) > -60 {
			if first < 0 {
				first = i
			}
			last = i + step
		}
	}
	at := func(n int) time.Duration { return time.Duration(n) * time.Second / time.Duration(p.Rate) }
	return at(first), at(last)
}

// sine is a tone of freq Hz at amplitude amp for d.
func sine(rate int, freq, amp float64, d time.Duration) PCM {
	n := int(d * time.Duration(rate) / time.Second)
	p := PCM{Rate: rate, Samples: make([]int16, n)}
	for i := range p.Samples {
		p.Samples[i] = clamp16(amp * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
	}
	return p
}
