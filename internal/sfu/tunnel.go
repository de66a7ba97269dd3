package sfu

import (
	"maps"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"rapport/internal/app"
	"rapport/internal/tunnel"
)

// Tunnel participants. A browser that cannot use WebRTC sends and receives
// encoded frames over a WebSocket (package tunnel); in the SFU it is a Peer
// without a peer connection. What it publishes is packetized into RTP and
// forwarded like any browser's track, so WebRTC subscribers cannot tell the
// difference; each track it receives goes through a downTrack, as a
// browser's would (layers, rewriting), into a tunnel.Downlink that turns it
// back into frames. Keyframe requests cross both ways: a subscriber's PLI
// becomes a keyframe message to the tunnel client's encoder, and a frame the
// tunnel client cannot decode (lost, or dropped because it fell behind)
// becomes a PLI to the publisher.

// TunnelConn is what the SFU needs of a tunnel participant's connection.
// Its callbacks are called with the SFU's locks held: they must not block.
type TunnelConn struct {
	// Out queues the frames of every track the participant receives.
	Out *tunnel.Outbox
	// Changed gives the tracks the participant receives whenever they
	// change: a new track before its first frame is queued.
	Changed func(tracks []TunnelTrack)
	// Keyframe asks the participant's encoder for a keyframe of what it
	// publishes: "camera" or "screen".
	Keyframe func(purpose string)
	// Deaf are publishers whose tracks the participant does not receive
	// from the start (Peer.Hear changes it).
	Deaf map[int64]bool
}

// TunnelTrack is a track a tunnel participant receives: its frames carry the
// number Track.
type TunnelTrack struct {
	Track   byte   `json:"track"`
	Stream  string `json:"stream"` // "12-camera", as WebRTC participants see it
	UserID  int64  `json:"user_id"`
	Purpose string `json:"purpose"`
	Kind    string `json:"kind"` // "audio" or "video"
}

// tunnelVideoLayer is the best simulcast layer a tunnel participant gets until
// it says how large it shows a stream: it decodes in software, often on a
// poor network.
const tunnelVideoLayer = 1

// tunnelLink is a tunnel participant's side of its Peer.
type tunnelLink struct {
	conn TunnelConn

	mu     sync.Mutex // guards tracks and deaf; taken inside the room's mutex
	tracks map[byte]*downTrack
	deaf   map[int64]bool // publishers it does not receive

	pubs [4]*tunnelPub // by purpose code; only the publishing goroutine touches them
}

// tunnelPub is one track a tunnel participant publishes.
type tunnelPub struct {
	fwd   *forwarder
	layer *layer
	pk    *tunnel.Packetizer
	buf   []byte
	pkt   rtp.Packet
}

// errTunnelPeer answers WebRTC negotiation for a participant on the tunnel.
var errTunnelPeer = app.Errorf(app.ECONFLICT, "this participant's media goes through the tunnel: offer with new set to start WebRTC over")

// ConnectTunnel puts a tunnel participant in a room: it receives everyone
// else's tracks as frames in conn.Out, and publishes with Publish. Another
// connection of the same user (WebRTC or tunnel) is replaced. signal carries
// the room's media frames ("speaker") to the participant.
func (s *SFU) ConnectTunnel(roomID string, userID int64, conn TunnelConn, signal Signal) *Peer {
	p := &Peer{sfu: s, user: userID, signal: signal, ready: make(chan struct{}), done: make(chan struct{}),
		purposes: map[string]string{}, downs: map[*forwarder]*subscription{},
		tunnel: &tunnelLink{conn: conn, tracks: map[byte]*downTrack{}, deaf: maps.Clone(conn.Deaf)}}
	for !s.room(roomID).join(p) {
	}
	return p
}

// Tunneled reports whether the participant's media goes through the tunnel.
func (p *Peer) Tunneled() bool { return p.tunnel != nil }

// subscribeTunnel gives a tunnel participant a track: numbered, announced,
// and a keyframe asked for so that it can start decoding. The room's mutex
// is held. It returns false: there is nothing to negotiate.
func (p *Peer) subscribeTunnel(f *forwarder) bool {
	d := newDownTrack(f, p)
	kind := tunnel.Audio
	if f.video {
		kind = tunnel.Video
		d.maxLayer.Store(tunnelVideoLayer)
	}
	n := p.tunnel.add(d)
	if n == 0 {
		return false // 255 tracks at once: no more numbers
	}
	d.bound.Store(&binding{ssrc: uint32(n), pt: 96, w: tunnel.NewDownlink(kind, n, p.tunnel.conn.Out, d.askKeyframe)})
	p.downs[f] = &subscription{down: d, track: n}
	p.tunnel.conn.Changed(p.TunnelTracks())
	f.add(d)
	d.askKeyframe()
	return false
}

// unsubscribeTunnel stops a track a tunnel participant receives. The room's
// mutex is held.
func (p *Peer) unsubscribeTunnel(f *forwarder, s *subscription) bool {
	delete(p.downs, f)
	f.remove(s.down)
	p.tunnel.remove(s.track)
	p.tunnel.conn.Changed(p.TunnelTracks())
	return false
}

