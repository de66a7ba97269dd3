package tunnel

import (
	"context"
	"testing"

	"github.com/pion/rtp"
)

// BenchmarkDepacketize is the bridge's way to a tunnel client, per packet:
// 3,000-byte VP8 frames (three packets) put back together.
func BenchmarkDepacketize(b *testing.B) {
	pkts := lap(64)
	d := NewDepacketizer(Video)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if i > 0 && i%len(pkts) == 0 {
			b.StopTimer()
			nextLap(pkts, 64)
			b.StartTimer()
		}
		d.Push(pkts[i%len(pkts)])
	}
}

// lap is the packets of n 3,000-byte VP8 frames, the first a keyframe.
func lap(n int) []*rtp.Packet {
	pk := NewPacketizer(Video, 1, 96)
	var pkts []*rtp.Packet
	for i := range n {
		f := vp8Frame(i, i == 0, 3000)
		pkts = append(pkts, pk.Packetize(&f)...)
	}
	return pkts
}

// nextLap numbers a lap's packets and times its frames after the last lap.
func nextLap(pkts []*rtp.Packet, frames int) {
	for _, p := range pkts {
		p.SequenceNumber += uint16(len(pkts))
		p.Timestamp += uint32(frames) * 3000
	}
}

// BenchmarkPacketize is the bridge's way from a tunnel client, per frame:
// a 3,000-byte VP8 frame into RTP.
func BenchmarkPacketize(b *testing.B) {
	f := vp8Frame(1, true, 3000)
	pk := NewPacketizer(Video, 1, 96)
	b.ReportAllocs()
	for range b.N {
		pk.Packetize(&f)
	}
}

// BenchmarkDownlink is what the SFU's write to a tunnel client costs per
// packet: the copy, the depacketizer and the outbox (drained as it goes).
func BenchmarkDownlink(b *testing.B) {
	out := NewOutbox(1<<20, 1<<20)
	dl := NewDownlink(Video, 1, out, func() {})
	pkts := lap(100)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		p := pkts[i%len(pkts)]
		if i > 0 && i%len(pkts) == 0 {
			b.StopTimer()
			nextLap(pkts, 100)
			b.StartTimer()
		}
		_, _ = dl.WriteRTP(&p.Header, p.Payload)
		if i%3 == 2 {
			out.Pop(ctx)
		}
	}
}
