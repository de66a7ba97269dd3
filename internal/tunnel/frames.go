// Package tunnel carries calls for browsers that cannot use WebRTC: they
// encode their camera and microphone with WebCodecs and send the encoded
// frames over a WebSocket. This package is the bridge's codec side: RTP
// from the SFU becomes whole frames for such a browser (depacketized, put
// back in order, a video frame with a hole in it dropped until the next
// keyframe, which is asked for), and its frames become RTP for the SFU.
package tunnel

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
)

// Kind is what a frame carries.
type Kind byte

// The kinds of frames on the tunnel's WebSocket.
const (
	Video Kind = 1 // VP8
	Audio Kind = 2 // Opus
	// Text is not a frame on the wire: it is a control message (JSON) that
	// an Outbox holds, sent as a WebSocket text message.
	Text Kind = 0
)

// Frame is one encoded video or audio frame of one track.
type Frame struct {
	Kind     Kind
	Keyframe bool
	// Track is which track the frame belongs to: from a client, what it
	// publishes (PurposeCode); to a client, the number the server gave the
	// track it receives.
	Track     byte
	Timestamp uint32 // in the codec's RTP clock (90 kHz video, 48 kHz audio)
	// Level is an audio frame's loudness as RFC 6464 gives it, in -dBov: 0
	// the loudest, 127 silence. It feeds the room's active speaker.
	Level byte
	Data  []byte
}

// Wire format of a frame in a binary WebSocket message: kind (1 byte),
// flags (1 byte: a video frame's bit 0 says keyframe; an audio frame's
// bits 1-7 are its level), track (1 byte), timestamp (4 bytes, big endian),
// then the encoded frame.
const headerSize = 7

// Marshal appends the frame in its wire format to b.
func (f *Frame) Marshal(b []byte) []byte {
	var flags byte
	switch {
	case f.Kind == Audio:
		flags = (f.Level & 0x7f) << 1
	case f.Keyframe:
		flags = 1
	}
	b = append(b, byte(f.Kind), flags, f.Track)
	b = binary.BigEndian.AppendUint32(b, f.Timestamp)
	return append(b, f.Data...)
}

// ErrBadFrame is a message that is not a frame.
var ErrBadFrame = errors.New("tunnel: not a frame (kind, flags, track, timestamp, data)")

// Unmarshal reads a frame in its wire format; Data aliases b.
func (f *Frame) Unmarshal(b []byte) error {
	if len(b) <= headerSize || (Kind(b[0]) != Video && Kind(b[0]) != Audio) || (Kind(b[0]) == Video && b[1]&^1 != 0) || (Kind(b[0]) == Audio && b[1]&1 != 0) {
		return ErrBadFrame
	}
	f.Kind, f.Track = Kind(b[0]), b[2]
	f.Keyframe = f.Kind == Video && b[1]&1 != 0
	f.Level = 127
	if f.Kind == Audio {
		f.Level = b[1] >> 1
	}
	f.Timestamp = binary.BigEndian.Uint32(b[3:])
	f.Data = b[headerSize:]
	return nil
}

// Depacketizer turns one track's RTP packets into frames. Packets may come
// late or out of order: a frame is given out the moment its last packet
// is in (a VP8 frame runs from a packet that starts it to the packet with
// the marker bit; an Opus frame is one packet), in order. A hole waits for
// its packet (a NACK's resend) for maxWait or maxLate packets, then counts
// as lost: a video frame that lost a packet is dropped, and so is every
// frame after it until a keyframe, since they cannot be decoded;
// NeedKeyframe says so, for the bridge to ask.
type Depacketizer struct {
	kind    Kind
	buf     [window]*rtp.Packet // by sequence number modulo window
	started bool
	next    uint16    // the first packet of the next frame to give out
	highest uint16    // the latest packet held
	holeAt  time.Time // since when the packet at next is awaited; zero: none
	waitKey bool      // video: a frame was lost; only a keyframe may follow
	askKey  bool
	vp8     codecs.VP8Packet
	now     func() time.Time
}

// The depacketizer's limits: packets held, packets a hole may wait for,
// and how long.
const (
	window  = 512
	maxLate = 64
	maxWait = 200 * time.Millisecond
)

