package sfu

import (
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/net/ipv4"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
	"github.com/pion/webrtc/v4"
)

// nopWriter is a subscriber's write stream that takes packets and does
// nothing: the benchmark measures the SFU's own per-packet work.
type nopWriter struct{ n int }

func (w *nopWriter) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	w.n += len(payload)
	return len(payload), nil
}

func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }

// BenchmarkForward is the SFU's own work per forwarded packet: parse the
// publisher's packet once, then rewrite and hand it to each of 100
// subscribers. ns/op and allocs/op are per packet received (100 sent).
func BenchmarkForward(b *testing.B) {
	f := &forwarder{video: true, mime: webrtc.MimeTypeVP8}
	f.downs.Store(&[]*downTrack{})
	l := &layer{}
	f.layers[0].Store(l)
	for i := range 100 {
		d := newDownTrack(f, nil)
		d.bound.Store(&binding{ssrc: uint32(1000 + i), pt: 96, w: &nopWriter{}})
		d.current.Store(0)
		f.add(d)
	}
	in := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: 1, Timestamp: 3000, SSRC: 42},
		Payload: make([]byte, 1100)}
	if err := in.SetExtension(3, []byte{1, 2}); err != nil { // a publisher's header extension, to drop
		b.Fatal(err)
	}
	raw, err := in.Marshal()
	if err != nil {
		b.Fatal(err)
	}
	var pkt rtp.Packet
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)) * 100)
	for b.Loop() {
		f.forward(l, raw, &pkt)
	}
}

// BenchmarkForwardThroughPion is one forwarded packet through everything
// the server does: the SFU, pion's interceptors (NACK cache, reports),
// SRTP (AES-GCM) and a UDP write to a pion subscriber on loopback. ns/op is
// per packet sent.
func BenchmarkForwardThroughPion(b *testing.B) {
	s := testSFU(b) // closed after the clients, whose last answers it may still take
	_, sub := videoCall(b, s, "bench")
	var tr *webrtc.TrackRemote
	select {
	case tr = <-sub.tracks:
	case <-time.After(10 * time.Second):
		b.Fatal("no track")
	}
	go func() {
		buf := make([]byte, 1500)
		for {
			if _, _, err := tr.Read(buf); err != nil {
				return
			}
		}
	}()
	var d *downTrack
	s.room("bench").mu.Lock()
	for _, sub := range sub.peer.downs {
		d = sub.down
	}
	s.room("bench").mu.Unlock()
	pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SSRC: 42}, Payload: make([]byte, 1100)}
	b.ReportAllocs()
	b.ResetTimer()
	in := inbound{layer: int(d.current.Load()), keyframe: true}
	for i := 0; b.Loop(); i++ {
		in.seq, in.ts, in.at = uint16(i), uint32(i)*3000, time.Now().UnixNano()
		d.write(&in, &pkt)
	}
}

