// Package relay carries calls for browsers that cannot use WebRTC: they
// encode their camera and microphone with WebCodecs and send the encoded
// frames over a WebSocket. This package is the bridge's codec side: RTP
// from the SFU becomes whole frames for such a browser (depacketized, put
// back in order, a video frame with a hole in it dropped until the next
// keyframe, which is asked for), and its frames become RTP for the SFU.
package relay

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4/pkg/media/samplebuilder"
)

// Kind is what a frame carries.
type Kind byte

// The kinds of frames on the relay's WebSocket.
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
var ErrBadFrame = errors.New("relay: not a frame (kind, flags, track, timestamp, data)")

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
// late or out of order (up to maxLate); a video frame that lost a packet is
// dropped, and so is every frame after it until a keyframe, since they
// cannot be decoded: NeedKeyframe says so, for the bridge to ask.
type Depacketizer struct {
	kind    Kind
	sb      *samplebuilder.SampleBuilder
	waitKey bool // video: a frame was lost; only a keyframe may follow
	askKey  bool
}

// maxLate is how many packets the depacketizer waits for a late one.
const maxLate = 64

// NewDepacketizer depacketizes VP8 (Video) or Opus (Audio).
func NewDepacketizer(kind Kind) *Depacketizer {
	if kind == Video {
		return &Depacketizer{kind: kind, waitKey: true,
			sb: samplebuilder.New(maxLate, &codecs.VP8Packet{}, 90000, samplebuilder.WithMaxTimeDelay(500*time.Millisecond))}
	}
	return &Depacketizer{kind: kind, sb: samplebuilder.New(maxLate, &codecs.OpusPacket{}, 48000)}
}

// Push takes a packet and returns the frames it completes, in order.
func (d *Depacketizer) Push(p *rtp.Packet) []Frame {
	d.sb.Push(p)
	var out []Frame
	for s := d.sb.Pop(); s != nil; s = d.sb.Pop() {
		f := Frame{Kind: d.kind, Timestamp: s.PacketTimestamp, Data: s.Data}
		if d.kind == Video {
			f.Keyframe = len(s.Data) > 0 && s.Data[0]&0x01 == 0 // VP8's inverse key frame flag
			if s.PrevDroppedPackets > 0 && !f.Keyframe {
				d.waitKey = true
			}
			if d.waitKey && !f.Keyframe {
				d.askKey = true
				continue
			}
			d.waitKey = false
		}
		out = append(out, f)
	}
	return out
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

// PurposeCode numbers what a relay client publishes, in the track byte of
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
