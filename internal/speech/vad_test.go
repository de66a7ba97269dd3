package speech

import (
	"fmt"
	"testing"
	"time"
)

// scene is a stream of phrases with pauses, in background noise, and
// where each phrase's speech truly starts and ends in it.
type scene struct {
	pcm        PCM
	starts     []time.Duration
	ends       []time.Duration
	utterances []PCM // each phrase alone, clean
}

// MustScene puts the test phrases in a stream: lead, then each phrase
// followed by gap, all in white noise at noiseDB dBFS.
func MustScene(tb testing.TB, lead, gap time.Duration, noiseDB float64) scene {
	tb.Helper()
	var s scene
	s.pcm.Rate = VADRate
	pad := func(d time.Duration) {
		s.pcm.Samples = append(s.pcm.Samples, make([]int16, int(d*VADRate/time.Second))...)
	}
	pad(lead)
	for _, phrase := range testPhrases {
		p := MustSpeak(tb, phrase)
		at := s.pcm.Duration()
		start, end := speechSpan(p)
		s.starts, s.ends = append(s.starts, at+start), append(s.ends, at+end)
		s.utterances = append(s.utterances, p)
		s.pcm.Samples = append(s.pcm.Samples, p.Samples...)
		pad(gap)
	}
	mix(s.pcm.Samples, noise(len(s.pcm.Samples), noiseDB, 7))
	return s
}

// pushAll feeds a stream to a detector in 20 ms frames and returns the
// events.
func pushAll(turns *Turns, pcm PCM) []Event {
	var events []Event
	for _, f := range pcm.Frames(VADFrame) {
		if ev := turns.Push(f); ev.Kind != NoEvent {
			events = append(events, ev)
		}
	}
	return events
}

func TestTurnsOnePerPhrase(t *testing.T) {
	for _, noiseDB := range []float64{-75, -55, -45} {
		t.Run(fmt.Sprintf("Noise%.0fdBFS", noiseDB), func(t *testing.T) {
			s := MustScene(t, 700*time.Millisecond, 1200*time.Millisecond, noiseDB)
			events := pushAll(NewTurns(TurnOptions{}), s.pcm)
			if len(events) != 2*len(testPhrases) {
				t.Fatalf("got %d events, want a start and an end for each of %d phrases: %v", len(events), len(testPhrases), kinds(events))
			}
			for i, phrase := range testPhrases {
				started, ended := events[2*i], events[2*i+1]
				if started.Kind != SpeechStarted || ended.Kind != TurnEnded {
					t.Fatalf("events %v, want start, end, start, end...", kinds(events))
				}
				startDelay, endDelay := started.At-s.starts[i], ended.At-s.ends[i]
				t.Logf("%q: speech started %v after its start; turn ended %v after its end, %v of audio",
					phrase, startDelay, endDelay, ended.Utterance.Duration())
				if startDelay < 60*time.Millisecond || startDelay > 200*time.Millisecond {
					t.Errorf("%q: speech started %v after the true start, want 60-200 ms", phrase, startDelay)
				}
				if endDelay <= 0 || endDelay > 300*time.Millisecond {
					t.Errorf("%q: the turn ended %v after the true end, want within 300 ms", phrase, endDelay)
				}
				if u := ended.Utterance; u.Rate != VADRate || u.Duration() < s.ends[i]-s.starts[i]+endDelay {
					t.Errorf("%q: utterance of %v at %d Hz, want all of the speech at 16 kHz", phrase, u.Duration(), u.Rate)
				}
			}
		})
	}
}

// kinds lists events for failure messages.
func kinds(events []Event) []string {
	var out []string
	for _, e := range events {
		out = append(out, fmt.Sprintf("%v at %v", e.Kind, e.At))
	}
	return out
}

func TestTurnsIgnoreSteadyNoise(t *testing.T) {
	hum := sine(VADRate, 100, 3000, 6*time.Second) // mains hum, about -20 dBFS
	for _, tc := range []struct {
		name string
		pcm  PCM
	}{
		{"WhiteNoise-30dBFS", PCM{Rate: VADRate, Samples: noise(6*VADRate, -30, 3)}},
		{"Hum", hum},
		{"HumAndNoise", PCM{Rate: VADRate, Samples: func() []int16 {
			s := append([]int16(nil), hum.Samples...)
			mix(s, noise(len(s), -40, 4))
			return s
		}()}},
		{"DigitalSilence", PCM{Rate: VADRate, Samples: make([]int16, 3*VADRate)}},
		{"Click", PCM{Rate: VADRate, Samples: append(noise(VADFrame*2, -10, 5), make([]int16, VADRate)...)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if events := pushAll(NewTurns(TurnOptions{}), tc.pcm); len(events) != 0 {
				t.Errorf("events in %s: %v", tc.name, kinds(events))
			}
		})
	}
}

func TestTurnsMaxTurn(t *testing.T) {
	talk := sine(VADRate, 200, 8000, 3*time.Second)
	talk.Samples = append(make([]int16, VADRate/2), talk.Samples...)
	events := pushAll(NewTurns(TurnOptions{MaxTurn: time.Second}), talk)
	if len(events) < 2 || events[1].Kind != TurnEnded || events[1].Utterance.Duration() != time.Second {
		t.Fatalf("events %v, want a turn cut at 1 s", kinds(events))
	}
}

func TestRing(t *testing.T) {
	r := newRing(4)
	for _, tc := range []struct {
		write []int16
		want  []int16
	}{
		{[]int16{1, 2}, []int16{1, 2}},
		{[]int16{1, 2, 3}, []int16{1, 2, 3}},
		{[]int16{1, 2, 3, 4, 5}, []int16{2, 3, 4, 5}},
		{[]int16{1, 2, 3, 4, 5, 6, 7, 8, 9}, []int16{6, 7, 8, 9}},
	} {
		for _, s := range tc.write {
			r.write([]int16{s})
		}
		if got := r.drain(nil); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("wrote %v one by one, drained %v, want %v", tc.write, got, tc.want)
		}
		r.write(tc.write)
		if got := r.drain(nil); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("wrote %v at once, drained %v, want %v", tc.write, got, tc.want)
		}
	}
}

func BenchmarkTurnsPush(b *testing.B) {
	s := MustScene(b, 500*time.Millisecond, time.Second, -55)
	frames := s.pcm.Frames(VADFrame)
	turns := NewTurns(TurnOptions{})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		turns.Push(frames[i%len(frames)])
	}
}

func TestTurnsNoiseThatStartsAndStays(t *testing.T) {
	quiet := noise(VADRate, -75, 8)
	loud := noise(10*VADRate, -30, 9)
	events := pushAll(NewTurns(TurnOptions{}), PCM{Rate: VADRate, Samples: append(quiet, loud...)})
	// A fan switched on sounds like a voice at first; once it has been the
	// background for the noise floor's window, it no longer is.
	if len(events) > 2 || (len(events) == 2 && events[1].At > 7*time.Second) {
		t.Errorf("events %v, want at most one turn, over by 7 s", kinds(events))
	}
}
