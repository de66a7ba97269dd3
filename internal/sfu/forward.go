package sfu

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// forwarder is one published track: a microphone, a screen, or a camera
// that may come in up to three simulcast layers. Each layer is read by a
// goroutine of its own, which writes every packet to the subscribers'
// downTracks; each downTrack takes the packets of the layer it forwards.
// The list of subscribers is read per packet through an atomic pointer: no
// allocation, lock or copy per packet on the way in.
type forwarder struct {
	pub     *Peer
	purpose string
	kind    webrtc.RTPCodecType
	mime    string
	clock   int64 // the codec's RTP clock rate
	video   bool
	voice   *voice // a microphone's speech, for the active speaker

	layers [maxLayers]atomic.Pointer[layer] // by quality: 0 the lowest
	sfu    *SFU                             // for its counters; nil in benchmarks

	mu    sync.Mutex                   // serialises changes to downs
	downs atomic.Pointer[[]*downTrack] // read per packet without a lock
}

// maxLayers is the number of simulcast layers a camera may send.
const maxLayers = 3

// layer is one encoding of a published track, as it arrives.
type layer struct {
	index  int
	fwd    *forwarder
	remote *webrtc.TrackRemote // nil for a tunnel participant's track
	ssrc   uint32              // 0 for a tunnel participant's track
	// twccExt is the ID of the transport-wide sequence number extension
	// with the publisher, for the fast path; 0: none.
	twccExt uint8
	// keyframe asks the publisher for a keyframe of this layer: a picture
	// loss indication, or a tunnel client's keyframe message.
	keyframe func()
	bytes    atomic.Int64 // since the last measure
	last     atomic.Int64 // unix nanoseconds of the last packet
	bps      atomic.Int64 // measured bitrate, bits a second
	frames   atomic.Int64 // video frames ended (marker bits) since the last measure
	fps      atomic.Int64 // measured frame rate, frames a second

	lastKeyframeAsk atomic.Int64 // unix nanoseconds

	cache packetCache // a video layer's latest packets, for NACKs

	// mu serialises the layer's packets: pion's reader and the fast path
	// can both have one (the first packets of a stream come through pion).
	mu  sync.Mutex
	pkt rtp.Packet // the packet being forwarded, parsed; under mu
	rx  receiveLog // what arrived, for NACKs and receiver reports; under mu
}

// keyframeEvery is the least time between two keyframe requests to a
// publisher's layer: subscribers joining or losing packets together ask once.
const keyframeEvery = 200 * time.Millisecond

func newForwarder(pub *Peer, remote *webrtc.TrackRemote, purpose string, v *voice) *forwarder {
	return makeForwarder(pub, remote.Kind(), remote.Codec().RTPCodecCapability, purpose, v)
}

func makeForwarder(pub *Peer, kind webrtc.RTPCodecType, codec webrtc.RTPCodecCapability, purpose string, v *voice) *forwarder {
	f := &forwarder{pub: pub, purpose: purpose, kind: kind, mime: codec.MimeType, clock: int64(codec.ClockRate),
		video: kind == webrtc.RTPCodecTypeVideo, voice: v, sfu: pub.sfu}
	f.downs.Store(&[]*downTrack{})
	return f
}

// ridLayer maps a simulcast stream ID to its layer: q(uarter), h(alf),
// f(ull), as browsers and LiveKit name them; also l/m/h and 0/1/2. A track
// without simulcast is layer 0.
func ridLayer(rid string) int {
	switch rid {
	case "h", "m", "1":
		return 1
	case "f", "2":
		return 2
	}
	return 0
}

// addLayer takes a received encoding; it returns false if the layer is
// already taken.
func (f *forwarder) addLayer(remote *webrtc.TrackRemote, twccExt uint8) (*layer, bool) {
	pc, ssrc := f.pub.pc, uint32(remote.SSRC())
	l := &layer{index: ridLayer(remote.RID()), fwd: f, remote: remote, ssrc: ssrc, twccExt: twccExt, keyframe: func() {
		_ = pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ssrc}})
	}}
	l.rx.clock = uint32(f.clock)
	if !f.layers[l.index].CompareAndSwap(nil, l) {
		return nil, false
	}
	return l, true
}

// simulcast reports whether the track comes in more than one layer.
func (f *forwarder) simulcast() bool { return f.layers[1].Load() != nil || f.layers[2].Load() != nil }

// streamID names the publisher and the purpose, "12-camera", so that a
// subscriber knows whose track it receives and what it is.
func (f *forwarder) streamID() string { return fmt.Sprintf("%d-%s", f.pub.user, f.purpose) }

func (f *forwarder) add(d *downTrack) {
	f.mu.Lock()
	defer f.mu.Unlock()
	list := append(append([]*downTrack{}, *f.downs.Load()...), d)
	f.downs.Store(&list)
}

func (f *forwarder) remove(d *downTrack) {
	f.mu.Lock()
	defer f.mu.Unlock()
	old := *f.downs.Load()
	list := make([]*downTrack, 0, len(old))
	for _, x := range old {
		if x != d {
			list = append(list, x)
		}
	}
	f.downs.Store(&list)
}

