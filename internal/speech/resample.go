package speech

import (
	"fmt"
	"math"
)

// Resample converts the audio to rate samples a second by linear
// interpolation, after a low-pass filter when the rate goes down so that
// what the new rate cannot carry does not fold back as noise. It is meant
// for speech, not music. The same rate returns p itself; rate must be
// positive.
func (p PCM) Resample(rate int) PCM {
	if rate <= 0 || p.Rate <= 0 {
		panic(fmt.Sprintf("speech: resample from %d Hz to %d Hz", p.Rate, rate))
	}
	if rate == p.Rate || len(p.Samples) == 0 {
		return PCM{Rate: rate, Samples: p.Samples}
	}
	src := toFloat(p.Samples)
	if rate < p.Rate {
		src = lowPass(src, 0.45*float64(rate)/float64(p.Rate))
	}
	return PCM{Rate: rate, Samples: interpolate(src, float64(p.Rate)/float64(rate))}
}

// toFloat widens samples for filtering.
func toFloat(samples []int16) []float64 {
	out := make([]float64, len(samples))
	for i, s := range samples {
		out[i] = float64(s)
	}
	return out
}

// interpolate reads x at every step-th position, interpolating linearly
// between the two nearest samples.
func interpolate(x []float64, step float64) []int16 {
	n := int(math.Round(float64(len(x)) / step))
	out := make([]int16, n)
	last := len(x) - 1
	for i := range out {
		pos := float64(i) * step
		j := int(pos)
		if j >= last {
			out[i] = clamp16(x[last])
			continue
		}
		frac := pos - float64(j)
		out[i] = clamp16(x[j] + (x[j+1]-x[j])*frac)
	}
	return out
}

// lowPass filters x with a Hamming-windowed sinc whose cutoff is a
// fraction of the sample rate (0.5 is Nyquist), longer for lower cutoffs
// so that the cut stays as steep relative to the cutoff.
func lowPass(x []float64, cutoff float64) []float64 {
	taps := lowPassTaps(cutoff, 8*int(math.Ceil(0.5/cutoff))+1)
	half := len(taps) / 2
	out := make([]float64, len(x))
	for i := range x {
		var acc float64
		for k, c := range taps {
			if j := i + k - half; j >= 0 && j < len(x) {
				acc += c * x[j]
			}
		}
		out[i] = acc
	}
	return out
}

// lowPassTaps is a windowed-sinc filter of n taps (n odd) with unit gain
// at DC.
func lowPassTaps(cutoff float64, n int) []float64 {
	taps := make([]float64, n)
	mid := float64(n-1) / 2
	var sum float64
	for i := range taps {
		t := float64(i) - mid
		v := 2 * cutoff
		if t != 0 {
			v = math.Sin(2*math.Pi*cutoff*t) / (math.Pi * t)
		}
		v *= 0.54 - 0.46*math.Cos(2*math.Pi*float64(i)/float64(n-1))
		taps[i] = v
		sum += v
	}
	for i := range taps {
		taps[i] /= sum
	}
	return taps
}

// clamp16 rounds v to the nearest 16-bit sample, saturating.
func clamp16(v float64) int16 {
	v = math.Round(v)
	switch {
	case v > math.MaxInt16:
		return math.MaxInt16
	case v < math.MinInt16:
		return math.MinInt16
	}
	return int16(v)
}
