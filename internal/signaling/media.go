package signaling

import (
	"github.com/pion/webrtc/v4"

	"rapport/internal/app"
	"rapport/internal/protocol"
	"rapport/internal/sfu"
)

// errNoMedia answers media frames on a server whose SFU is off.
var errNoMedia = app.Errorf(app.EUNAVAILABLE, "calls are off on this server: video and audio cannot be set up")

// mediaOffer answers a client's offer with "media.answer". The first makes
// the client's peer connection with the SFU.
func (c *client) mediaOffer(in *protocol.Inbound) error {
	if c.media == nil {
		return errNoMedia
	}
	var d sfu.Description
	if err := protocol.DecodeData(in, &d); err != nil {
		return err
	}
	if d.SDP == "" {
		return app.Invalid(map[string]string{"sdp": "is required"})
	}
	reply := func(answer string) {
		c.conn.Send(protocol.Reply(in.ID, protocol.TypeMediaAnswer, sfu.Description{SDP: answer}))
	}
	if p := c.mediaPeer(); p != nil && !d.New && !p.Closed() && !p.Tunneled() {
		return p.Offer(d, reply)
	}
	// The first offer, or the client started over (a new RTCPeerConnection,
	// or back from the tunnel): a new peer connection.
	p, err := c.media.Connect(c.appt.RoomID, c.user.ID, d, c.signalMedia, reply)
	if err != nil {
		return err
	}
	c.setPeer(p)
	return nil
}

// mediaPeer is the client's peer with the SFU, nil before its first offer.
func (c *client) mediaPeer() *sfu.Peer {
	c.peerMu.Lock()
	defer c.peerMu.Unlock()
	return c.peer
}

// setPeer makes p the client's peer and closes the one it replaces; once
// the client's media is closed (it left), p is closed at once and false
// returned.
func (c *client) setPeer(p *sfu.Peer) bool {
	c.peerMu.Lock()
	old, closed := c.peer, c.mediaClosed
	if !closed {
		c.peer = p
	}
	c.peerMu.Unlock()
	if old != nil && old != p {
		old.Close()
	}
	if closed {
		p.Close()
	}
	return !closed
}

// mediaAnswer takes the client's answer to the server's offer.
func (c *client) mediaAnswer(in *protocol.Inbound) error {
	p := c.mediaPeer()
	if p == nil {
		return app.Errorf(app.ECONFLICT, "send media.offer first")
	}
	var d sfu.Description
	if err := protocol.DecodeData(in, &d); err != nil {
		return err
	}
	if err := p.Answer(d); err != nil {
		return err
	}
	return c.ok(in)
}

// mediaCandidate adds one of the client's ICE candidates.
func (c *client) mediaCandidate(in *protocol.Inbound) error {
	p := c.mediaPeer()
	if p == nil {
		return app.Errorf(app.ECONFLICT, "send media.offer first")
	}
	var ic webrtc.ICECandidateInit
	if err := protocol.DecodeData(in, &ic); err != nil {
		return err
	}
	if err := p.Candidate(ic); err != nil {
		return err
	}
	return c.ok(in)
}

// mediaView says how large the client shows a stream, so that the SFU
// sends it a simulcast layer no larger than it can show.
func (c *client) mediaView(in *protocol.Inbound) error {
	p := c.mediaPeer()
	if p == nil {
		return app.Errorf(app.ECONFLICT, "send media.offer first")
	}
	var v struct {
		Stream string `json:"stream"`
		Width  int    `json:"width"`
		Height int    `json:"height"`
	}
	if err := protocol.DecodeData(in, &v); err != nil {
		return err
	}
	if v.Stream == "" || v.Width < 0 || v.Height < 0 || v.Width > 16384 || v.Height > 16384 {
		return app.Invalid(map[string]string{"stream": "name a stream like 12-camera, with its width and height in pixels (0 to 16384)"})
	}
	p.View(v.Stream, v.Width, v.Height)
	return c.ok(in)
}

// signalMedia sends the SFU's frames (its offers and candidates).
func (c *client) signalMedia(typ string, data any) { c.conn.Send(protocol.NewFrame(typ, data)) }

// closeMedia ends the client's peer connection, and any that comes later.
func (c *client) closeMedia() {
	c.peerMu.Lock()
	p := c.peer
	c.mediaClosed = true
	c.peerMu.Unlock()
	if p != nil {
		p.Close()
	}
}
