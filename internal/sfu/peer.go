package sfu

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"rapport/internal/app"
)

// Description is a session description as the signaling protocol carries
// it. Tracks, in a client's offer, says what each of its sending m-lines
// (by mid) publishes: "mic", "camera" or "screen".
type Description struct {
	SDP    string            `json:"sdp"`
	Tracks map[string]string `json:"tracks,omitempty"`
	// New, in a client's offer, says that it comes from a new
	// RTCPeerConnection: the server's peer for the connection starts over.
	New bool `json:"new,omitempty"`
}

// Purposes a published track can have.
const (
	PurposeMic    = "mic"
	PurposeCamera = "camera"
	PurposeScreen = "screen"
)

// maxPublished is how many tracks one peer may publish: every one costs
// every other peer a transceiver and a share of the server.
const maxPublished = 3

// failedGrace is how long a failed peer connection may take to come back
// (an ICE restart) before the SFU closes it.
const failedGrace = 20 * time.Second

// ErrGlare answers a client's offer that crossed the server's own: the
// server is the impolite peer, so its offer stands and the client answers
// it (and offers again afterwards).
var ErrGlare = app.Errorf(app.ECONFLICT, "offer collision: answer the server's offer, then offer again")

// Peer is one participant's peer connection with the SFU.
type Peer struct {
	sfu    *SFU
	user   int64
	pc     *webrtc.PeerConnection // nil for a tunnel participant
	tunnel *tunnelLink            // nil for a WebRTC participant
	signal Signal
	ready  chan struct{} // closed once the peer is in its room
	done   chan struct{} // closed when the peer is closed

	life   sync.Mutex // guards room and closed, which join and Close race on
	room   *Room      // set before ready is closed
	closed bool

	mu       sync.Mutex // negotiation: one description at a time
	pending  bool       // the server must offer once the signaling state is stable
	early    []webrtc.ICECandidateInit
	purposes map[string]string // mid -> purpose, from the client's offers

	downs map[*forwarder]*subscription // guarded by the room's mutex
	// estimate is the subscriber's downlink bandwidth estimate (REMB), bits
	// a second; 0 until the browser reports one.
	estimate atomic.Int64
	// tracks are the forwarders of what the peer publishes, by receiver
	// (a simulcast camera's layers share one).
	tracksMu sync.Mutex
	tracks   map[*webrtc.RTPReceiver]*forwarder

	keys     *dtlsKeys                // the DTLS handshake's keys, for the fast path
	twcc     *twccPeer                // transport-wide feedback to the publisher
	fast     atomic.Pointer[fastLink] // the connection on the fast path; nil: not (yet), or not now
	linked   *fastLink                // the link, once made; under tracksMu
	rtcpSSRC uint32                   // the SSRC the SFU's NACKs and reports come from

	candMu    sync.Mutex // the server's candidates wait for its first description
	described bool
	held      []webrtc.ICECandidateInit

	closeOnce sync.Once
}

// enter puts the peer in a room, unless it has been closed. The room's
// mutex is held.
func (p *Peer) enter(r *Room) bool {
	p.life.Lock()
	defer p.life.Unlock()
	if p.closed {
		return false
	}
	p.room = r
	close(p.ready)
	return true
}

// subscription is a track the peer receives.
type subscription struct {
	sender *webrtc.RTPSender // nil on the tunnel
	down   *downTrack
	track  byte // the track's number on the tunnel
}

func (s *SFU) newPeer(userID int64, signal Signal) (*Peer, error) {
	keys, twcc := &dtlsKeys{}, s.media.feedback.newPeer()
	pc, err := s.media.api(keys, twcc).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, app.Errorf(app.EINTERNAL, "make a peer connection: %v", err)
	}
	p := &Peer{sfu: s, user: userID, pc: pc, signal: signal, ready: make(chan struct{}), done: make(chan struct{}),
		purposes: map[string]string{}, downs: map[*forwarder]*subscription{}, tracks: map[*webrtc.RTPReceiver]*forwarder{},
		keys: keys, twcc: twcc, rtcpSSRC: rand.Uint32()}
	twcc.useLink(&p.fast)
	pc.OnICECandidate(p.onCandidate)
	pc.SCTP().Transport().ICETransport().OnSelectedCandidatePairChange(func(*webrtc.ICECandidatePair) {
		if pc.ConnectionState() == webrtc.PeerConnectionStateConnected {
			s.media.fast.link(p)
		}
	})
	pc.OnTrack(p.onTrack)
	pc.OnICEConnectionStateChange(func(st webrtc.ICEConnectionState) {
		if st == webrtc.ICEConnectionStateChecking {
			go p.negotiatePending() // an offer that waited for ICE to start
		}
	})
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		switch st {
		case webrtc.PeerConnectionStateConnected:
			s.media.fast.link(p)
		case webrtc.PeerConnectionStateClosed:
			p.Close()
		case webrtc.PeerConnectionStateFailed:
			// The browser restarts ICE, or makes a new peer connection; one
			// that does neither is gone.
			time.AfterFunc(failedGrace, func() {
				if pc.ConnectionState() == webrtc.PeerConnectionStateFailed {
					p.Close()
				}
			})
		}
	})
	return p, nil
}

