package speech

import (
	"fmt"
	"math"
	"time"
)

// PCM is mono 16-bit audio: Rate samples a second.
type PCM struct {
	Rate    int
	Samples []int16
}

// SilenceDBFS is the level of digital silence: levels never go below it,
// so that a silent frame has a finite level to compare and log.
const SilenceDBFS = -120.0

// Duration is how long the audio plays.
func (p PCM) Duration() time.Duration {
	if p.Rate <= 0 {
		return 0
	}
	return time.Duration(len(p.Samples)) * time.Second / time.Duration(p.Rate)
}

// check says what is wrong with audio that an engine cannot take.
func (p PCM) check() error {
	if p.Rate <= 0 {
		return fmt.Errorf("audio of %d samples has no sample rate", len(p.Samples))
	}
	return nil
}

// Level is the audio's RMS level in dBFS, where 0 dBFS is a full-scale
// square wave (a full-scale sine is about -3 dBFS).
func (p PCM) Level() float64 { return Level(p.Samples) }

// Level is the RMS level of samples in dBFS, SilenceDBFS at the least.
func Level(samples []int16) float64 {
	if len(samples) == 0 {
		return SilenceDBFS
	}
	var sum int64
	for _, s := range samples {
		sum += int64(s) * int64(s)
	}
	rms := math.Sqrt(float64(sum)/float64(len(samples))) / 32768
	if rms == 0 {
		return SilenceDBFS
	}
	return math.Max(20*math.Log10(rms), SilenceDBFS)
}

// Frames cuts the audio into frames of n samples, padding the last one
// with silence; the frames share no memory with p.
func (p PCM) Frames(n int) [][]int16 {
	if n <= 0 {
		panic(fmt.Sprintf("speech: frames of %d samples", n))
	}
	frames := make([][]int16, 0, (len(p.Samples)+n-1)/n)
	for i := 0; i < len(p.Samples); i += n {
		f := make([]int16, n)
		copy(f, p.Samples[i:])
		frames = append(frames, f)
	}
	return frames
}

// Join concatenates frames into one PCM at rate.
func Join(rate int, frames [][]int16) PCM {
	n := 0
	for _, f := range frames {
		n += len(f)
	}
	out := PCM{Rate: rate, Samples: make([]int16, 0, n)}
	for _, f := range frames {
		out.Samples = append(out.Samples, f...)
	}
	return out
}
