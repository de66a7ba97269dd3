package sfu

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// forwarder reads one published track and writes each packet to every
// subscriber's downTrack. It owns the packet it reads into: no allocation,
// lock or copy per packet.
type forwarder struct {
	pub     *Peer
	remote  *webrtc.TrackRemote
	purpose string
	video   bool
	voice   *voice // a microphone's speech, for the active speaker

	mu    sync.Mutex                   // serialises changes to downs
	downs atomic.Pointer[[]*downTrack] // read per packet without a lock

	lastKeyframeAsk atomic.Int64 // unix nanoseconds
}

// keyframeEvery is the least time between two keyframe requests to a
// publisher: subscribers joining or losing packets together ask once.
const keyframeEvery = 200 * time.Millisecond

func newForwarder(pub *Peer, remote *webrtc.TrackRemote, purpose string, v *voice) *forwarder {
	f := &forwarder{pub: pub, remote: remote, purpose: purpose, video: remote.Kind() == webrtc.RTPCodecTypeVideo, voice: v}
	f.downs.Store(&[]*downTrack{})
	return f
}

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

// run forwards packets until the track ends.
func (f *forwarder) run() {
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	for {
		n, _, err := f.remote.Read(buf)
		if err != nil {
			return
		}
		f.forward(buf[:n], &pkt)
	}
}

// forward writes one packet to every subscriber. Header extensions are the
// publisher's (their IDs were negotiated with it, not with the
// subscribers): they are dropped, and each subscriber's interceptors add
// their own. Padding-only packets (bandwidth probes) are the publisher's
// business and are not forwarded.
func (f *forwarder) forward(b []byte, pkt *rtp.Packet) {
	if err := pkt.Unmarshal(b); err != nil || len(pkt.Payload) == 0 {
		return
	}
	if f.voice != nil && f.voice.ext != 0 {
		if level := pkt.Header.GetExtension(f.voice.ext); len(level) > 0 {
			f.voice.note(level[0])
		}
	}
	pkt.Header.Extension = false
	pkt.Header.Extensions = pkt.Header.Extensions[:0]
	pkt.Header.Padding = false
	pkt.PaddingSize = 0
	for _, d := range *f.downs.Load() {
		d.write(pkt)
	}
}

// askKeyframe sends the publisher a picture loss indication, at most once
// per keyframeEvery.
func (f *forwarder) askKeyframe() {
	if !f.video {
		return
	}
	now := time.Now().UnixNano()
	last := f.lastKeyframeAsk.Load()
	if now-last < int64(keyframeEvery) || !f.lastKeyframeAsk.CompareAndSwap(last, now) {
		return
	}
	_ = f.pub.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(f.remote.SSRC())}})
}

// downTrack is a forwarded track as one subscriber receives it: a
// webrtc.TrackLocal that rewrites each packet's SSRC and payload type to
// what was negotiated with that subscriber.
type downTrack struct {
	fwd   *forwarder
	bound atomic.Pointer[binding]
}

// binding is what the subscriber's peer connection negotiated for a track.
type binding struct {
	ssrc uint32
	pt   uint8
	w    webrtc.TrackLocalWriter
}

func newDownTrack(f *forwarder) *downTrack { return &downTrack{fwd: f} }

// Bind is called by pion when the subscriber's negotiation takes the track;
// the publisher is asked for a keyframe so that the new subscriber can
// start decoding at once.
func (d *downTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	want := d.fwd.remote.Codec().MimeType
	for _, c := range ctx.CodecParameters() {
		if strings.EqualFold(c.MimeType, want) {
			d.bound.Store(&binding{ssrc: uint32(ctx.SSRC()), pt: uint8(c.PayloadType), w: ctx.WriteStream()})
			d.fwd.askKeyframe()
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

// ID is the track's purpose: "mic", "camera" or "screen".
func (d *downTrack) ID() string { return d.fwd.purpose }

// RID is empty: a subscriber receives one layer.
func (d *downTrack) RID() string { return "" }

// StreamID names the publisher and the purpose.
func (d *downTrack) StreamID() string { return d.fwd.streamID() }

// Kind is audio or video.
func (d *downTrack) Kind() webrtc.RTPCodecType { return d.fwd.remote.Kind() }

// write sends one packet to the subscriber, once bound.
func (d *downTrack) write(pkt *rtp.Packet) {
	b := d.bound.Load()
	if b == nil {
		return
	}
	pkt.Header.SSRC = b.ssrc
	pkt.Header.PayloadType = b.pt
	_, _ = b.w.WriteRTP(&pkt.Header, pkt.Payload)
}

// readRTCP reads what the subscriber says about the track (the NACK
// responder answers its NACKs on the way) and passes keyframe requests on
// to the publisher.
func (d *downTrack) readRTCP(s *webrtc.RTPSender) {
	for {
		pkts, _, err := s.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				d.fwd.askKeyframe()
			}
		}
	}
}
