package sfu

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
)

// rtcpSink is a peer's RTCP writer that hands over what is written.
type rtcpSink chan []rtcp.Packet

func (s rtcpSink) Write(pkts []rtcp.Packet, _ interceptor.Attributes) (int, error) {
	s <- pkts
	return len(pkts), nil
}

// twccPackets is a reader of packets of ssrc whose transport-wide
// sequence numbers (extension 3) start at first: one packet made once,
// numbered anew at each read.
func twccPackets(t testing.TB, ssrc uint32, first uint16) interceptor.RTPReader {
	h := rtp.Header{Version: 2, SSRC: ssrc, PayloadType: 96}
	ext, _ := (&rtp.TransportCCExtension{TransportSequence: 0xabcd}).Marshal()
	if err := h.SetExtension(3, ext); err != nil {
		t.Fatal(err)
	}
	pkt, err := (&rtp.Packet{Header: h, Payload: make([]byte, 100)}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(pkt, []byte{0xab, 0xcd})
	seq := first
	return interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n := copy(b, pkt)
		binary.BigEndian.PutUint16(b[2:], seq)
		binary.BigEndian.PutUint16(b[at:], seq)
		seq++
		return n, a, nil
	})
}

func twccStream(ssrc uint32) *interceptor.StreamInfo {
	return &interceptor.StreamInfo{SSRC: ssrc, RTPHeaderExtensions: []interceptor.RTPHeaderExtension{{URI: sdp.TransportCCURI, ID: 3}}}
}

// TestTWCCFeedbackSaysWhatArrived: the packets a publisher's stream brings
// are reported on the next tick, in one transport-wide feedback, and a
// peer that closed gets none after.
func TestTWCCFeedbackSaysWhatArrived(t *testing.T) {
	f := &twccFeedback{}
	defer rtcpTicks(20*time.Millisecond, f.sendAll)()
	i, err := f.NewInterceptor("")
	if err != nil {
		t.Fatal(err)
	}
	sink := make(rtcpSink, 16)
	i.BindRTCPWriter(sink)
	video := i.BindRemoteStream(twccStream(7), twccPackets(t, 7, 100))
	buf := make([]byte, 1500)
	for range 10 {
		if _, _, err := video.Read(buf, nil); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case pkts := <-sink:
		cc, ok := pkts[0].(*rtcp.TransportLayerCC)
		if !ok || len(pkts) != 1 || cc.MediaSSRC != 7 || cc.BaseSequenceNumber != 100 || cc.PacketStatusCount != 10 {
			t.Fatalf("feedback %+v; want one TransportLayerCC of 10 packets from 100", pkts)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no feedback")
	}
	select {
	case pkts := <-sink:
		t.Fatalf("feedback with nothing new: %+v", pkts)
	case <-time.After(60 * time.Millisecond):
	}
	i.Close()
	video.Read(buf, nil)
	select {
	case pkts := <-sink:
		t.Fatalf("feedback after the peer closed: %+v", pkts)
	case <-time.After(60 * time.Millisecond):
	}
}

// TestTWCCFeedbackLeavesOtherStreams: a stream without transport-wide
// sequence numbers is read as it is.
func TestTWCCFeedbackLeavesOtherStreams(t *testing.T) {
	f := &twccFeedback{}
	i, _ := f.NewInterceptor("")
	r := twccPackets(t, 1, 1)
	if got := i.BindRemoteStream(&interceptor.StreamInfo{SSRC: 1}, r); got == nil {
		t.Fatal("no reader")
	}
}

// BenchmarkTWCCRecord is a publisher's packet read through the feedback's
// recorder: no allocation a packet.
func BenchmarkTWCCRecord(b *testing.B) {
	f := &twccFeedback{}
	i, _ := f.NewInterceptor("")
	r := i.BindRemoteStream(twccStream(9), twccPackets(b, 9, 0))
	buf := make([]byte, 1500)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := r.Read(buf, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPublishersGetTransportWideFeedback: a browser-like publisher that
// numbers its packets transport-wide hears back, about ten times a
// second, which arrived when: what its bandwidth estimate runs on.
func TestPublishersGetTransportWideFeedback(t *testing.T) {
	s := testSFU(t)
	numbering, err := twcc.NewHeaderExtensionInterceptor()
	if err != nil {
		t.Fatal(err)
	}
	pub := newClient(t, numbering)
	stop := make(chan struct{})
	defer close(stop)
	pub.publishVideo(stop)
	pub.join(s, "feedback", 1)
	start := time.Now()
	waitFor(t, 10*time.Second, "five transport-wide feedbacks", func() bool { return pub.twccs.Load() >= 5 })
	if n, d := pub.twccs.Load(), time.Since(start); float64(n) > 2*d.Seconds()/rtcpInterval.Seconds()+2 {
		t.Errorf("%d feedbacks in %s, at most one each %s", n, d, rtcpInterval)
	}
	// Once the connection is on the fast path, the feedback goes from its
	// socket, encrypted with the fast path's own SRTCP context, and none
	// through pion: what the publisher reads meanwhile came that way, and
	// it could decrypt it.
	waitFor(t, 5*time.Second, "feedback on the fast path", func() bool { return pub.peer.twcc.fastSent.Load() > 0 })
	read, fast := pub.twccs.Load(), pub.peer.twcc.fastSent.Load()
	waitFor(t, 5*time.Second, "five more on the fast path", func() bool { return pub.peer.twcc.fastSent.Load() >= fast+5 })
	waitFor(t, 5*time.Second, "the publisher reading them", func() bool { return pub.twccs.Load() >= read+4 })
}