// NewDepacketizer depacketizes VP8 (Video) or Opus (Audio).
func NewDepacketizer(kind Kind) *Depacketizer {
	return &Depacketizer{kind: kind, waitKey: kind == Video, now: time.Now}
}

// Push takes a packet and returns the frames it completes, in order.
func (d *Depacketizer) Push(p *rtp.Packet) []Frame {
	if !d.started {
		d.started, d.next, d.highest = true, p.SequenceNumber, p.SequenceNumber
	}
	ahead := int16(p.SequenceNumber - d.next)
	if ahead < 0 {
		return nil // too late: its frame is given out or given up
	}
	if ahead >= window {
		d.reset(p.SequenceNumber) // a jump: start over from here
	}
	d.buf[p.SequenceNumber%window] = p
	if int16(p.SequenceNumber-d.highest) > 0 {
		d.highest = p.SequenceNumber
	}
	return d.drain()
}

// reset forgets what is held and starts at seq.
func (d *Depacketizer) reset(seq uint16) {
	clear(d.buf[:])
	d.next, d.highest, d.holeAt = seq, seq, time.Time{}
	if d.kind == Video {
		d.waitKey, d.askKey = true, true
	}
}

// drain gives out every whole frame at the head, and gives up a hole that
// has waited too long.
func (d *Depacketizer) drain() []Frame {
	var out []Frame
	for {
		f, n, ok := d.head()
		if ok {
			d.consume(n)
			if f != nil {
				out = append(out, *f)
			}
			continue
		}
		if !d.giveUp() {
			return out
		}
	}
}

// head looks at the frame that starts at next: (the frame, its packets,
// true) when it is whole; (nil, n, true) when its n packets are to be
// skipped (padding, not the start of a frame, or not decodable); false
// when a packet is missing. The SFU forwards a publisher's padding-only
// packets, whose numbers are part of the stream: they are passed over, or
// each would count as a lost frame and stop the video until a keyframe.
func (d *Depacketizer) head() (*Frame, int, bool) {
	first := d.buf[d.next%window]
	if first == nil {
		return nil, 0, false
	}
	if len(first.Payload) == 0 {
		return nil, 1, true // padding only (the publisher probing its bandwidth): no frame's part
	}
	if d.kind == Audio {
		return &Frame{Kind: Audio, Timestamp: first.Timestamp, Data: first.Payload}, 1, true
	}
	if !d.startsFrame(first) {
		d.lost()
		return nil, 1, true // the frame's start was lost
	}
	n, end := d.frameEnd(first.Timestamp)
	switch end {
	case frameOpen:
		return nil, 0, false
	case frameCut:
		d.waitKey = true // what follows may depend on it; a keyframe may not, and is not asked for yet
		return nil, n, true
	}
	f := &Frame{Kind: Video, Timestamp: first.Timestamp, Data: d.assemble(n)}
	f.Keyframe = len(f.Data) > 0 && f.Data[0]&0x01 == 0
	if d.waitKey && !f.Keyframe {
		d.askKey = true
		return nil, n, true
	}
	d.waitKey = false
	return f, n, true
}

// How a frame at the head ends: its last packet (the marker) is still to
// come, it is whole, or it was cut: a packet of a later frame follows its
// last one held, with no number missing between, so the rest of it was
// never sent (the SFU switched simulcast layers in the middle of it).
type ending int

const (
	frameOpen ending = iota
	frameWhole
	frameCut
)

// frameEnd counts the packets of the frame at next, up to the one with the
// marker bit, and says how it ends.
func (d *Depacketizer) frameEnd(ts uint32) (int, ending) {
	for n := 0; n < window; n++ {
		p := d.buf[(d.next+uint16(n))%window]
		switch {
		case p == nil:
			return 0, frameOpen
		case len(p.Payload) == 0:
			continue // padding: of no frame (assemble skips it)
		case p.Timestamp != ts:
			return n, frameCut
		case p.Marker:
			return n + 1, frameWhole
		}
	}
	return 0, frameOpen
}

// assemble joins the VP8 payloads of the n packets at next.
func (d *Depacketizer) assemble(n int) []byte {
	size := 0
	for i := range n {
		size += len(d.buf[(d.next+uint16(i))%window].Payload)
	}
	data := make([]byte, 0, size)
	for i := range n {
		if _, err := d.vp8.Unmarshal(d.buf[(d.next+uint16(i))%window].Payload); err == nil {
			data = append(data, d.vp8.Payload...)
		}
	}
	return data
}

