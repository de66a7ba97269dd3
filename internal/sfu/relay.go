package sfu

import (
	"maps"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"rapport/internal/app"
	"rapport/internal/relay"
)

// Relay participants. A browser that cannot use WebRTC sends and receives
// encoded frames over a WebSocket (package relay); in the SFU it is a Peer
// without a peer connection. What it publishes is packetized into RTP and
// forwarded like any browser's track, so WebRTC subscribers cannot tell the
// difference; each track it receives goes through a downTrack, as a
// browser's would (layers, rewriting), into a relay.Downlink that turns it
// back into frames. Keyframe requests cross both ways: a subscriber's PLI
// becomes a keyframe message to the relay client's encoder, and a frame the
// relay client cannot decode (lost, or dropped because it fell behind)
// becomes a PLI to the publisher.

// RelayConn is what the SFU needs of a relay participant's connection.
// Its callbacks are called with the SFU's locks held: they must not block.
type RelayConn struct {
	// Out queues the frames of every track the participant receives.
	Out *relay.Outbox
	// Changed gives the tracks the participant receives whenever they
	// change: a new track before its first frame is queued.
	Changed func(tracks []RelayTrack)
	// Keyframe asks the participant's encoder for a keyframe of what it
	// publishes: "camera" or "screen".
	Keyframe func(purpose string)
	// Deaf are publishers whose tracks the participant does not receive
	// from the start (Peer.Hear changes it).
	Deaf map[int64]bool
}

// RelayTrack is a track a relay participant receives: its frames carry the
// number Track.
type RelayTrack struct {
	Track   byte   `json:"track"`
	Stream  string `json:"stream"` // "12-camera", as WebRTC participants see it
	UserID  int64  `json:"user_id"`
	Purpose string `json:"purpose"`
	Kind    string `json:"kind"` // "audio" or "video"
}

// relayVideoLayer is the best simulcast layer a relay participant gets until
// it says how large it shows a stream: it decodes in software, often on a
// poor network.
const relayVideoLayer = 1

// relayLink is a relay participant's side of its Peer.
type relayLink struct {
	conn RelayConn

	mu     sync.Mutex // guards tracks and deaf; taken inside the room's mutex
	tracks map[byte]*downTrack
	deaf   map[int64]bool // publishers it does not receive

	pubs [4]*relayPub // by purpose code; only the publishing goroutine touches them
}

// relayPub is one track a relay participant publishes.
type relayPub struct {
	fwd   *forwarder
	layer *layer
	pk    *relay.Packetizer
	buf   []byte
	pkt   rtp.Packet
}

// errRelayPeer answers WebRTC negotiation for a participant on the relay.
var errRelayPeer = app.Errorf(app.ECONFLICT, "this participant's media goes through the relay: offer with new set to start WebRTC over")

// ConnectRelay puts a relay participant in a room: it receives everyone
// else's tracks as frames in conn.Out, and publishes with Publish. Another
// connection of the same user (WebRTC or relay) is replaced. signal carries
// the room's media frames ("speaker") to the participant.
func (s *SFU) ConnectRelay(roomID string, userID int64, conn RelayConn, signal Signal) *Peer {
	p := &Peer{sfu: s, user: userID, signal: signal, ready: make(chan struct{}), done: make(chan struct{}),
		purposes: map[string]string{}, downs: map[*forwarder]*subscription{},
		relay: &relayLink{conn: conn, tracks: map[byte]*downTrack{}, deaf: maps.Clone(conn.Deaf)}}
	for !s.room(roomID).join(p) {
	}
	return p
}

// Relayed reports whether the participant's media goes through the relay.
func (p *Peer) Relayed() bool { return p.relay != nil }

// subscribeRelay gives a relay participant a track: numbered, announced,
// and a keyframe asked for so that it can start decoding. The room's mutex
// is held. It returns false: there is nothing to negotiate.
func (p *Peer) subscribeRelay(f *forwarder) bool {
	d := newDownTrack(f, p)
	kind := relay.Audio
	if f.video {
		kind = relay.Video
		d.maxLayer.Store(relayVideoLayer)
	}
	n := p.relay.add(d)
	if n == 0 {
		return false // 255 tracks at once: no more numbers
	}
	d.bound.Store(&binding{ssrc: uint32(n), pt: 96, w: relay.NewDownlink(kind, n, p.relay.conn.Out, d.askKeyframe)})
	p.downs[f] = &subscription{down: d, track: n}
	p.relay.conn.Changed(p.RelayTracks())
	f.add(d)
	d.askKeyframe()
	return false
}

