package speech

import (
	"fmt"

	"github.com/thesyncim/gopus"
)

// The call's Opus audio: 48 kHz mono in 20 ms frames, as WebRTC sends it.
const (
	OpusRate  = 48000
	OpusFrame = OpusRate / 50 // samples in 20 ms
)

// DefaultOpusBitrate is the encoder's bitrate when none is asked for:
// plenty for wideband speech.
const DefaultOpusBitrate = 32000

// maxOpusPacket holds any Opus packet.
const maxOpusPacket = 4000

// Encoder turns 20 ms frames of 48 kHz mono speech into Opus packets. It is
// not safe for concurrent use: give each outgoing track its own.
type Encoder struct {
	enc *gopus.Encoder
	buf []byte
}

// NewEncoder makes an Opus encoder tuned for speech (the VoIP application)
// at bitrate bits a second, or DefaultOpusBitrate when bitrate is 0.
func NewEncoder(bitrate int) (*Encoder, error) {
	enc, err := gopus.NewEncoder(gopus.EncoderConfig{
		SampleRate: OpusRate, Channels: 1, Application: gopus.ApplicationVoIP,
	})
	if err != nil {
		return nil, fmt.Errorf("new Opus encoder: %w", err)
	}
	if bitrate == 0 {
		bitrate = DefaultOpusBitrate
	}
	if err := enc.SetBitrate(bitrate); err != nil {
		return nil, fmt.Errorf("new Opus encoder: bitrate %d: %w", bitrate, err)
	}
	return &Encoder{enc: enc, buf: make([]byte, maxOpusPacket)}, nil
}

// Encode compresses one frame of OpusFrame samples into a packet of its
// own, which the caller may keep.
func (e *Encoder) Encode(frame []int16) ([]byte, error) {
	if len(frame) != OpusFrame {
		return nil, fmt.Errorf("Opus encode: frame of %d samples, want %d (20 ms at 48 kHz)", len(frame), OpusFrame)
	}
	n, err := e.enc.EncodeInt16(frame, e.buf)
	if err != nil {
		return nil, fmt.Errorf("Opus encode: %w", err)
	}
	return append([]byte(nil), e.buf[:n]...), nil
}

// EncodePCM resamples p to 48 kHz and encodes it as one packet per 20 ms,
// the last frame padded with silence.
func (e *Encoder) EncodePCM(p PCM) ([][]byte, error) {
	if err := p.check(); err != nil {
		return nil, fmt.Errorf("Opus encode: %w", err)
	}
	frames := p.Resample(OpusRate).Frames(OpusFrame)
	packets := make([][]byte, 0, len(frames))
	for _, f := range frames {
		pkt, err := e.Encode(f)
		if err != nil {
			return nil, err
		}
		packets = append(packets, pkt)
	}
	return packets, nil
}

// Decoder turns Opus packets back into 48 kHz mono samples. It is not safe
// for concurrent use: give each incoming track its own.
type Decoder struct {
	dec *gopus.Decoder
	buf []int16
}

// NewDecoder makes an Opus decoder for 48 kHz mono.
func NewDecoder() (*Decoder, error) {
	cfg := gopus.DefaultDecoderConfig(OpusRate, 1)
	dec, err := gopus.NewDecoder(cfg)
	if err != nil {
		return nil, fmt.Errorf("new Opus decoder: %w", err)
	}
	return &Decoder{dec: dec, buf: make([]int16, cfg.MaxPacketSamples)}, nil
}

// Decode decompresses one packet into samples of their own (960 for a
// 20 ms packet). A nil or empty packet stands for a lost one: the decoder
// conceals it with a frame guessed from the audio before.
func (d *Decoder) Decode(packet []byte) ([]int16, error) {
	if len(packet) == 0 {
		packet = nil
	}
	n, err := d.dec.DecodeInt16(packet, d.buf)
	if err != nil {
		return nil, fmt.Errorf("Opus decode: packet of %d bytes: %w", len(packet), err)
	}
	return append([]int16(nil), d.buf[:n]...), nil
}

// Conceal stands in for a lost packet: it is Decode(nil).
func (d *Decoder) Conceal() ([]int16, error) { return d.Decode(nil) }