// startsFrame reports whether a VP8 packet begins a frame: S set and
// partition 0.
func (d *Depacketizer) startsFrame(p *rtp.Packet) bool {
	if _, err := d.vp8.Unmarshal(p.Payload); err != nil {
		return false
	}
	return d.vp8.S == 1 && d.vp8.PID == 0
}

// consume moves past n packets given out or skipped.
func (d *Depacketizer) consume(n int) {
	for range n {
		d.buf[d.next%window] = nil
		d.next++
	}
	d.holeAt = time.Time{}
}

// giveUp decides whether the hole at the head is lost: it has waited
// maxWait, or maxLate packets have come after it. A lost hole is skipped.
func (d *Depacketizer) giveUp() bool {
	later := int(int16(d.highest - d.next))
	if later <= 0 || !d.holeBefore(later) {
		return false // no hole: the frame's last packets are still to come
	}
	now := d.now()
	if d.holeAt.IsZero() {
		d.holeAt = now
	}
	if later < maxLate && now.Sub(d.holeAt) < maxWait {
		return false
	}
	// Skip what is held of a frame with a hole in it, and the hole, to the
	// first packet held after it.
	if first := d.buf[d.next%window]; first != nil {
		for p := first; p != nil && p.Timestamp == first.Timestamp; p = d.buf[d.next%window] {
			d.buf[d.next%window] = nil
			d.next++
		}
	}
	for d.buf[d.next%window] == nil {
		d.next++
	}
	if d.kind == Video {
		d.lost()
	}
	d.holeAt = time.Time{}
	return true
}

// holeBefore reports whether a packet is missing among the n after next.
func (d *Depacketizer) holeBefore(n int) bool {
	for i := range n {
		if d.buf[(d.next+uint16(i))%window] == nil {
			return true
		}
	}
	return false
}

// lost notes that video was lost: nothing but a keyframe may follow.
func (d *Depacketizer) lost() {
	d.waitKey, d.askKey = true, true
}

// NeedKeyframe reports, once, that frames are being dropped for want of a
// keyframe.
func (d *Depacketizer) NeedKeyframe() bool {
	ask := d.askKey
	d.askKey = false
	return ask
}

// Packetizer turns one track's frames into RTP packets for the SFU.
type Packetizer struct {
	p      rtp.Packetizer
	tsBase uint32 // random, as RFC 3550 asks; a frame's timestamp is added
}

// mtu is the largest RTP packet the packetizer makes.
const mtu = 1200

// NewPacketizer packetizes VP8 (Video) or Opus (Audio) with the SSRC and
// payload type given.
func NewPacketizer(kind Kind, ssrc uint32, pt uint8) *Packetizer {
	var payloader rtp.Payloader = &codecs.OpusPayloader{}
	clock := uint32(48000)
	if kind == Video {
		payloader, clock = &codecs.VP8Payloader{EnablePictureID: true}, 90000
	}
	return &Packetizer{p: rtp.NewPacketizer(mtu, pt, ssrc, payloader, rtp.NewRandomSequencer(), clock), tsBase: randomUint32()}
}

// Packetize returns the packets of a frame, stamped with the frame's time.
func (p *Packetizer) Packetize(f *Frame) []*rtp.Packet {
	pkts := p.p.Packetize(f.Data, 0)
	for _, pkt := range pkts {
		pkt.Timestamp = p.tsBase + f.Timestamp
	}
	return pkts
}

func randomUint32() uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint32(b[:])
}

// PurposeCode numbers what a tunnel client publishes, in the track byte of
// the frames it sends: 1 microphone, 2 camera, 3 screen.
func PurposeCode(purpose string) byte {
	switch purpose {
	case "mic":
		return 1
	case "camera":
		return 2
	case "screen":
		return 3
	}
	return 0
}

// PurposeOf is the purpose a client's track byte names, or "" for none.
func PurposeOf(code byte) string {
	switch code {
	case 1:
		return "mic"
	case 2:
		return "camera"
	case 3:
		return "screen"
	}
	return ""
}
