package tunnel

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// vp8Frame is a fake VP8 frame of n bytes: its first byte carries the key
// frame flag (0: key), the rest its number.
func vp8Frame(i int, key bool, n int) Frame {
	d := bytes.Repeat([]byte{byte(i)}, n)
	d[0] = 0x01
	if key {
		d[0] = 0x00
	}
	return Frame{Kind: Video, Keyframe: key, Timestamp: uint32(i) * 3000, Data: d}
}

// packetize makes the packets of frames in order.
func packetize(kind Kind, frames []Frame) [][]*rtp.Packet {
	p := NewPacketizer(kind, 1234, 96)
	out := make([][]*rtp.Packet, len(frames))
	for i := range frames {
		out[i] = p.Packetize(&frames[i])
	}
	return out
}

func collect(d *Depacketizer, pkts []*rtp.Packet) []Frame {
	var out []Frame
	for _, p := range pkts {
		out = append(out, d.Push(p)...)
	}
	return out
}

func TestVideoFramesSurviveReordering(t *testing.T) {
	var frames []Frame
	for i := range 12 {
		frames = append(frames, vp8Frame(i, i%6 == 0, 500+i*300)) // up to 3,800 bytes: several packets
	}
	var pkts []*rtp.Packet
	for _, fp := range packetize(Video, frames) {
		pkts = append(pkts, fp...)
	}
	for i := 1; i+1 < len(pkts); i += 3 { // swap neighbours all along
		pkts[i], pkts[i+1] = pkts[i+1], pkts[i]
	}
	d := NewDepacketizer(Video)
	got := collect(d, pkts)
	// Every frame is out as soon as its last packet is: the last one too.
	if len(got) != len(frames) {
		t.Fatalf("%d frames out of %d in", len(got), len(frames))
	}
	for i, f := range got {
		if !bytes.Equal(f.Data, frames[i].Data) || f.Keyframe != frames[i].Keyframe || f.Timestamp-got[0].Timestamp != frames[i].Timestamp {
			t.Fatalf("frame %d: %d bytes key=%v ts=%d; want %d bytes key=%v", i, len(f.Data), f.Keyframe, f.Timestamp, len(frames[i].Data), frames[i].Keyframe)
		}
	}
	if d.NeedKeyframe() {
		t.Fatal("asked for a keyframe with nothing lost")
	}
}

func TestALostVideoPacketDropsFramesUntilAKeyframe(t *testing.T) {
	// 40 frames at 30 a second with keyframes at 0 and 20; frame 3 loses
	// its first packet for good. The depacketizer waits for it (64 packets
	// at most), then gives frames 0-2, drops 3 and what depends on it, and
	// goes on from the keyframe at 20.
	var frames []Frame
	for i := range 40 {
		frames = append(frames, vp8Frame(i, i == 0 || i == 20, 2500))
	}
	var pkts []*rtp.Packet
	for i, fp := range packetize(Video, frames) {
		if i == 3 {
			fp = fp[1:]
		}
		pkts = append(pkts, fp...)
	}
	d := NewDepacketizer(Video)
	got := collect(d, pkts)
	nums := frameNumbers(got)
	want := []int{0, 1, 2}
	for i := 20; i < 40; i++ {
		want = append(want, i)
	}
	if fmt.Sprint(nums) != fmt.Sprint(want) {
		t.Fatalf("frames out: %v\nwant        %v", nums, want)
	}
	if !d.NeedKeyframe() {
		t.Fatal("frames were dropped and no keyframe was asked for")
	}
	if d.NeedKeyframe() {
		t.Fatal("NeedKeyframe says it twice")
	}
}

func TestVideoStartsAtAKeyframe(t *testing.T) {
	frames := []Frame{vp8Frame(0, false, 300), vp8Frame(1, false, 300), vp8Frame(2, true, 300), vp8Frame(3, false, 300), vp8Frame(4, false, 300)}
	var pkts []*rtp.Packet
	for _, fp := range packetize(Video, frames) {
		pkts = append(pkts, fp...)
	}
	d := NewDepacketizer(Video)
	got := collect(d, pkts)
	if len(got) != 3 || !got[0].Keyframe || got[0].Data[1] != 2 {
		t.Fatalf("got %d frames, first key=%v; want frames 2, 3 and 4, from the keyframe", len(got), len(got) > 0 && got[0].Keyframe)
	}
	if !d.NeedKeyframe() {
		t.Fatal("a stream that starts mid-way must ask for a keyframe")
	}
}

