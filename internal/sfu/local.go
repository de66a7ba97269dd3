package sfu

import (
	"errors"
	"fmt"
	"sync"

	"github.com/pion/webrtc/v4"
)

// Local is a pion peer connection of this process joined to the SFU the way
// a browser joins over the signaling protocol: its offer answered, the
// server's offers answered in order, candidates both ways. `rapport
// diagnose` makes a call through it; tests use it as a client.
type Local struct {
	Peer    *Peer         // the server's side; set before hasPeer closes
	hasPeer chan struct{} // the server's first offer can come before Connect returns
	pc      *webrtc.PeerConnection

	work chan func()
	done chan struct{}
	mu   sync.Mutex
	errs []error
}

// Dial offers what pc publishes and joins it to room as user. extra, when
// set, sees the server's other frames (such as "speaker"); it must not
// block.
func (s *SFU) Dial(room string, user int64, pc *webrtc.PeerConnection, extra Signal) (*Local, error) {
	l := &Local{pc: pc, hasPeer: make(chan struct{}), work: make(chan func(), 256), done: make(chan struct{})}
	go l.loop()
	var mu sync.Mutex // our candidates wait for the server's peer
	var early []webrtc.ICECandidateInit
	pc.OnICECandidate(func(ic *webrtc.ICECandidate) {
		if ic == nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if l.Peer == nil {
			early = append(early, ic.ToJSON())
			return
		}
		l.note(l.Peer.Candidate(ic.ToJSON()))
	})
	offer, err := pc.CreateOffer(nil)
	if err == nil {
		err = pc.SetLocalDescription(offer)
	}
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("offer: %w", err)
	}
	answered := make(chan error, 1)
	signal := func(typ string, data any) { l.signal(typ, data, extra) }
	p, err := s.Connect(room, user, Description{SDP: offer.SDP}, signal, func(a string) {
		l.work <- func() {
			answered <- pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: a})
		}
	})
	if err != nil {
		l.Close()
		return nil, err
	}
	mu.Lock()
	l.Peer = p
	close(l.hasPeer)
	for _, ic := range early {
		l.note(p.Candidate(ic))
	}
	mu.Unlock()
	if err := <-answered; err != nil {
		l.Close()
		return nil, fmt.Errorf("take the answer: %w", err)
	}
	return l, nil
}

// Restart offers again with new ICE credentials, as a browser does when its
// connection fails (RTCPeerConnection.restartIce), and applies the answer.
func (l *Local) Restart() error {
	errc := make(chan error, 1)
	l.work <- func() {
		o, err := l.pc.CreateOffer(&webrtc.OfferOptions{ICERestart: true})
		if err == nil {
			err = l.pc.SetLocalDescription(o)
		}
		var answerErr error
		if err == nil {
			err = l.Peer.Offer(Description{SDP: o.SDP}, func(a string) {
				answerErr = l.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: a})
			})
		}
		errc <- errors.Join(err, answerErr)
	}
	return <-errc
}

// signal takes a server frame on the peer's own goroutine, in order, as
// they would come over a socket.
func (l *Local) signal(typ string, data any, extra Signal) {
	l.work <- func() {
		switch typ {
		case "media.offer":
			l.answer(data.(Description))
		case "media.candidate":
			l.note(l.pc.AddICECandidate(data.(webrtc.ICECandidateInit)))
		default:
			if extra != nil {
				extra(typ, data)
			}
		}
	}
}

func (l *Local) answer(d Description) {
	err := l.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: d.SDP})
	var a webrtc.SessionDescription
	if err == nil {
		a, err = l.pc.CreateAnswer(nil)
	}
	if err == nil {
		err = l.pc.SetLocalDescription(a)
	}
	if err == nil {
		select {
		case <-l.hasPeer:
			err = l.Peer.Answer(Description{SDP: a.SDP})
		case <-l.done:
			return
		}
	}
	l.note(err)
}

func (l *Local) note(err error) {
	if err == nil {
		return
	}
	l.mu.Lock()
	l.errs = append(l.errs, err)
	l.mu.Unlock()
}

// Errs are what went wrong in the signaling so far.
func (l *Local) Errs() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]error(nil), l.errs...)
}

func (l *Local) loop() {
	for {
		select {
		case fn := <-l.work:
			fn()
		case <-l.done:
			return
		}
	}
}

// Close hangs up.
func (l *Local) Close() {
	select {
	case <-l.done:
		return
	default:
		close(l.done)
	}
	if l.Peer != nil {
		l.Peer.Close()
	}
	_ = l.pc.Close()
}
