package speech

import (
	"context"
	"testing"
	"time"
)

// MustOpusRoundTrip encodes pcm as 20 ms Opus packets at 48 kHz and
// decodes them again; lost packets (by index) are concealed.
func MustOpusRoundTrip(tb testing.TB, pcm PCM, lost map[int]bool) PCM {
	tb.Helper()
	enc, err := NewEncoder(0)
	if err != nil {
		tb.Fatal(err)
	}
	dec, err := NewDecoder()
	if err != nil {
		tb.Fatal(err)
	}
	packets, err := enc.EncodePCM(pcm)
	if err != nil {
		tb.Fatal(err)
	}
	var frames [][]int16
	for i, pkt := range packets {
		if lost[i] {
			pkt = nil
		}
		f, err := dec.Decode(pkt)
		if err != nil {
			tb.Fatal(err)
		}
		if len(f) != OpusFrame {
			tb.Fatalf("packet %d decoded to %d samples, want %d", i, len(f), OpusFrame)
		}
		frames = append(frames, f)
	}
	return Join(OpusRate, frames)
}

func TestOpusRoundTripRecognised(t *testing.T) {
	stt := Pocketsphinx{Bin: MustTool(t, PocketsphinxBin), Grammar: MustGrammarFile(t)}
	espeak := Espeak{Bin: MustTool(t, EspeakBin), Voice: "en-us", Speed: 140}
	for _, phrase := range testPhrases {
		raw, err := espeak.Synthesize(context.Background(), phrase)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		back := MustOpusRoundTrip(t, padded(raw, 300*time.Millisecond), nil)
		t.Logf("%v of speech through Opus and back in %v", back.Duration(), time.Since(start).Round(time.Millisecond))
		if back.Rate != OpusRate || back.Duration() < raw.Duration() {
			t.Fatalf("got %v at %d Hz from %v", back.Duration(), back.Rate, raw.Duration())
		}
		MustRecognise(t, stt, back, phrase)
	}
}

func TestOpusConcealsLoss(t *testing.T) {
	tone := sine(OpusRate, 440, 8000, time.Second)
	back := MustOpusRoundTrip(t, tone, map[int]bool{20: true, 21: true})
	lostLevel := Level(back.Samples[20*OpusFrame : 22*OpusFrame])
	if lostLevel < tone.Level()-12 {
		t.Errorf("two lost packets of a tone came out at %.1f dBFS, want near the tone's %.1f (concealed, not silent)", lostLevel, tone.Level())
	}
}

func TestOpusErrors(t *testing.T) {
	enc, err := NewEncoder(24000)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := enc.Encode(make([]int16, 320)); err == nil {
		t.Error("Encode of a 320-sample frame: no error")
	}
	if _, err := NewEncoder(-5); err == nil {
		t.Error("NewEncoder(-5): no error")
	}
	dec, err := NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dec.Decode([]byte{0xff, 0xff, 0xff}); err == nil {
		t.Error("Decode of garbage: no error")
	}
}

// speechFrames is the test phrases at 48 kHz in 20 ms frames.
func speechFrames(b *testing.B) [][]int16 {
	var all PCM
	for _, p := range testPhrases {
		all.Samples = append(all.Samples, MustSpeak(b, p).Samples...)
	}
	all.Rate = VADRate
	return all.Resample(OpusRate).Frames(OpusFrame)
}

func BenchmarkOpusEncode(b *testing.B) {
	frames := speechFrames(b)
	enc, err := NewEncoder(0)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := enc.Encode(frames[i%len(frames)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpusDecode(b *testing.B) {
	frames := speechFrames(b)
	enc, err := NewEncoder(0)
	if err != nil {
		b.Fatal(err)
	}
	packets := make([][]byte, len(frames))
	for i, f := range frames {
		if packets[i], err = enc.Encode(f); err != nil {
			b.Fatal(err)
		}
	}
	dec, err := NewDecoder()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := dec.Decode(packets[i%len(packets)]); err != nil {
			b.Fatal(err)
		}
	}
}
