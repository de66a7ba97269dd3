package speech

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// WAV is the audio as a 16-bit PCM mono WAV file.
func (p PCM) WAV() []byte {
	data := 2 * len(p.Samples)
	b := make([]byte, 44, 44+data)
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+data))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1) // PCM
	binary.LittleEndian.PutUint16(b[22:], 1) // mono
	binary.LittleEndian.PutUint32(b[24:], uint32(p.Rate))
	binary.LittleEndian.PutUint32(b[28:], uint32(2*p.Rate))
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(data))
	for _, s := range p.Samples {
		b = binary.LittleEndian.AppendUint16(b, uint16(s))
	}
	return b
}

// wavFormat is what a WAV file's fmt chunk says.
type wavFormat struct {
	tag      uint16
	channels int
	rate     int
	bits     int
}

// DecodeWAV reads a 16-bit PCM WAV file of any rate, mixing several
// channels down to one. A data chunk that claims more bytes than the file
// has, as in WAV written to a pipe (espeak-ng --stdout), is read to the
// file's end.
func DecodeWAV(b []byte) (PCM, error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return PCM{}, errors.New("decode WAV: not a RIFF WAVE file")
	}
	var f *wavFormat
	for rest := b[12:]; len(rest) >= 8; {
		id, size := string(rest[0:4]), int(binary.LittleEndian.Uint32(rest[4:8]))
		body := rest[8:]
		if size > len(body) || size < 0 {
			size = len(body)
		}
		switch id {
		case "fmt ":
			var err error
			if f, err = parseFormat(body[:size]); err != nil {
				return PCM{}, err
			}
		case "data":
			if f == nil {
				return PCM{}, errors.New("decode WAV: data chunk before the fmt chunk")
			}
			return f.decode(body[:size]), nil
		}
		rest = body[min(size+size%2, len(body)):]
	}
	return PCM{}, errors.New("decode WAV: no fmt and data chunks")
}

// parseFormat reads a fmt chunk, accepting only 16-bit integer PCM.
func parseFormat(c []byte) (*wavFormat, error) {
	if len(c) < 16 {
		return nil, fmt.Errorf("decode WAV: fmt chunk of %d bytes is too short", len(c))
	}
	f := &wavFormat{
		tag:      binary.LittleEndian.Uint16(c[0:]),
		channels: int(binary.LittleEndian.Uint16(c[2:])),
		rate:     int(binary.LittleEndian.Uint32(c[4:])),
		bits:     int(binary.LittleEndian.Uint16(c[14:])),
	}
	if f.tag == 0xFFFE && len(c) >= 26 { // WAVE_FORMAT_EXTENSIBLE: the sub-format's tag
		f.tag = binary.LittleEndian.Uint16(c[24:])
	}
	switch {
	case f.tag != 1:
		return nil, fmt.Errorf("decode WAV: format %#x is not integer PCM", f.tag)
	case f.bits != 16:
		return nil, fmt.Errorf("decode WAV: %d-bit samples, want 16-bit", f.bits)
	case f.channels < 1 || f.rate < 1:
		return nil, fmt.Errorf("decode WAV: %d channels at %d Hz", f.channels, f.rate)
	}
	return f, nil
}

// decode turns interleaved 16-bit frames into mono by averaging the
// channels; a trailing partial frame is dropped.
func (f *wavFormat) decode(data []byte) PCM {
	n := len(data) / (2 * f.channels)
	out := PCM{Rate: f.rate, Samples: make([]int16, n)}
	for i := range out.Samples {
		var sum int
		for c := range f.channels {
			off := 2 * (i*f.channels + c)
			sum += int(int16(binary.LittleEndian.Uint16(data[off:])))
		}
		out.Samples[i] = int16(sum / f.channels)
	}
	return out
}
