package mediaclient

import (
	"context"
	"encoding/binary"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// Tracks makes a synthetic camera (VP8) and microphone (Opus) and adds them
// to the client's peer connection as "camera" and "mic".
func (c *Client) Tracks() (video, audio *webrtc.TrackLocalStaticRTP, err error) {
	return AddTracks(c.PC)
}

// AddTracks adds a synthetic camera (VP8) and microphone (Opus), "camera"
// and "mic", to any peer connection; Send feeds them. Their senders' RTCP
// is read, so that the interceptors see it.
func AddTracks(pc *webrtc.PeerConnection) (video, audio *webrtc.TrackLocalStaticRTP, err error) {
	video, err = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "camera", "synthetic")
	if err != nil {
		return nil, nil, err
	}
	audio, err = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "mic", "synthetic")
	if err != nil {
		return nil, nil, err
	}
	for _, t := range []webrtc.TrackLocal{video, audio} {
		s, err := pc.AddTrack(t)
		if err != nil {
			return nil, nil, err
		}
		go drainRTCP(s)
	}
	return video, audio, nil
}

func drainRTCP(s *webrtc.RTPSender) {
	for {
		if _, _, err := s.ReadRTCP(); err != nil {
			return
		}
	}
}

// Stamp is where a synthetic packet carries the time it was sent (Unix
// nanoseconds), so that a receiver can measure what the path added: after
// a VP8 payload descriptor and the VP8 frame's first byte (its key frame
// flag), or an Opus TOC byte and a filler byte.
const Stamp = 2

// FrameSentAt reads the send time of a synthetic frame as a tunnel client
// receives it (depacketized: a VP8 frame has lost its descriptor).
func FrameSentAt(video bool, data []byte) (time.Time, bool) {
	if video {
		return SentAt(append([]byte{0}, data...))
	}
	return SentAt(data)
}

// SentAt reads the send time of a synthetic packet's payload.
func SentAt(payload []byte) (time.Time, bool) {
	if len(payload) < Stamp+8 {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(payload[Stamp:]))), true
}

// Send writes synthetic media until ctx ends: VP8 at 30 frames a second
// and about kbps kilobits a second, in packets of at most 1,100 bytes with
// a keyframe every two seconds, and Opus at 50 packets a second of 80
// bytes. Every payload carries its send time (see SentAt).
func Send(ctx context.Context, video, audio *webrtc.TrackLocalStaticRTP, kbps int) {
	frameBytes := kbps * 1000 / 8 / 30
	vt := time.NewTicker(time.Second / 30)
	at := time.NewTicker(20 * time.Millisecond)
	defer vt.Stop()
	defer at.Stop()
	buf := make([]byte, 1200)
	var vseq, aseq uint16
	var frame, apkt uint32
	for {
		select {
		case <-ctx.Done():
			return
		case <-at.C:
			if audio != nil {
				p := stamp(buf[:80], 0xfc, 0)
				_ = audio.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: aseq, Timestamp: apkt * 960, Marker: apkt == 0}, Payload: p})
				aseq++
				apkt++
			}
		case <-vt.C:
			if video == nil {
				continue
			}
			size := frameBytes
			if frame%60 == 0 {
				size *= 4 // a keyframe
			}
			for left := size; left > 0; {
				n := min(left, 1100)
				left -= n
				p := stamp(buf[:max(n, Stamp+8)], vp8Descriptor(n == min(size, 1100)), vp8Tag(frame%60 == 0))
				_ = video.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: vseq, Timestamp: frame * 3000, Marker: left == 0}, Payload: p})
				vseq++
			}
			frame++
		}
	}
}

// vp8Descriptor is the first payload byte: S marks a frame's first packet.
func vp8Descriptor(first bool) byte {
	if first {
		return 0x10
	}
	return 0x00
}

// vp8Tag is a VP8 frame's first byte as far as a keyframe goes: bit 0 is
// the inverse key frame flag.
func vp8Tag(key bool) byte {
	if key {
		return 0x00
	}
	return 0x01
}

func stamp(p []byte, first, second byte) []byte {
	p[0], p[1] = first, second
	binary.BigEndian.PutUint64(p[Stamp:], uint64(time.Now().UnixNano()))
	return p
}