func TestAudioFramesRoundTrip(t *testing.T) {
	var frames []Frame
	for i := range 20 {
		frames = append(frames, Frame{Kind: Audio, Timestamp: uint32(i) * 960, Data: bytes.Repeat([]byte{byte(i + 1)}, 60+i)})
	}
	var pkts []*rtp.Packet
	for _, fp := range packetize(Audio, frames) {
		pkts = append(pkts, fp...)
	}
	pkts[4], pkts[5] = pkts[5], pkts[4]
	got := collect(NewDepacketizer(Audio), pkts)
	if len(got) < 18 {
		t.Fatalf("%d audio frames out of 20", len(got))
	}
	for i, f := range got {
		if !bytes.Equal(f.Data, frames[i].Data) {
			t.Fatalf("audio frame %d differs", i)
		}
	}
}

func TestWireFormat(t *testing.T) {
	f := Frame{Kind: Video, Keyframe: true, Track: 3, Timestamp: 0xdeadbeef, Data: []byte("vp8!")}
	b := f.Marshal(nil)
	var g Frame
	if err := g.Unmarshal(b); err != nil || g.Kind != Video || !g.Keyframe || g.Track != 3 || g.Timestamp != 0xdeadbeef || string(g.Data) != "vp8!" {
		t.Fatalf("round trip: %+v %v", g, err)
	}
	a := Frame{Kind: Audio, Track: 1, Level: 42, Timestamp: 960, Data: []byte("opus")}
	if err := g.Unmarshal(a.Marshal(nil)); err != nil || g.Kind != Audio || g.Level != 42 || g.Keyframe || string(g.Data) != "opus" {
		t.Fatalf("audio round trip: %+v %v", g, err)
	}
	for _, bad := range [][]byte{nil, {1, 0, 0, 0, 0, 0, 0}, {3, 0, 0, 0, 0, 0, 0, 1}, {1, 2, 0, 0, 0, 0, 0, 1}, {2, 1, 0, 0, 0, 0, 0, 1}} {
		if err := g.Unmarshal(bad); err == nil {
			t.Fatalf("%v accepted", bad)
		}
	}
}

// TestAHoleWaitsForItsResendThenIsGivenUp: a missing audio packet holds
// the frames behind it while its resend may still come (it does, late, and
// everything comes out in order), and is given up after maxWait.
func TestAHoleWaitsForItsResendThenIsGivenUp(t *testing.T) {
	var frames []Frame
	for i := range 10 {
		frames = append(frames, Frame{Kind: Audio, Timestamp: uint32(i) * 960, Data: []byte{byte(i)}})
	}
	var pkts []*rtp.Packet
	for _, fp := range packetize(Audio, frames) {
		pkts = append(pkts, fp...)
	}
	now := time.Unix(1000, 0)
	d := NewDepacketizer(Audio)
	d.now = func() time.Time { return now }
	order := func(fs []Frame) (out []int) {
		for _, f := range fs {
			out = append(out, int(f.Data[0]))
		}
		return out
	}
	got := order(collect(d, []*rtp.Packet{pkts[0], pkts[1], pkts[3], pkts[4]}))
	if fmt.Sprint(got) != "[0 1]" {
		t.Fatalf("before the resend: %v; frames 3 and 4 must wait for 2", got)
	}
	now = now.Add(maxWait / 2)
	if got = order(d.Push(pkts[2])); fmt.Sprint(got) != "[2 3 4]" {
		t.Fatalf("the resend: %v, want [2 3 4]", got)
	}
	collect(d, []*rtp.Packet{pkts[6], pkts[7]}) // 5 is lost for good
	now = now.Add(maxWait)
	if got = order(d.Push(pkts[8])); fmt.Sprint(got) != "[6 7 8]" {
		t.Fatalf("after maxWait: %v, want [6 7 8]", got)
	}
	if got = order(d.Push(pkts[5])); len(got) != 0 {
		t.Fatalf("a packet given up came out when it arrived: %v", got)
	}
}

// TestALostPacketInsideAFrameDropsItAndWhatDependsOnIt: a frame that lost
// a middle packet for good is dropped whole, as are the frames after it up
// to the next keyframe, and nothing stalls.
func TestALostPacketInsideAFrameDropsItAndWhatDependsOnIt(t *testing.T) {
	var frames []Frame
	for i := range 60 {
		frames = append(frames, vp8Frame(i, i == 0 || i == 40, 3000)) // three packets each
	}
	var pkts []*rtp.Packet
	for i, fp := range packetize(Video, frames) {
		if i == 5 {
			fp = append(fp[:1], fp[2:]...)
		}
		pkts = append(pkts, fp...)
	}
	d := NewDepacketizer(Video)
	nums := frameNumbers(collect(d, pkts))
	want := []int{0, 1, 2, 3, 4}
	for i := 40; i < 60; i++ {
		want = append(want, i)
	}
	if fmt.Sprint(nums) != fmt.Sprint(want) {
		t.Fatalf("frames out: %v\nwant        %v", nums, want)
	}
	if !d.NeedKeyframe() {
		t.Fatal("no keyframe asked for")
	}
}

