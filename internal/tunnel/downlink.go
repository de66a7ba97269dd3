package tunnel

import (
	"sync"

	"github.com/pion/rtp"
)

// Downlink is one forwarded track on its way to a tunnel client: it takes
// RTP as a subscriber's write stream would (it is a webrtc.TrackLocalWriter,
// so the SFU writes to it as to a browser's track), turns it into whole
// frames, and queues them in the client's outbox. When frames are dropped
// for want of a keyframe (a packet lost, or the client behind), askKeyframe
// is called: the bridge passes it on to the publisher.
type Downlink struct {
	track       byte
	out         *Outbox
	askKeyframe func()

	mu  sync.Mutex
	dep *Depacketizer
}

// NewDownlink depacketizes one track of kind into out, its frames numbered
// track.
func NewDownlink(kind Kind, track byte, out *Outbox, askKeyframe func()) *Downlink {
	return &Downlink{track: track, out: out, askKeyframe: askKeyframe, dep: NewDepacketizer(kind)}
}

// WriteRTP takes one packet. The SFU reuses its buffers, so the payload is
// copied.
func (d *Downlink) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	p := &rtp.Packet{Header: *h, Payload: append([]byte(nil), payload...)}
	p.Header.Extensions = nil
	d.mu.Lock()
	frames := d.dep.Push(p)
	ask := d.dep.NeedKeyframe()
	d.mu.Unlock()
	for _, f := range frames {
		f.Track = d.track
		d.out.Push(f)
	}
	if (ask || d.out.NeedKeyframe(d.track)) && d.askKeyframe != nil {
		d.askKeyframe()
	}
	return len(payload), nil
}

// Write takes a marshalled packet.
func (d *Downlink) Write(b []byte) (int, error) {
	var p rtp.Packet
	if err := p.Unmarshal(b); err != nil {
		return 0, err
	}
	return d.WriteRTP(&p.Header, p.Payload)
}