// add numbers a new track, the lowest number free; 0 when none is.
func (l *tunnelLink) add(d *downTrack) byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	d.deaf.Store(l.deaf[d.fwd.pub.user])
	for n := 1; n <= 255; n++ {
		if l.tracks[byte(n)] == nil {
			l.tracks[byte(n)] = d
			return byte(n)
		}
	}
	return 0
}

func (l *tunnelLink) remove(n byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.tracks, n)
}

func (l *tunnelLink) clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.tracks)
}

// TunnelTracks lists the tracks a tunnel participant receives, by number.
func (p *Peer) TunnelTracks() []TunnelTrack {
	if p.tunnel == nil {
		return nil
	}
	p.tunnel.mu.Lock()
	defer p.tunnel.mu.Unlock()
	list := make([]TunnelTrack, 0, len(p.tunnel.tracks))
	for n, d := range p.tunnel.tracks {
		f := d.fwd
		list = append(list, TunnelTrack{Track: n, Stream: f.streamID(), UserID: f.pub.user, Purpose: f.purpose, Kind: f.kind.String()})
	}
	slices.SortFunc(list, func(a, b TunnelTrack) int { return int(a.Track) - int(b.Track) })
	return list
}

// Hear says whether a tunnel participant receives a publisher's tracks at
// all: the AI co-coach receives nothing of a person who has not agreed to
// be heard. Tracks published later follow the same choice.
func (p *Peer) Hear(userID int64, hear bool) {
	if p.tunnel == nil {
		return
	}
	p.tunnel.mu.Lock()
	defer p.tunnel.mu.Unlock()
	if p.tunnel.deaf == nil {
		p.tunnel.deaf = map[int64]bool{}
	}
	p.tunnel.deaf[userID] = !hear
	for _, d := range p.tunnel.tracks {
		if d.fwd.pub.user == userID {
			d.deaf.Store(!hear)
		}
	}
}

// RequestKeyframe passes a tunnel participant's keyframe request for a track
// it receives (its decoder could not go on) to the track's publisher.
func (p *Peer) RequestKeyframe(track byte) {
	if p.tunnel == nil {
		return
	}
	p.tunnel.mu.Lock()
	d := p.tunnel.tracks[track]
	p.tunnel.mu.Unlock()
	if d != nil {
		d.askKeyframe()
	}
}

// Publish forwards one frame a tunnel participant sends: its track byte
// names what it is (tunnel.PurposeCode). The first frame of a purpose
// publishes the track to the room. It is called from one goroutine.
func (p *Peer) Publish(fr *tunnel.Frame) error {
	if p.tunnel == nil {
		return errTunnelPeer
	}
	purpose := tunnel.PurposeOf(fr.Track)
	if purpose == "" {
		return app.Invalid(map[string]string{"track": "must be 1 (microphone), 2 (camera) or 3 (screen)"})
	}
	if (purpose == PurposeMic) != (fr.Kind == tunnel.Audio) {
		return app.Invalid(map[string]string{"kind": "the microphone sends audio; the camera and the screen send video"})
	}
	pub := p.tunnel.pubs[fr.Track]
	if pub == nil {
		if p.Closed() {
			return nil
		}
		pub = p.startTunnelTrack(purpose, fr.Kind)
		p.tunnel.pubs[fr.Track] = pub
	}
	if pub.fwd.voice != nil {
		pub.fwd.voice.note(fr.Level)
	}
	for _, pkt := range pub.pk.Packetize(fr) {
		n, err := pkt.MarshalTo(pub.buf)
		if err != nil {
			return app.Invalid(map[string]string{"data": "the frame cannot be packetized: " + err.Error()})
		}
		pub.fwd.forward(pub.layer, pub.buf[:n], &pub.pkt)
	}
	return nil
}

// startTunnelTrack makes the forwarder of a track a tunnel participant
// publishes, and publishes it to the room.
func (p *Peer) startTunnelTrack(purpose string, kind tunnel.Kind) *tunnelPub {
	codec := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}
	typ, pt := webrtc.RTPCodecTypeAudio, uint8(111)
	var v *voice
	if kind == tunnel.Video {
		codec = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
		typ, pt = webrtc.RTPCodecTypeVideo, 96
	} else {
		v = &voice{}
	}
	f := makeForwarder(p, typ, codec, purpose, v)
	conn := p.tunnel.conn
	l := &layer{fwd: f, keyframe: func() { conn.Keyframe(purpose) }}
	f.layers[0].Store(l)
	p.room.publish(f)
	return &tunnelPub{fwd: f, layer: l, pk: tunnel.NewPacketizer(kind, randomSSRC(), pt), buf: make([]byte, 1500)}
}

// randomSSRC picks a synchronisation source for a tunnel participant's
// track, random as RFC 3550 asks.
func randomSSRC() uint32 { return rand.Uint32() }