// unsubscribeRelay stops a track a relay participant receives. The room's
// mutex is held.
func (p *Peer) unsubscribeRelay(f *forwarder, s *subscription) bool {
	delete(p.downs, f)
	f.remove(s.down)
	p.relay.remove(s.track)
	p.relay.conn.Changed(p.RelayTracks())
	return false
}

// add numbers a new track, the lowest number free; 0 when none is.
func (l *relayLink) add(d *downTrack) byte {
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

func (l *relayLink) remove(n byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.tracks, n)
}

func (l *relayLink) clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.tracks)
}

// RelayTracks lists the tracks a relay participant receives, by number.
func (p *Peer) RelayTracks() []RelayTrack {
	if p.relay == nil {
		return nil
	}
	p.relay.mu.Lock()
	defer p.relay.mu.Unlock()
	list := make([]RelayTrack, 0, len(p.relay.tracks))
	for n, d := range p.relay.tracks {
		f := d.fwd
		list = append(list, RelayTrack{Track: n, Stream: f.streamID(), UserID: f.pub.user, Purpose: f.purpose, Kind: f.kind.String()})
	}
	slices.SortFunc(list, func(a, b RelayTrack) int { return int(a.Track) - int(b.Track) })
	return list
}

// Hear says whether a relay participant receives a publisher's tracks at
// all: the AI co-coach receives nothing of a person who has not agreed to
// be heard. Tracks published later follow the same choice.
func (p *Peer) Hear(userID int64, hear bool) {
	if p.relay == nil {
		return
	}
	p.relay.mu.Lock()
	defer p.relay.mu.Unlock()
	if p.relay.deaf == nil {
		p.relay.deaf = map[int64]bool{}
	}
	p.relay.deaf[userID] = !hear
	for _, d := range p.relay.tracks {
		if d.fwd.pub.user == userID {
			d.deaf.Store(!hear)
		}
	}
}

// RequestKeyframe passes a relay participant's keyframe request for a track
// it receives (its decoder could not go on) to the track's publisher.
func (p *Peer) RequestKeyframe(track byte) {
	if p.relay == nil {
		return
	}
	p.relay.mu.Lock()
	d := p.relay.tracks[track]
	p.relay.mu.Unlock()
	if d != nil {
		d.askKeyframe()
	}
}

// Publish forwards one frame a relay participant sends: its track byte
// names what it is (relay.PurposeCode). The first frame of a purpose
// publishes the track to the room. It is called from one goroutine.
func (p *Peer) Publish(fr *relay.Frame) error {
	if p.relay == nil {
		return errRelayPeer
	}
	purpose := relay.PurposeOf(fr.Track)
	if purpose == "" {
		return app.Invalid(map[string]string{"track": "must be 1 (microphone), 2 (camera) or 3 (screen)"})
	}
	if (purpose == PurposeMic) != (fr.Kind == relay.Audio) {
		return app.Invalid(map[string]string{"kind": "the microphone sends audio; the camera and the screen send video"})
	}
	pub := p.relay.pubs[fr.Track]
	if pub == nil {
		if p.Closed() {
			return nil
		}
		pub = p.startRelayTrack(purpose, fr.Kind)
		p.relay.pubs[fr.Track] = pub
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

// startRelayTrack makes the forwarder of a track a relay participant
// publishes, and publishes it to the room.
func (p *Peer) startRelayTrack(purpose string, kind relay.Kind) *relayPub {
	codec := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}
	typ, pt := webrtc.RTPCodecTypeAudio, uint8(111)
	var v *voice
	if kind == relay.Video {
		codec = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
		typ, pt = webrtc.RTPCodecTypeVideo, 96
	} else {
		v = &voice{}
	}
	f := makeForwarder(p, typ, codec, purpose, v)
	conn := p.relay.conn
	l := &layer{keyframe: func() { conn.Keyframe(purpose) }}
	f.layers[0].Store(l)
	p.room.publish(f)
	return &relayPub{fwd: f, layer: l, pk: relay.NewPacketizer(kind, randomSSRC(), pt), buf: make([]byte, 1500)}
}

// randomSSRC picks a synchronisation source for a relay participant's
// track, random as RFC 3550 asks.
func randomSSRC() uint32 { return rand.Uint32() }
