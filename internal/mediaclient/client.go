// Package mediaclient is a pion peer that joins a room's call the way a
// browser does: it signs in to the room over the signaling protocol,
// publishes its tracks to the SFU and receives the others'. The SFU load
// generator, `rapport diagnose` and the tests use it.
package mediaclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/logging"
	"github.com/pion/webrtc/v4"

	"rapport/internal/roomclient"
)

// Options say where, who, and how the peer connection is made.
type Options struct {
	Room roomclient.Options // where and who; OnMedia and OnJoined are the client's own
	// API makes the peer connection; nil makes one with pion's default codecs
	// and interceptors (narrowed to loopback when Loopback is set).
	API      *webrtc.API
	Loopback bool
	// TURNOnly forces ICE through TURN relays only (iceTransportPolicy "relay").
	TURNOnly bool
	// NoTransportCC sends packets without transport-wide sequence numbers,
	// as LiveKit's Go SDK does; browsers number theirs (the default).
	NoTransportCC bool
}

// Client is one participant's call.
type Client struct {
	Room *roomclient.Client
	PC   *webrtc.PeerConnection

	work chan struct{} // signals that queue has work
	mu   sync.Mutex
	q    []func()
	done chan struct{}

	candMu  sync.Mutex
	offered bool // the server has our first offer: candidates may follow
	held    []webrtc.ICECandidateInit

	iceServers []webrtc.ICEServer
}

// Dial joins the room and makes the peer connection; add tracks to PC, then
// call Connect.
func Dial(ctx context.Context, opt Options) (*Client, error) {
	c := &Client{work: make(chan struct{}, 1), done: make(chan struct{})}
	joined := make(chan json.RawMessage, 1)
	opt.Room.OnMedia = c.onMedia
	opt.Room.OnJoined = func(d json.RawMessage) {
		select {
		case joined <- d:
		default:
		}
	}
	rc, err := roomclient.Dial(ctx, opt.Room)
	if err != nil {
		return nil, err
	}
	c.Room = rc
	var j struct {
		ICEServers []webrtc.ICEServer `json:"ice_servers"`
	}
	if !opt.Room.MediaOnly {
		_ = json.Unmarshal(<-joined, &j)
	}
	c.iceServers = j.ICEServers
	api := opt.API
	if api == nil {
		if api, err = defaultAPI(opt.Loopback, !opt.NoTransportCC); err != nil {
			rc.Close()
			return nil, err
		}
	}
	cfg := webrtc.Configuration{ICEServers: j.ICEServers}
	if opt.TURNOnly {
		cfg.ICETransportPolicy = webrtc.ICETransportPolicyRelay
	}
	pc, err := api.NewPeerConnection(cfg)
	if err != nil {
		rc.Close()
		return nil, err
	}
	c.PC = pc
	pc.OnICECandidate(c.onCandidate)
	go c.loop()
	return c, nil
}

// ICEServers is what the server gave in its join answer.
func (c *Client) ICEServers() []webrtc.ICEServer { return c.iceServers }

// DefaultAPI is pion with its default codecs and a browser's interceptors.
func DefaultAPI(loopback bool, extra ...interceptor.Factory) (*webrtc.API, error) {
	return defaultAPI(loopback, true, extra...)
}

// defaultAPI is DefaultAPI, with transport-wide sequence numbers on what
// the peer sends or not.
func defaultAPI(loopback, transportCC bool, extra ...interceptor.Factory) (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		return nil, err
	}
	ir := &interceptor.Registry{}
	for _, f := range extra {
		ir.Add(f)
	}
	// What a browser does (NACK, reports, transport-wide sequence numbers
	// on what it sends and feedback on what it receives, simulcast header
	// extensions) without pion's stats recorder: a load generator runs a
	// hundred of these on one core.
	if err := webrtc.ConfigureNack(m, ir); err != nil {
		return nil, err
	}
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return nil, err
	}
	if err := webrtc.ConfigureSimulcastExtensionHeaders(m); err != nil {
		return nil, err
	}
	if err := webrtc.ConfigureTWCCSender(m, ir); err != nil {
		return nil, err
	}
	if transportCC {
		if err := webrtc.ConfigureTWCCHeaderExtensionSender(m, ir); err != nil {
			return nil, err
		}
	}
	se := webrtc.SettingEngine{}
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	lf := logging.NewDefaultLoggerFactory()
	lf.DefaultLogLevel = logging.LogLevelDisabled // a hung-up call's last writes are no news
	se.LoggerFactory = lf
	if loopback {
		se.SetIncludeLoopbackCandidate(true)
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se)), nil
}

