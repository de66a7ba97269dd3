package speech

import (
	"context"
	"encoding/binary"
	"math"
	"strings"
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	for _, tc := range []struct {
		name string
		pcm  PCM
		want time.Duration
	}{
		{"OK", PCM{Rate: 16000, Samples: make([]int16, 8000)}, 500 * time.Millisecond},
		{"Empty", PCM{Rate: 48000}, 0},
		{"NoRate", PCM{Samples: make([]int16, 10)}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.pcm.Duration(); got != tc.want {
				t.Errorf("Duration = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLevel(t *testing.T) {
	full := make([]int16, 100)
	for i := range full {
		full[i] = math.MaxInt16
		if i%2 == 1 {
			full[i] = math.MinInt16
		}
	}
	for _, tc := range []struct {
		name    string
		samples []int16
		want    float64
	}{
		{"FullScaleSquare", full, 0},
		{"FullScaleSine", sine(16000, 1000, 32767, time.Second).Samples, -3.01},
		{"Minus40", sine(16000, 1000, 32767*0.01, time.Second).Samples, -43.01},
		{"Silence", make([]int16, 320), SilenceDBFS},
		{"Empty", nil, SilenceDBFS},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Level(tc.samples); math.Abs(got-tc.want) > 0.05 {
				t.Errorf("Level = %.2f dBFS, want %.2f", got, tc.want)
			}
		})
	}
}

// tonePower is the power of samples at freq Hz (a single DFT bin),
// normalised so that a sine of amplitude a gives about (a/2)².
func tonePower(p PCM, freq float64) float64 {
	var re, im float64
	for i, s := range p.Samples {
		ph := 2 * math.Pi * freq * float64(i) / float64(p.Rate)
		re += float64(s) * math.Cos(ph)
		im += float64(s) * math.Sin(ph)
	}
	n := float64(len(p.Samples))
	return (re*re + im*im) / (n * n)
}

func TestResample(t *testing.T) {
	for _, tc := range []struct {
		name     string
		from, to int
		freq     float64
		wantGain float64 // the tone's amplitude after, relative to before
	}{
		{"Down48kTo16k/Passband", 48000, 16000, 1000, 1},
		{"Down48kTo16k/AboveNyquistIsCut", 48000, 16000, 12000, 0},
		{"Down22050To16k/Passband", 22050, 16000, 500, 1},
		{"Up16kTo48k", 16000, 48000, 1000, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := sine(tc.from, tc.freq, 10000, time.Second)
			out := in.Resample(tc.to)
			if out.Rate != tc.to || len(out.Samples) != tc.to {
				t.Fatalf("got %d samples at %d Hz, want %d at %d", len(out.Samples), out.Rate, tc.to, tc.to)
			}
			if tc.wantGain == 0 {
				if lvl := out.Level(); lvl > -50 {
					t.Errorf("a %v Hz tone comes out at %.1f dBFS, want it filtered out", tc.freq, lvl)
				}
				return
			}
			gain := math.Sqrt(tonePower(out, tc.freq) / tonePower(in, tc.freq))
			if math.Abs(gain-tc.wantGain) > 0.05 {
				t.Errorf("the %v Hz tone's gain is %.3f, want %v", tc.freq, gain, tc.wantGain)
			}
		})
	}
}

func TestResampleSameRate(t *testing.T) {
	p := PCM{Rate: 16000, Samples: []int16{1, 2, 3}}
	if got := p.Resample(16000); len(got.Samples) != 3 || got.Samples[2] != 3 {
		t.Errorf("Resample to the same rate = %v", got)
	}
}

func TestFramesAndJoin(t *testing.T) {
	p := PCM{Rate: 16000, Samples: []int16{1, 2, 3, 4, 5}}
	frames := p.Frames(2)
	if len(frames) != 3 || frames[2][0] != 5 || frames[2][1] != 0 {
		t.Fatalf("Frames(2) = %v", frames)
	}
	frames[0][0] = 9
	if p.Samples[0] != 1 {
		t.Error("Frames shares memory with the PCM")
	}
	if j := Join(16000, frames); len(j.Samples) != 6 || j.Samples[4] != 5 {
		t.Errorf("Join = %v", j)
	}
}

func TestWAVRoundTrip(t *testing.T) {
	p := sine(24000, 440, 12000, 100*time.Millisecond)
	got, err := DecodeWAV(p.WAV())
	if err != nil {
		t.Fatal(err)
	}
	if got.Rate != 24000 || len(got.Samples) != len(p.Samples) || got.Samples[10] != p.Samples[10] {
		t.Errorf("decoded %d samples at %d Hz, want %d at 24000", len(got.Samples), got.Rate, len(p.Samples))
	}
}

// wavFile builds a WAV file by hand: a fmt chunk, the extra chunks, then
// a data chunk whose header claims dataSize bytes.
func wavFile(tag uint16, channels, rate, bits int, extra []byte, data []byte, dataSize uint32) []byte {
	le := binary.LittleEndian
	b := []byte("RIFF\xff\xff\xff\xffWAVEfmt ")
	b = le.AppendUint32(b, 16)
	b = le.AppendUint16(b, tag)
	b = le.AppendUint16(b, uint16(channels))
	b = le.AppendUint32(b, uint32(rate))
	b = le.AppendUint32(b, uint32(rate*channels*bits/8))
	b = le.AppendUint16(b, uint16(channels*bits/8))
	b = le.AppendUint16(b, uint16(bits))
	b = append(b, extra...)
	b = append(b, "data"...)
	b = le.AppendUint32(b, dataSize)
	return append(b, data...)
}

func TestDecodeWAV(t *testing.T) {
	stereo := []byte{0x10, 0x00, 0x30, 0x00, 0xff, 0xff, 0xfd, 0xff} // (16, 48), (-1, -3)
	list := append([]byte("LIST\x03\x00\x00\x00abc"), 0)             // an odd chunk, padded
	for _, tc := range []struct {
		name    string
		file    []byte
		rate    int
		want    []int16
		wantErr string
	}{
		{"StereoMixedDown", wavFile(1, 2, 44100, 16, nil, stereo, 8), 44100, []int16{32, -2}, ""},
		{"StreamedSizeTooBig", wavFile(1, 1, 22050, 16, nil, stereo[:4], 0x7ffff000), 22050, []int16{16, 48}, ""},
		{"PartialFrameDropped", wavFile(1, 1, 8000, 16, nil, stereo[:3], 3), 8000, []int16{16}, ""},
		{"OddChunkSkipped", wavFile(1, 1, 16000, 16, list, stereo[:2], 2), 16000, []int16{16}, ""},
		{"Float", wavFile(3, 1, 16000, 32, nil, stereo, 8), 0, nil, "not integer PCM"},
		{"EightBit", wavFile(1, 1, 16000, 8, nil, stereo, 8), 0, nil, "8-bit"},
		{"NotWAV", []byte("ID3 something"), 0, nil, "not a RIFF WAVE"},
		{"NoData", wavFile(1, 1, 16000, 16, nil, nil, 0)[:36], 0, nil, "no fmt and data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeWAV(tc.file)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Rate != tc.rate || len(got.Samples) != len(tc.want) {
				t.Fatalf("got %v, want %v at %d Hz", got, tc.want, tc.rate)
			}
			for i := range tc.want {
				if got.Samples[i] != tc.want[i] {
					t.Errorf("sample %d = %d, want %d", i, got.Samples[i], tc.want[i])
				}
			}
		})
	}
}

func TestEnginesRefuseAudioWithoutRate(t *testing.T) {
	noRate := PCM{Samples: make([]int16, 100)}
	enc, err := NewEncoder(0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := enc.EncodePCM(noRate); err == nil || !strings.Contains(err.Error(), "no sample rate") {
		t.Errorf("EncodePCM: err = %v", err)
	}
	for _, stt := range []Transcriber{Pocketsphinx{Bin: "/nonexistent"}, WhisperHTTP{BaseURL: "http://127.0.0.1:1"}} {
		if _, err := stt.Transcribe(context.Background(), noRate); err == nil || !strings.Contains(err.Error(), "no sample rate") {
			t.Errorf("%T: err = %v", stt, err)
		}
	}
}