// Closed reports whether the peer has been closed (its connection failed,
// or another tab took over).
func (p *Peer) Closed() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// User is the participant's user ID.
func (p *Peer) User() int64 { return p.user }

// Offer answers a client's offer; reply gets the answer before the server
// makes an offer of its own, so that the client sees them in that order.
func (p *Peer) Offer(d Description, reply func(answer string)) error {
	if p.pc == nil {
		return errTunnelPeer
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pc.SignalingState() == webrtc.SignalingStateHaveLocalOffer {
		return ErrGlare
	}
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: d.SDP}); err != nil {
		return app.Invalid(map[string]string{"sdp": "is not an offer this server can take: " + err.Error()})
	}
	for mid, purpose := range d.Tracks {
		p.purposes[mid] = purpose
	}
	p.addEarlyCandidates()
	answer, err := p.pc.CreateAnswer(nil)
	if err == nil {
		err = p.pc.SetLocalDescription(answer)
	}
	if err != nil {
		return app.Errorf(app.EINTERNAL, "answer the offer: %v", err)
	}
	reply(answer.SDP)
	p.sentDescription()
	if p.pending {
		p.offerLocked()
	}
	return nil
}

// Answer takes the client's answer to the server's offer.
func (p *Peer) Answer(d Description) error {
	if p.pc == nil {
		return errTunnelPeer
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.Closed() {
		return nil // an answer that crossed the hang-up has nothing to do
	}
	if p.pc.SignalingState() != webrtc.SignalingStateHaveLocalOffer {
		return app.Errorf(app.ECONFLICT, "there is no offer of the server's to answer")
	}
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: d.SDP}); err != nil {
		return app.Invalid(map[string]string{"sdp": "is not an answer to the server's offer: " + err.Error()})
	}
	p.addEarlyCandidates()
	if p.pending {
		p.offerLocked()
	}
	return nil
}

// Candidate adds a client's ICE candidate. One that comes before the
// client's description waits for it; an empty one (the end of candidates)
// is taken as read.
func (p *Peer) Candidate(c webrtc.ICECandidateInit) error {
	if p.pc == nil {
		return errTunnelPeer
	}
	if c.Candidate == "" {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pc.RemoteDescription() == nil {
		if len(p.early) < 64 {
			p.early = append(p.early, c)
		}
		return nil
	}
	if err := p.pc.AddICECandidate(c); err != nil {
		return app.Invalid(map[string]string{"candidate": err.Error()})
	}
	return nil
}

func (p *Peer) addEarlyCandidates() {
	for _, c := range p.early {
		_ = p.pc.AddICECandidate(c) // a bad early candidate costs only itself
	}
	p.early = nil
}

// negotiatePending makes the offer that waited, if one did.
func (p *Peer) negotiatePending() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pending {
		p.offerLocked()
	}
}

// negotiate offers the client the peer's current tracks, now or, when a
// negotiation is under way, as soon as it ends.
func (p *Peer) negotiate() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.offerLocked()
}

func (p *Peer) offerLocked() {
	if p.pc == nil {
		return // the tunnel has nothing to negotiate
	}
	select {
	case <-p.done:
		return
	default:
	}
	// Not while a negotiation is under way, nor before ICE has started: a
	// pion client that takes an offer while its first answer is still being
	// applied restarts ICE and loses its candidates (a browser does not).
	if p.pc.SignalingState() != webrtc.SignalingStateStable || p.pc.ICEConnectionState() == webrtc.ICEConnectionStateNew {
		p.pending = true
		return
	}
	p.pending = false
	offer, err := p.pc.CreateOffer(nil)
	if err == nil {
		err = p.pc.SetLocalDescription(offer)
	}
	if err != nil {
		p.sfu.log.Warn("sfu: offer", "user", p.user, "err", err)
		return
	}
	p.signal("media.offer", Description{SDP: offer.SDP})
	p.sentDescription()
}

// onCandidate trickles one of the server's candidates to the client, once
// the client has a description of the server's to add it to.
func (p *Peer) onCandidate(c *webrtc.ICECandidate) {
	if c == nil {
		return
	}
	p.candMu.Lock()
	defer p.candMu.Unlock()
	if !p.described {
		p.held = append(p.held, c.ToJSON())
		return
	}
	p.signal("media.candidate", c.ToJSON())
}

// sentDescription lets the held candidates go.
func (p *Peer) sentDescription() {
	p.candMu.Lock()
	defer p.candMu.Unlock()
	if p.described {
		return
	}
	p.described = true
	for _, c := range p.held {
		p.signal("media.candidate", c)
	}
	p.held = nil
}