// switched is the packets of frames as the SFU forwards them across a
// switch of simulcast layer: frame cut loses its last packet (the rest of
// it was on the old layer), and the numbers go on without a hole.
func switched(frames []Frame, cut int) []*rtp.Packet {
	var pkts []*rtp.Packet
	for i, fp := range packetize(Video, frames) {
		if i == cut {
			fp = fp[:len(fp)-1]
		}
		pkts = append(pkts, fp...)
	}
	return renumbered(pkts, pkts[0].SequenceNumber)
}

// renumbered numbers pkts one after another from first, as they are sent.
func renumbered(pkts []*rtp.Packet, first uint16) []*rtp.Packet {
	for i, p := range pkts {
		p.SequenceNumber = first + uint16(i)
	}
	return pkts
}

// TestAFrameCutByALayerSwitchIsDroppedAtOnce: no packet is missing, but
// frame 4 ends without its marker (a newer frame follows it). It is
// dropped at once; the depacketizer used to wait for the end of frame 4
// until its window overflowed. When the new layer's keyframe comes next,
// it and what follows come out with no keyframe asked for; when delta
// frames come next, they cannot be decoded, are dropped up to a keyframe,
// and one is asked for.
func TestAFrameCutByALayerSwitchIsDroppedAtOnce(t *testing.T) {
	for _, c := range []struct {
		name     string
		keyframe int // the second keyframe, after the cut frame 4
		want     []int
		asks     bool
	}{
		{"a keyframe follows", 5, []int{0, 1, 2, 3, 5, 6, 7, 8, 9}, false},
		{"delta frames follow", 7, []int{0, 1, 2, 3, 7, 8, 9}, true},
	} {
		var frames []Frame
		for i := range 10 {
			frames = append(frames, vp8Frame(i, i == 0 || i == c.keyframe, 2500))
		}
		d := NewDepacketizer(Video)
		nums := frameNumbers(collect(d, switched(frames, 4)))
		if fmt.Sprint(nums) != fmt.Sprint(c.want) {
			t.Fatalf("%s: frames out: %v\nwant        %v", c.name, nums, c.want)
		}
		if d.NeedKeyframe() != c.asks {
			t.Fatalf("%s: keyframe asked for: %v, want %v", c.name, d.NeedKeyframe(), c.asks)
		}
	}
}

// TestPaddingBetweenFramesIsPassedOver: a browser probing its bandwidth
// sends padding-only packets between frames, numbered with them, and the
// SFU forwards them as they are. Every frame comes out and no keyframe is
// asked for; the depacketizer used to take each for a lost frame and drop
// the video up to the next keyframe (a tunnel client saw a few frames a
// minute from a busy publisher).
func TestPaddingBetweenFramesIsPassedOver(t *testing.T) {
	var frames []Frame
	for i := range 10 {
		frames = append(frames, vp8Frame(i, i == 0, 2500))
	}
	var pkts []*rtp.Packet
	for i, fp := range packetize(Video, frames) {
		pkts = append(pkts, fp...)
		if i%3 == 1 {
			last := fp[len(fp)-1].Header
			for range 2 {
				pad := &rtp.Packet{Header: last}
				pad.Marker, pad.Padding, pad.PaddingSize = false, true, 200
				pkts = append(pkts, pad)
			}
		}
	}
	d := NewDepacketizer(Video)
	got := collect(d, renumbered(pkts, pkts[0].SequenceNumber))
	nums := frameNumbers(got)
	if want := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}; fmt.Sprint(nums) != fmt.Sprint(want) {
		t.Fatalf("frames out: %v\nwant        %v", nums, want)
	}
	if d.NeedKeyframe() {
		t.Fatal("asked for a keyframe with nothing lost")
	}
}

// TestAudioPaddingIsNoFrame: a padding-only packet in an audio stream gives
// no (empty) frame to decode.
func TestAudioPaddingIsNoFrame(t *testing.T) {
	frames := []Frame{{Kind: Audio, Timestamp: 0, Data: []byte{1, 2}}, {Kind: Audio, Timestamp: 960, Data: []byte{3, 4}}}
	var pkts []*rtp.Packet
	for _, fp := range packetize(Audio, frames) {
		pkts = append(pkts, fp...)
	}
	pad := &rtp.Packet{Header: pkts[0].Header}
	pad.Padding, pad.PaddingSize = true, 100
	got := collect(NewDepacketizer(Audio), renumbered([]*rtp.Packet{pkts[0], pad, pkts[1]}, 100))
	if len(got) != 2 || !bytes.Equal(got[0].Data, []byte{1, 2}) || !bytes.Equal(got[1].Data, []byte{3, 4}) {
		t.Fatalf("audio frames out: %+v", got)
	}
}

// frameNumbers is the number each fake VP8 frame carries (vp8Frame).
func frameNumbers(frames []Frame) []int {
	var nums []int
	for _, f := range frames {
		nums = append(nums, int(f.Data[1]))
	}
	return nums
}