// BenchmarkLoopbackUDPSend is the kernel's part alone: one 1,100-byte UDP
// packet to a reader on loopback. On loopback the sender also pays for the
// receiving side's network stack, so this bounds any SFU measured here.
func BenchmarkLoopbackUDPSend(b *testing.B) {
	wc, rc := loopbackPair(b)
	to := rc.LocalAddr().(*net.UDPAddr).AddrPort()
	buf := make([]byte, 1100)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := wc.WriteToUDPAddrPort(buf, to); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoopbackUDPSendBatch is the same with 32 packets a system call
// (sendmmsg, as ipv4.PacketConn.WriteBatch makes it): what batching the
// SFU's writes could save of the kernel's part, per packet.
func BenchmarkLoopbackUDPSendBatch(b *testing.B) {
	wc, rc := loopbackPair(b)
	pc := ipv4.NewPacketConn(wc)
	to := rc.LocalAddr()
	msgs := make([]ipv4.Message, 32)
	for i := range msgs {
		msgs[i] = ipv4.Message{Buffers: [][]byte{make([]byte, 1100)}, Addr: to}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for sent := 0; sent < b.N; {
		n := min(len(msgs), b.N-sent)
		k, err := pc.WriteBatch(msgs[:n], 0)
		if err != nil {
			b.Fatal(err)
		}
		sent += k
	}
}

// loopbackPair opens a UDP socket to write from and one on loopback that a
// goroutine drains, both closed when b ends.
func loopbackPair(b *testing.B) (w, r *net.UDPConn) {
	listen := func() *net.UDPConn {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close() })
		return c
	}
	r = listen()
	r.SetReadBuffer(4 << 20)
	go func() {
		buf := make([]byte, 2000)
		for {
			if _, _, err := r.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	return listen(), r
}

// seqWriter records the sequence numbers and timestamps written.
type seqWriter struct {
	seqs []uint16
	ts   []uint32
}

func (w *seqWriter) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	w.seqs = append(w.seqs, h.SequenceNumber)
	w.ts = append(w.ts, h.Timestamp)
	return len(payload), nil
}

func (w *seqWriter) Write(b []byte) (int, error) { return len(b), nil }

func TestDownTrackKeepsOneUnbrokenStream(t *testing.T) {
	f := &forwarder{video: true, mime: webrtc.MimeTypeVP8, clock: 90000}
	f.downs.Store(&[]*downTrack{})
	w := &seqWriter{}
	d := newDownTrack(f, nil)
	d.bound.Store(&binding{ssrc: 7, pt: 96, w: w})
	f.add(d)
	var pkt rtp.Packet
	send := func(layer int, seq uint16, ts uint32, key bool) {
		in := inbound{layer: layer, seq: seq, ts: ts, at: time.Now().UnixNano(), keyframe: key}
		pkt = rtp.Packet{Header: rtp.Header{SequenceNumber: seq, Timestamp: ts}, Payload: []byte{1}}
		d.write(&in, &pkt)
	}
	// Layer 0 starts on a keyframe; a delta frame before it is held back.
	d.setTarget(0)
	send(0, 100, 9000, false)
	send(0, 101, 9000, true)
	send(0, 102, 12000, false)
	send(0, 103, 15000, false)
	send(0, 104, 15000, false)
	// Switch to layer 1: its packets wait for its keyframe, layer 0 goes on.
	d.setTarget(1)
	send(1, 5000, 700000, false)
	send(0, 105, 18000, false)
	send(1, 5001, 703000, true)
	send(0, 106, 21000, false) // the old layer is no longer sent
	send(1, 5002, 706000, false)
	want := []uint16{101, 102, 103, 104, 105, 106, 107}
	if fmt.Sprint(w.seqs) != fmt.Sprint(want) {
		t.Fatalf("sequence numbers %v, want %v", w.seqs, want)
	}
	for i := 1; i < len(w.ts); i++ {
		if int32(w.ts[i]-w.ts[i-1]) < 0 {
			t.Fatalf("timestamps go back: %v", w.ts)
		}
	}
	if w.ts[5]-w.ts[4] == 0 || w.ts[6]-w.ts[5] != 3000 {
		t.Fatalf("timestamps across the switch %v: the new layer must follow on and keep its own spacing", w.ts)
	}
}

// BenchmarkFastPathTake is a publisher's packet as the fast path takes it
// from the socket: find the connection and the stream, decrypt (AES-GCM,
// as browsers negotiate it with the SFU), record it for the feedback, and
// forward it to one subscriber. ns/op and allocs/op are per packet.
func BenchmarkFastPathTake(b *testing.B) {
	key, salt := make([]byte, 16), make([]byte, 12)
	sender, err := srtp.CreateContext(key, salt, srtp.ProtectionProfileAeadAes128Gcm)
	if err != nil {
		b.Fatal(err)
	}
	receiver, err := srtp.CreateContext(key, salt, srtp.ProtectionProfileAeadAes128Gcm, srtp.SRTPNoReplayProtection())
	if err != nil {
		b.Fatal(err)
	}
	fp := &fastPath{}
	conn := &fastConn{path: fp}
	from := netip.MustParseAddrPort("127.0.0.1:5000")
	feedback := &twccFeedback{}
	pub := &Peer{twcc: feedback.newPeer()}
	f := &forwarder{pub: pub, video: true, mime: webrtc.MimeTypeVP8, clock: 90000}
	f.downs.Store(&[]*downTrack{})
	d := newDownTrack(f, nil)
	d.bound.Store(&binding{ssrc: 1000, pt: 96, w: &nopWriter{}})
	d.current.Store(0)
	f.add(d)
	l := &layer{fwd: f, ssrc: 42, twccExt: 3}
	f.layers[0].Store(l)
	link := &fastLink{key: linkKey{conn, from}, peer: pub, rx: receiver, streams: map[uint32]*layer{42: l}}
	fp.links.Store(link.key, link)
	in := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: 1, Timestamp: 3000, SSRC: 42},
		Payload: make([]byte, 1100)}
	if err := in.SetExtension(3, []byte{0, 1}); err != nil {
		b.Fatal(err)
	}
	raw, err := in.Marshal()
	if err != nil {
		b.Fatal(err)
	}
	sealed, err := sender.EncryptRTP(nil, raw, nil)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 1500)
	b.ReportAllocs()
	for b.Loop() {
		n := copy(buf, sealed)
		if !fp.take(conn, buf[:n], from) {
			b.Fatal("not taken")
		}
	}
	if fp.packets.Load() == 0 {
		b.Fatal("nothing forwarded")
	}
}