// subscribe makes the peer receive a track. The room's mutex is held.
func (p *Peer) subscribe(f *forwarder) bool {
	if _, ok := p.downs[f]; ok {
		return false
	}
	if p.tunnel != nil {
		return p.subscribeTunnel(f)
	}
	d := newDownTrack(f, p)
	tr, err := p.pc.AddTransceiverFromTrack(d, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		p.sfu.log.Warn("sfu: subscribe", "user", p.user, "err", err)
		return false
	}
	p.downs[f] = &subscription{sender: tr.Sender(), down: d}
	f.add(d)
	p.sfu.media.reports.downs.add(d)
	go d.readRTCP(tr.Sender())
	return true
}

// unsubscribe stops a track the peer receives. The room's mutex is held.
func (p *Peer) unsubscribe(f *forwarder) bool {
	s := p.downs[f]
	if s == nil {
		return false
	}
	if p.tunnel != nil {
		return p.unsubscribeTunnel(f, s)
	}
	delete(p.downs, f)
	f.remove(s.down)
	p.sfu.media.reports.downs.remove(s.down)
	return p.pc.RemoveTrack(s.sender) == nil
}

// dropAll stops every track the peer receives. The room's mutex is held.
func (p *Peer) dropAll() {
	for f, s := range p.downs {
		f.remove(s.down)
		p.sfu.media.reports.downs.remove(s.down)
	}
	clear(p.downs)
	if p.tunnel != nil {
		p.tunnel.clear()
	}
}

// onTrack starts forwarding a track the client publishes, or another
// simulcast layer of one it publishes already.
func (p *Peer) onTrack(remote *webrtc.TrackRemote, receiver *webrtc.RTPReceiver) {
	select {
	case <-p.ready:
	case <-p.done:
		return
	}
	p.tracksMu.Lock()
	f, layered := p.tracks[receiver]
	if !layered && len(p.tracks) >= maxPublished {
		p.tracksMu.Unlock()
		return // a microphone, a camera and a screen are all one may send
	}
	if !layered {
		var v *voice
		if remote.Kind() == webrtc.RTPCodecTypeAudio {
			v = voiceOf(receiver)
		}
		f = newForwarder(p, remote, p.purposeOf(receiver, remote.Kind()), v)
		p.tracks[receiver] = f
	}
	p.tracksMu.Unlock()
	l, ok := f.addLayer(remote, transportCCOf(receiver))
	if !ok {
		return
	}
	p.tracksMu.Lock()
	p.addStream(l)
	p.tracksMu.Unlock()
	p.sfu.media.reports.layers.add(l)
	go drainRTCP(receiver, l)
	if !layered {
		p.room.publish(f)
	}
	f.run(l)
	p.sfu.media.reports.layers.remove(l)
	if !layered {
		p.room.unpublish(f)
	}
}

// transportCCOf finds the transport-wide sequence number extension
// negotiated with the publisher; 0: none.
func transportCCOf(receiver *webrtc.RTPReceiver) uint8 {
	for _, e := range receiver.GetParameters().HeaderExtensions {
		if e.URI == sdp.TransportCCURI {
			return uint8(e.ID) //nolint:gosec // IDs are 1-255
		}
	}
	return 0
}

// purposeOf says what a received track is, from the mid the client named
// in its offer; otherwise microphone for audio and camera for video.
func (p *Peer) purposeOf(receiver *webrtc.RTPReceiver, kind webrtc.RTPCodecType) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, t := range p.pc.GetTransceivers() {
		if t.Receiver() == receiver {
			switch purpose := p.purposes[t.Mid()]; purpose {
			case PurposeMic, PurposeCamera, PurposeScreen:
				return purpose
			}
		}
	}
	if kind == webrtc.RTPCodecTypeAudio {
		return PurposeMic
	}
	return PurposeCamera
}

// drainRTCP reads a received layer's RTCP: its sender reports are noted
// for the receiver reports. A simulcast layer's is read by its RID
// (ReadRTCP would race with pion adding a layer).
func drainRTCP(r *webrtc.RTPReceiver, l *layer) {
	read := r.ReadRTCP
	if rid := l.remote.RID(); rid != "" {
		read = func() ([]rtcp.Packet, interceptor.Attributes, error) { return r.ReadSimulcastRTCP(rid) }
	}
	for {
		pkts, _, err := read()
		if err != nil {
			return
		}
		for _, p := range pkts {
			if sr, ok := p.(*rtcp.SenderReport); ok && sr.SSRC == l.ssrc {
				l.mu.Lock()
				l.rx.senderReport(sr.NTPTime, time.Now().UnixNano())
				l.mu.Unlock()
			}
		}
	}
}

// Close ends the peer connection and takes its tracks out of the room.
func (p *Peer) Close() {
	p.closeOnce.Do(func() {
		close(p.done)
		p.sfu.media.fast.unlink(p)
		if p.pc != nil {
			_ = p.pc.Close()
		}
		if p.tunnel != nil {
			p.tunnel.conn.Out.Close()
		}
		p.life.Lock()
		p.closed = true
		r := p.room
		p.life.Unlock()
		if r != nil {
			r.leave(p)
		}
	})
}