// Connect offers what the client publishes and waits for the server's
// answer. A track's ID ("mic", "camera", "screen") says what it is.
func (c *Client) Connect(ctx context.Context) error {
	errc := make(chan error, 1)
	c.do(func() { errc <- c.offer(ctx) })
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// offer runs on the client's queue, so that a server offer that comes in
// the meantime waits for the answer to this one.
func (c *Client) offer(ctx context.Context) error {
	o, err := c.PC.CreateOffer(nil)
	if err == nil {
		err = c.PC.SetLocalDescription(o)
	}
	if err != nil {
		return err
	}
	tracks := map[string]string{}
	for _, t := range c.PC.GetTransceivers() {
		if tr := t.Sender().Track(); tr != nil && t.Mid() != "" {
			tracks[t.Mid()] = tr.ID()
		}
	}
	data, err := c.Room.Request(ctx, "media.offer", map[string]any{"sdp": o.SDP, "tracks": tracks})
	if err != nil {
		return fmt.Errorf("media.offer: %w", err)
	}
	c.sendHeld()
	var a struct{ SDP string }
	if err := json.Unmarshal(data, &a); err != nil {
		return err
	}
	return c.PC.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: a.SDP})
}

// onMedia takes the server's offers and candidates, in order, on the queue.
func (c *Client) onMedia(typ string, data json.RawMessage) {
	c.do(func() {
		switch typ {
		case "media.offer":
			c.answer(data)
		case "media.candidate":
			var ic webrtc.ICECandidateInit
			if json.Unmarshal(data, &ic) == nil {
				_ = c.PC.AddICECandidate(ic)
			}
		}
	})
}

func (c *Client) answer(data json.RawMessage) {
	var o struct{ SDP string }
	if json.Unmarshal(data, &o) != nil {
		return
	}
	err := c.PC.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: o.SDP})
	var a webrtc.SessionDescription
	if err == nil {
		a, err = c.PC.CreateAnswer(nil)
	}
	if err == nil {
		err = c.PC.SetLocalDescription(a)
	}
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), signalTimeout)
		_, err = c.Room.Request(ctx, "media.answer", map[string]string{"sdp": a.SDP})
		cancel()
	}
	if err != nil && !errors.Is(err, net.ErrClosed) {
		c.PC.Close()
	}
}

// onCandidate trickles our candidates once the server has our offer.
func (c *Client) onCandidate(ic *webrtc.ICECandidate) {
	if ic == nil {
		return
	}
	c.candMu.Lock()
	defer c.candMu.Unlock()
	if !c.offered {
		c.held = append(c.held, ic.ToJSON())
		return
	}
	c.tell(ic.ToJSON())
}

func (c *Client) sendHeld() {
	c.candMu.Lock()
	defer c.candMu.Unlock()
	c.offered = true
	for _, ic := range c.held {
		c.tell(ic)
	}
	c.held = nil
}

func (c *Client) tell(ic webrtc.ICECandidateInit) {
	ctx, cancel := context.WithTimeout(context.Background(), signalTimeout)
	defer cancel()
	_ = c.Room.Tell(ctx, "media.candidate", ic)
}

// do queues work for the client's goroutine; it never blocks the reader.
func (c *Client) do(fn func()) {
	c.mu.Lock()
	c.q = append(c.q, fn)
	c.mu.Unlock()
	select {
	case c.work <- struct{}{}:
	default:
	}
}

func (c *Client) loop() {
	for {
		select {
		case <-c.done:
			return
		case <-c.work:
		}
		for {
			c.mu.Lock()
			if len(c.q) == 0 {
				c.mu.Unlock()
				break
			}
			fn := c.q[0]
			c.q = c.q[1:]
			c.mu.Unlock()
			fn()
		}
	}
}

// Close hangs up and leaves the room.
func (c *Client) Close() {
	select {
	case <-c.done:
		return
	default:
		close(c.done)
	}
	c.PC.Close()
	c.Room.Close()
}

// signalTimeout bounds one signaling request.
const signalTimeout = 10 * time.Second
