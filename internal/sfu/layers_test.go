package sfu

import (
	"testing"
	"time"
)

// simulcastForwarder is a camera's forwarder whose three layers arrive at
// the given bitrates and frame rates.
func simulcastForwarder(now int64, bps, fps [maxLayers]int64) *forwarder {
	f := &forwarder{video: true}
	for i := range maxLayers {
		l := &layer{index: i, keyframe: func() {}}
		l.last.Store(now)
		l.bps.Store(bps[i])
		l.fps.Store(fps[i])
		f.layers[i].Store(l)
	}
	return f
}

// TestAllocatePassesOverALayerThatBarelyMoves: a publisher short of CPU
// sends its full layer at 3 frames a second while the half layer moves at
// 28: a subscriber with the bandwidth for either gets the half; when every
// layer moves, the full one.
func TestAllocatePassesOverALayerThatBarelyMoves(t *testing.T) {
	now := time.Now().UnixNano()
	for _, c := range []struct {
		name string
		fps  [maxLayers]int64
		want int32
	}{
		{"the full layer barely moves", [maxLayers]int64{30, 28, 3}, 1},
		{"every layer moves", [maxLayers]int64{30, 28, 25}, 2},
		{"the two best barely move", [maxLayers]int64{30, 4, 3}, 0},
		{"not measured yet", [maxLayers]int64{0, 0, 0}, 2},
	} {
		f := simulcastForwarder(now, [maxLayers]int64{150_000, 500_000, 1_500_000}, c.fps)
		d := newDownTrack(f, nil)
		allocate(10_000_000, []*downTrack{d}, now)
		if got := d.target.Load(); got != c.want {
			t.Errorf("%s: layer %d, want %d", c.name, got, c.want)
		}
	}
}

// TestMeasureCountsFrames: the marker bits that end a layer's frames over
// a measure are its frame rate.
func TestMeasureCountsFrames(t *testing.T) {
	f := simulcastForwarder(time.Now().UnixNano(), [maxLayers]int64{}, [maxLayers]int64{})
	l := f.layers[0].Load()
	l.frames.Store(9) // nine frames in 300 ms
	f.measure(300 * time.Millisecond)
	if got := l.fps.Load(); got != 30 {
		t.Fatalf("%d frames a second, want 30", got)
	}
}