// run forwards the layer's packets that come through pion until it ends.
func (f *forwarder) run(l *layer) {
	buf := make([]byte, 1500)
	for {
		n, _, err := l.remote.Read(buf)
		if err != nil {
			return
		}
		f.forwardLocked(l, buf[:n])
	}
}

// forwardLocked forwards one packet of the layer under the layer's lock.
func (f *forwarder) forwardLocked(l *layer, b []byte) {
	l.mu.Lock()
	f.forward(l, b, &l.pkt)
	l.mu.Unlock()
}

// forward writes one packet to every subscriber. Header extensions are the
// publisher's (their IDs were negotiated with it, not with the
// subscribers): they are dropped, and each subscriber's interceptors add
// their own.
func (f *forwarder) forward(l *layer, b []byte, pkt *rtp.Packet) {
	if err := pkt.Unmarshal(b); err != nil {
		return
	}
	if f.video {
		l.cache.put(pkt.SequenceNumber, b)
	}
	now := time.Now().UnixNano()
	l.rx.record(pkt.SequenceNumber, pkt.Timestamp, now)
	l.bytes.Add(int64(len(b)))
	if pkt.Marker {
		l.frames.Add(1)
	}
	l.last.Store(now)
	if f.voice != nil && f.voice.ext != 0 {
		if level := pkt.Header.GetExtension(f.voice.ext); len(level) > 0 {
			f.voice.note(level[0])
		}
	}
	strip(pkt)
	in := inbound{layer: l.index, seq: pkt.SequenceNumber, ts: pkt.Timestamp, at: now,
		keyframe: f.video && vp8Keyframe(pkt.Payload)}
	downs := *f.downs.Load()
	for _, d := range downs {
		d.write(&in, pkt)
	}
	if f.sfu != nil {
		f.sfu.forwarded.Add(uint64(len(downs)))
	}
}

// strip readies a publisher's packet for subscribers: its header
// extensions go (their IDs were negotiated with the publisher), and so does
// padding after a payload. A padding-only packet (the publisher probing its
// bandwidth) goes on as it is: its sequence number is part of the stream,
// and a browser that resends a lost packet without RTX resends it under its
// own number.
func strip(pkt *rtp.Packet) {
	pkt.Header.Extension = false
	pkt.Header.Extensions = pkt.Header.Extensions[:0]
	pkt.Header.Padding = len(pkt.Payload) == 0 && pkt.Header.PaddingSize > 0
	if !pkt.Header.Padding {
		pkt.Header.PaddingSize = 0
	}
}

// askKeyframe sends the publisher a picture loss indication for a layer, at
// most once per keyframeEvery.
func (f *forwarder) askKeyframe(index int) {
	l := f.layers[index].Load()
	if !f.video || l == nil {
		return
	}
	now := time.Now().UnixNano()
	last := l.lastKeyframeAsk.Load()
	if now-last < int64(keyframeEvery) || !l.lastKeyframeAsk.CompareAndSwap(last, now) {
		return
	}
	l.keyframe()
	if f.sfu != nil {
		f.sfu.keyframes.Add(1)
	}
}

// measure updates each layer's bitrate over the elapsed time: a moving
// average, so that a keyframe's burst does not swing it.
func (f *forwarder) measure(elapsed time.Duration) {
	for i := range f.layers {
		l := f.layers[i].Load()
		if l == nil {
			continue
		}
		l.bps.Store(smooth(l.bps.Load(), int64(float64(l.bytes.Swap(0)*8)/elapsed.Seconds())))
		l.fps.Store(smooth(l.fps.Load(), int64(math.Round(float64(l.frames.Swap(0))/elapsed.Seconds()))))
	}
}

// smooth is a moving average of a layer's measure: the new reading weighs
// three tenths (the first is taken as it is).
func smooth(old, reading int64) int64 {
	if old == 0 {
		return reading
	}
	return (old*7 + reading*3) / 10
}

// live reports whether a layer has sent in the last second.
func (f *forwarder) live(index int, now int64) bool {
	l := f.layers[index].Load()
	return l != nil && now-l.last.Load() < int64(time.Second)
}

// vp8Keyframe reports whether a VP8 RTP payload starts a keyframe: the
// payload descriptor (RFC 7741) marks the start of partition 0, and the
// frame's first byte has the inverse key frame flag clear.
func vp8Keyframe(p []byte) bool {
	if len(p) < 1 {
		return false
	}
	s, pid := p[0]&0x10 != 0, p[0]&0x07
	if !s || pid != 0 {
		return false
	}
	i := 1
	if p[0]&0x80 != 0 { // X: extensions follow
		if len(p) < 2 {
			return false
		}
		x := p[1]
		i = 2
		if x&0x80 != 0 { // I: picture ID, 7 or 15 bits
			if len(p) <= i {
				return false
			}
			if p[i]&0x80 != 0 {
				i++
			}
			i++
		}
		if x&0x40 != 0 { // L: TL0PICIDX
			i++
		}
		if x&0x30 != 0 { // T or K
			i++
		}
	}
	return len(p) > i && p[i]&0x01 == 0
}

// isMime compares codec names as RFC 6838 does: without regard to case.
func isMime(a, b string) bool { return strings.EqualFold(a, b) }
