package sfu

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
)

// twccFeedback sends publishers the transport-wide congestion control
// feedback their browsers' bandwidth estimation runs on
// (draft-holmer-rmcat-transport-wide-cc-extensions). Each packet is
// recorded where it is read, under its peer's lock, without a copy or an
// allocation; the SFU's one RTCP tick (rtcpTicks) sends every peer its
// feedback. (pion's interceptor parses every packet's header into a new
// map, hands it to a goroutine of its peer's over a channel, and runs a
// ticker per peer: a cost per packet and per peer.)
type twccFeedback struct {
	peers tickSet[*twccPeer]
}

// NewInterceptor makes the feedback of one peer connection (an
// interceptor.Factory).
func (f *twccFeedback) NewInterceptor(string) (interceptor.Interceptor, error) {
	return f.newPeer(), nil
}

// newPeer makes the feedback of one peer connection.
func (f *twccFeedback) newPeer() *twccPeer {
	return &twccPeer{feedback: f, recorder: twcc.NewRecorder(rand.Uint32()), start: time.Now()}
}

// sendAll sends every peer its feedback (one tick).
func (f *twccFeedback) sendAll(context.Context) {
	for _, p := range f.peers.snapshot() {
		p.send()
	}
}

// twccPeer is one peer connection's feedback: what arrived since the last
// was sent.
type twccPeer struct {
	interceptor.NoOp
	feedback *twccFeedback
	start    time.Time

	mu       sync.Mutex
	recorder *twcc.Recorder
	writer   interceptor.RTCPWriter
	pending  bool // packets recorded since the last feedback
	// fast is the peer's link to the fast path, on which the feedback goes
	// when there is one; nil before the peer is made.
	fast *atomic.Pointer[fastLink]
	// sent and sentFast: whether feedback was sent with the recorder's
	// sender SSRC, and by which way (see send).
	sent, sentFast bool
	fastSent       atomic.Uint64 // feedback packets sent on the fast path
}

// NewInterceptor hands the peer's feedback to its peer connection: a
// factory of one interceptor, for that connection's API.
func (p *twccPeer) NewInterceptor(string) (interceptor.Interceptor, error) { return p, nil }

// BindRTCPWriter takes the peer's RTCP writer: from now on its feedback is
// sent.
func (p *twccPeer) BindRTCPWriter(w interceptor.RTCPWriter) interceptor.RTCPWriter {
	p.mu.Lock()
	p.writer = w
	p.mu.Unlock()
	p.feedback.peers.add(p)
	return w
}

// BindRemoteStream records the arrival of each packet of a stream that
// carries transport-wide sequence numbers. A stream is read by one
// goroutine at a time, which the header it parses into is kept for.
func (p *twccPeer) BindRemoteStream(info *interceptor.StreamInfo, reader interceptor.RTPReader) interceptor.RTPReader {
	id := transportCCExtension(info)
	if id == 0 {
		return reader
	}
	ssrc := info.SSRC
	var h rtp.Header
	return interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, a, err := reader.Read(b, a)
		if err != nil {
			return n, a, err
		}
		if _, err := h.Unmarshal(b[:n]); err == nil {
			p.recordHeader(ssrc, &h, id)
		}
		return n, a, nil
	})
}

// recordHeader records the arrival of a packet, whose header is parsed,
// if it carries a transport-wide sequence number under the extension ID.
func (p *twccPeer) recordHeader(ssrc uint32, h *rtp.Header, id uint8) {
	if id == 0 {
		return
	}
	var cc rtp.TransportCCExtension
	if err := cc.Unmarshal(h.GetExtension(id)); err != nil {
		return
	}
	at := time.Since(p.start).Microseconds()
	p.mu.Lock()
	p.recorder.Record(ssrc, cc.TransportSequence, at)
	p.pending = true
	p.mu.Unlock()
}

// Close stops the peer's feedback.
func (p *twccPeer) Close() error {
	p.feedback.peers.remove(p)
	return nil
}

// useLink sends the feedback on the fast path whenever fast holds a link.
func (p *twccPeer) useLink(fast *atomic.Pointer[fastLink]) {
	p.mu.Lock()
	p.fast = fast
	p.mu.Unlock()
}

// send writes the feedback for what arrived since the last: from the
// connection's socket when it is on the fast path, else through pion.
//
// The fast path's SRTCP context and pion's number their packets each on
// their own, under the same key, so the two must never send RTCP of one
// sender SSRC: GCM's nonce is made of the SSRC and that number. No other
// RTCP the SFU sends has the feedback's sender SSRC, and when the feedback
// changes way (the connection moves to TCP, or comes back) it takes a new
// one, losing what was recorded since the last feedback.
func (p *twccPeer) send() {
	p.mu.Lock()
	if !p.pending || p.writer == nil {
		p.mu.Unlock()
		return
	}
	var link *fastLink
	if p.fast != nil {
		link = p.fast.Load()
	}
	if p.sent && p.sentFast != (link != nil) {
		p.recorder = twcc.NewRecorder(rand.Uint32())
	}
	p.sent, p.sentFast = true, link != nil
	pkts := p.recorder.BuildFeedbackPacket()
	p.pending = false
	w := p.writer
	p.mu.Unlock()
	switch {
	case len(pkts) == 0:
	case link != nil:
		if link.sendRTCP(pkts) == nil { // else lost, as on the network
			p.fastSent.Add(1)
		}
	default:
		_, _ = w.Write(pkts, nil) // a peer that is going: its next feedback, if any, says it again
	}
}

// transportCCExtension is the ID the stream's transport-wide sequence
// numbers have, or 0.
func transportCCExtension(info *interceptor.StreamInfo) uint8 {
	for _, e := range info.RTPHeaderExtensions {
		if e.URI == sdp.TransportCCURI {
			return uint8(e.ID) //nolint:gosec // IDs are 1-255
		}
	}
	return 0
}
