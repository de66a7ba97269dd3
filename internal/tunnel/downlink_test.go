package tunnel

import (
	"context"
	"sync/atomic"
	"testing"
)

// TestDownlinkTurnsForwardedRTPIntoFramesAndAsksForKeyframes plays the SFU:
// it writes a track's packets (with one lost and two swapped) as it would
// to a browser, and the tunnel client's outbox gets whole frames, the
// damaged stretch skipped, and the publisher is asked for a keyframe.
func TestDownlinkTurnsForwardedRTPIntoFramesAndAsksForKeyframes(t *testing.T) {
	out := NewOutbox(1000, 1000)
	var asked atomic.Int32
	dl := NewDownlink(Video, 7, out, func() { asked.Add(1) })
	var frames []Frame
	for i := range 40 {
		frames = append(frames, vp8Frame(i, i == 0 || i == 20, 2500))
	}
	pk := NewPacketizer(Video, 99, 96)
	for i := range frames {
		pkts := pk.Packetize(&frames[i])
		if i == 5 {
			pkts = pkts[1:] // lost on the way
		}
		if i == 8 {
			pkts[0], pkts[1] = pkts[1], pkts[0] // reordered
		}
		for _, p := range pkts {
			buf := append([]byte(nil), p.Payload...)
			if _, err := dl.WriteRTP(&p.Header, buf); err != nil {
				t.Fatal(err)
			}
			clear(buf) // the SFU reuses its buffer: the downlink must have copied
		}
	}
	out.Close()
	var got []int
	for {
		f, ok := out.Pop(context.Background())
		if !ok {
			break
		}
		if f.Track != 7 {
			t.Fatalf("frame of track %d, want 7", f.Track)
		}
		got = append(got, int(f.Data[1]))
	}
	// 0-4 whole; 5 lost a packet, 6-19 depend on it; from the keyframe at
	// 20 on, to the last.
	if len(got) != 5+20 || got[4] != 4 || got[5] != 20 || got[len(got)-1] != 39 {
		t.Fatalf("frames out: %v", got)
	}
	if asked.Load() == 0 {
		t.Fatal("no keyframe was asked of the publisher")
	}
}
