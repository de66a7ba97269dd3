package sfu

import (
	"sync"
	"sync/atomic"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// downTrack is a forwarded track as one subscriber receives it: a
// webrtc.TrackLocal that forwards one layer of the track at a time, and
// rewrites each packet's SSRC, payload type, sequence number and timestamp
// to what this subscriber has seen, so that a switch of layer (on a
// keyframe) looks to it like one unbroken stream.
type downTrack struct {
	fwd   *forwarder
	sub   *Peer // the subscriber
	bound atomic.Pointer[binding]
	// deaf stops forwarding to this subscriber (a tunnel participant that
	// may not hear the publisher: the AI without the client's consent).
	deaf atomic.Bool

	current  atomic.Int32 // the layer forwarded; -1 before the first keyframe
	target   atomic.Int32 // the layer to switch to on its next keyframe
	maxLayer atomic.Int32 // the best layer worth sending, for the size shown

	mu      sync.Mutex // the rewriting state, shared by the layers' goroutines
	started bool
	seqOff  uint16
	tsOff   uint32
	lastSeq uint16
	lastTS  uint32
	lastAt  int64  // unix nanoseconds of the last packet sent
	epoch   uint16 // the subscriber's number of the current layer's first packet
	packets uint32 // sent, for the sender reports
	octets  uint32 // of payload sent
}

// binding is what the subscriber's peer connection negotiated for a track.
type binding struct {
	ssrc uint32
	pt   uint8
	w    webrtc.TrackLocalWriter
}

// inbound is what the forwarder learnt of a packet before the subscribers
// rewrite it.
type inbound struct {
	layer    int
	seq      uint16
	ts       uint32
	at       int64
	keyframe bool
}

func newDownTrack(f *forwarder, sub *Peer) *downTrack {
	d := &downTrack{fwd: f, sub: sub}
	d.current.Store(-1)
	d.maxLayer.Store(maxLayers - 1)
	return d
}

// Bind is called by pion when the subscriber's negotiation takes the track;
// the publisher is asked for a keyframe so that the new subscriber can
// start decoding at once.
func (d *downTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	for _, c := range ctx.CodecParameters() {
		if isMime(c.MimeType, d.fwd.mime) {
			d.bound.Store(&binding{ssrc: uint32(ctx.SSRC()), pt: uint8(c.PayloadType), w: ctx.WriteStream()})
			d.fwd.askKeyframe(int(d.target.Load()))
			return c, nil
		}
	}
	return webrtc.RTPCodecParameters{}, webrtc.ErrUnsupportedCodec
}

// Unbind is called by pion when the track is no longer sent.
func (d *downTrack) Unbind(webrtc.TrackLocalContext) error {
	d.bound.Store(nil)
	return nil
}

// ID names the track as its stream does, "12-camera": unique in the
// subscriber's peer connection.
func (d *downTrack) ID() string { return d.fwd.streamID() }

// RID is empty: a subscriber receives one layer at a time.
func (d *downTrack) RID() string { return "" }

// StreamID names the publisher and the purpose.
func (d *downTrack) StreamID() string { return d.fwd.streamID() }

// Kind is audio or video.
func (d *downTrack) Kind() webrtc.RTPCodecType { return d.fwd.kind }

// setTarget chooses the layer to forward; a new one is switched to on its
// next keyframe, which is asked for.
func (d *downTrack) setTarget(layer int) {
	if int(d.target.Swap(int32(layer))) != layer && int(d.current.Load()) != layer {
		d.fwd.askKeyframe(layer)
	}
}

// write sends one packet to the subscriber if it is of the layer
// forwarded, or a keyframe of the layer to switch to.
func (d *downTrack) write(in *inbound, pkt *rtp.Packet) {
	b := d.bound.Load()
	if b == nil || d.deaf.Load() {
		return
	}
	if int32(in.layer) != d.current.Load() && int32(in.layer) != d.target.Load() && !d.startsOn(in) {
		return
	}
	// Numbered and written under one lock: during a switch two layers'
	// goroutines write, and the packets must leave in the order of their
	// new numbers.
	d.mu.Lock()
	defer d.mu.Unlock()
	seq, ts, ok := d.rewrite(in)
	if !ok {
		return
	}
	pkt.Header.SSRC = b.ssrc
	pkt.Header.PayloadType = b.pt
	pkt.Header.SequenceNumber = seq
	pkt.Header.Timestamp = ts
	_ = d.send(b, &pkt.Header, pkt.Payload) // a lost write is a lost packet: the subscriber NACKs it
}

// send writes a packet to the subscriber: on the fast path once its
// connection is on it, else through pion. d.mu is held.
func (d *downTrack) send(b *binding, h *rtp.Header, payload []byte) error {
	d.packets++
	d.octets += uint32(len(payload))
	if d.sub != nil {
		if link := d.sub.fast.Load(); link != nil {
			return link.send(h, payload)
		}
	}
	_, err := b.w.WriteRTP(h, payload)
	return err
}

// senderReport is the sender report of the track at now: the RTP time
// that now is, counted on from the last packet sent, and the counts.
func (d *downTrack) senderReport(now int64) (*rtcp.SenderReport, bool) {
	b := d.bound.Load()
	if b == nil {
		return nil, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.started {
		return nil, false
	}
	elapsed := uint32((now - d.lastAt) * d.fwd.clock / 1e9)
	return &rtcp.SenderReport{SSRC: b.ssrc, NTPTime: ntpTime(now), RTPTime: d.lastTS + elapsed,
		PacketCount: d.packets, OctetCount: d.octets}, true
}

// ntpTime is a unix time in nanoseconds as RTCP's 64-bit NTP timestamp:
// seconds since 1900, and the fraction in 1/2^32 s.
func ntpTime(unixNanos int64) uint64 {
	const unixToNTP = 2_208_988_800
	secs := uint64(unixNanos/1e9) + unixToNTP
	frac := uint64(unixNanos%1e9) << 32 / 1e9
	return secs<<32 | frac
}

// rewrite gives a packet its number and time in the subscriber's stream,
// switching layers on a keyframe of the target. d.mu is held.
func (d *downTrack) rewrite(in *inbound) (uint16, uint32, bool) {
	cur, tgt := int(d.current.Load()), int(d.target.Load())
	if d.startsOn(in) && in.layer != tgt {
		tgt = in.layer // the first keyframe of any layer starts the stream
		d.target.Store(int32(tgt))
	}
	if in.layer == tgt && tgt != cur {
		if !in.keyframe && d.fwd.video {
			return 0, 0, false // wait for a keyframe of the new layer
		}
		d.switchTo(in)
		cur = tgt
	}
	if in.layer != cur {
		return 0, 0, false
	}
	seq, ts := in.seq+d.seqOff, in.ts+d.tsOff
	if int16(seq-d.lastSeq) > 0 || !d.started {
		d.lastSeq = seq
	}
	if int32(ts-d.lastTS) > 0 || !d.started {
		d.lastTS, d.lastAt = ts, in.at
	}
	d.started = true
	return seq, ts, true
}

// startsOn reports whether a packet can start a stream that has sent
// nothing yet: a keyframe of any layer no larger than the tile needs. (When
// the publisher's layers come and go, as a busy browser's do, waiting for
// a keyframe of one chosen layer could wait for ever.)
func (d *downTrack) startsOn(in *inbound) bool {
	return d.current.Load() < 0 && in.keyframe && int32(in.layer) <= d.maxLayer.Load()
}

// switchTo starts forwarding in's layer: its numbers follow on from the
// last packet sent, and its time from the last packet's time plus the time
// that has passed.
func (d *downTrack) switchTo(in *inbound) {
	if d.started {
		d.seqOff = d.lastSeq + 1 - in.seq
		gap := uint32(max(1, (in.at-d.lastAt)*d.fwd.clock/1e9))
		d.tsOff = d.lastTS + gap - in.ts
	}
	d.epoch = in.seq + d.seqOff
	d.current.Store(int32(in.layer))
}

// readRTCP reads what the subscriber says: lost packets (NACK) are sent
// again from the layer's cache, keyframe requests go on to the publisher,
// bandwidth estimates (REMB) to the layer choice.
func (d *downTrack) readRTCP(s *webrtc.RTPSender) {
	var buf []byte
	var pkt rtp.Packet
	for {
		pkts, _, err := s.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p := p.(type) {
			case *rtcp.TransportLayerNack:
				for _, pair := range p.Nacks {
					pair.Range(func(seq uint16) bool {
						buf = d.resend(seq, buf, &pkt)
						return true
					})
				}
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				d.askKeyframe()
			case *rtcp.ReceiverEstimatedMaximumBitrate:
				d.sub.estimate.Store(int64(p.Bitrate))
			}
		}
	}
}

// resend sends again the packet the subscriber numbers seq, if it is of the
// layer forwarded now and still in its cache, rewritten as it was the
// first time. It returns buf, grown to hold the packet, for the next.
func (d *downTrack) resend(seq uint16, buf []byte, pkt *rtp.Packet) []byte {
	b := d.bound.Load()
	if b == nil || !d.fwd.video || d.deaf.Load() {
		return buf
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	cur := d.current.Load()
	if !d.started || cur < 0 || int16(seq-d.epoch) < 0 || int16(d.lastSeq-seq) < 0 {
		return buf // before this layer, or never sent
	}
	l := d.fwd.layers[cur].Load()
	if l == nil {
		return buf
	}
	raw, ok := l.cache.get(seq-d.seqOff, buf)
	if !ok {
		return buf
	}
	if pkt.Unmarshal(raw) != nil {
		return raw
	}
	strip(pkt)
	pkt.Header.SSRC = b.ssrc
	pkt.Header.PayloadType = b.pt
	pkt.Header.SequenceNumber = seq
	pkt.Header.Timestamp += d.tsOff
	if err := d.send(b, &pkt.Header, pkt.Payload); err == nil && d.fwd.sfu != nil {
		d.fwd.sfu.resent.Add(1)
	}
	return raw
}

// askKeyframe asks the publisher for a keyframe of the layer forwarded, or
// of the layer awaited when none is yet.
func (d *downTrack) askKeyframe() {
	layer := int(d.current.Load())
	if layer < 0 {
		layer = int(d.target.Load())
	}
	d.fwd.askKeyframe(layer)
}
