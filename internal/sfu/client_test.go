package sfu

import (
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"rapport/internal/pionlog"
)

// testSFU starts an SFU narrowed to loopback.
func testSFU(t testing.TB) *SFU {
	t.Helper()
	s, err := New(Settings{LoopbackOnly: true}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// client is a pion peer that talks to the SFU as a browser would, through
// Local (the signaling done in process).
type client struct {
	t       testing.TB
	pc      *webrtc.PeerConnection
	local   *Local
	peer    *Peer // the server's side
	tracks  chan *webrtc.TrackRemote
	plis    atomic.Int64            // keyframe requests the server sent about what we publish
	twccs   atomic.Int64            // transport-wide feedback the server sent about what we publish
	reports atomic.Int64            // receiver reports the server sent about our video
	srs     chan *rtcp.SenderReport // sender reports of the tracks we receive

	mu       sync.Mutex
	nacked   map[uint16]bool // the video packets the server asked for again
	speakers chan int64      // the speaker frames the server sent
}

// newClient makes a client; extra interceptors sit nearest the network.
func newClient(t testing.TB, extra ...interceptor.Factory) *client {
	t.Helper()
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: AudioLevelURI}, webrtc.RTPCodecTypeAudio); err != nil {
		t.Fatal(err)
	}
	ir := &interceptor.Registry{}
	for _, f := range extra {
		ir.Add(f)
	}
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		t.Fatal(err)
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	// The dropper loses packets after decryption, where a repair looks like a
	// replay; on a real network the loss comes first and SRTP never sees it.
	se.DisableSRTPReplayProtection(true)
	se.LoggerFactory = pionlog.Factory(nil) // a hung-up peer's last writes are no news
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	c := &client{t: t, pc: pc, speakers: make(chan int64, 64), tracks: make(chan *webrtc.TrackRemote, 16),
		srs: make(chan *rtcp.SenderReport, 16)}
	pc.OnTrack(func(tr *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
		c.tracks <- tr
		go c.readReports(r)
	})
	t.Cleanup(func() {
		if c.local != nil {
			c.local.Close()
		}
		pc.Close()
	})
	return c
}

// join offers what the client publishes and connects it to the room.
func (c *client) join(s *SFU, room string, user int64) {
	c.t.Helper()
	l, err := s.Dial(room, user, c.pc, func(typ string, data any) {
		if typ == "speaker" {
			c.speakers <- data.(Speaker).UserID
		}
	})
	if err != nil {
		c.t.Fatal(err)
	}
	c.local, c.peer = l, l.Peer
	c.t.Cleanup(func() {
		if errs := l.Errs(); len(errs) > 0 {
			c.t.Errorf("signaling: %v", errs)
		}
	})
}

// publishVideo adds a VP8 track and sends synthetic packets until stop
// closes; it counts the keyframe requests the server sends back.
func (c *client) publishVideo(stop chan struct{}) *webrtc.TrackLocalStaticRTP {
	c.t.Helper()
	tr, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8}, "video", "cam")
	if err != nil {
		c.t.Fatal(err)
	}
	sender, err := c.pc.AddTrack(tr)
	if err != nil {
		c.t.Fatal(err)
	}
	go func() {
		for {
			pkts, _, err := sender.ReadRTCP()
			if err != nil {
				return
			}
			for _, p := range pkts {
				switch p := p.(type) {
				case *rtcp.PictureLossIndication:
					c.plis.Add(1)
				case *rtcp.TransportLayerCC:
					c.twccs.Add(1)
				case *rtcp.TransportLayerNack:
					c.noteNACK(p)
				case *rtcp.ReceiverReport:
					for _, r := range p.Reports {
						if r.SSRC == uint32(sender.GetParameters().Encodings[0].SSRC) && r.LastSequenceNumber > 0 {
							c.reports.Add(1)
						}
					}
				}
			}
		}
	}()
	go sendVP8(tr, stop)
	return tr
}

// readReports passes on the sender reports of a track the client
// receives, while there is room for them.
func (c *client) readReports(r *webrtc.RTPReceiver) {
	for {
		pkts, _, err := r.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			if sr, ok := p.(*rtcp.SenderReport); ok {
				select {
				case c.srs <- sr:
				default:
				}
			}
		}
	}
}

// noteNACK notes the packets a NACK asks for.
func (c *client) noteNACK(n *rtcp.TransportLayerNack) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.nacked == nil {
		c.nacked = map[uint16]bool{}
	}
	for _, pair := range n.Nacks {
		for _, seq := range pair.PacketList() {
			c.nacked[seq] = true
		}
	}
}

// wasNACKed reports whether the server asked for a packet again.
func (c *client) wasNACKed(seq uint16) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nacked[seq]
}

// sendVP8 writes a packet every 5 ms: a VP8 payload descriptor and bytes.
func sendVP8(tr *webrtc.TrackLocalStaticRTP, stop chan struct{}) {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	payload := make([]byte, 900)
	payload[0] = 0x10 // start of a partition
	for seq := uint16(1000); ; seq++ {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		_ = tr.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: uint32(seq) * 450, Marker: true}, Payload: payload})
	}
}

// nextTrack waits for a track the server sends the client.
func (c *client) nextTrack(within time.Duration) *webrtc.TrackRemote {
	c.t.Helper()
	select {
	case tr := <-c.tracks:
		return tr
	case <-time.After(within):
		c.t.Fatalf("no track arrived within %v", within)
		return nil
	}
}

// measuredIn is how many of a room's tracks the room's tick has measured
// (a bitrate known for their first layer).
func (s *SFU) measuredIn(roomID string) int {
	s.mu.Lock()
	r := s.rooms[roomID]
	s.mu.Unlock()
	if r == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, f := range r.tracks {
		if l := f.layers[0].Load(); l != nil && l.bps.Load() > 0 {
			n++
		}
	}
	return n
}

// waitFor polls cond until it holds.
func waitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// publishAudio adds an Opus track and sends a packet every 20 ms with the
// audio level level() in its header, until stop closes.
func (c *client) publishAudio(stop chan struct{}, level func() byte) {
	c.t.Helper()
	tr, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", "mic")
	if err != nil {
		c.t.Fatal(err)
	}
	sender, err := c.pc.AddTrack(tr)
	if err != nil {
		c.t.Fatal(err)
	}
	go func() {
		for {
			if _, _, err := sender.ReadRTCP(); err != nil {
				return
			}
		}
	}()
	go func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		payload := make([]byte, 60)
		for seq := uint16(0); ; seq++ {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			var id uint8
			for _, e := range sender.GetParameters().HeaderExtensions {
				if e.URI == AudioLevelURI {
					id = uint8(e.ID)
				}
			}
			p := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: uint32(seq) * 960}, Payload: payload}
			if id != 0 {
				_ = p.Header.SetExtension(id, []byte{level()})
			}
			_ = tr.WriteRTP(p)
		}
	}()
}

// publishSimulcast adds a camera in three layers (q, h, f) sending
// synthetic VP8 at about kbps[i] each: payload byte 1 is the VP8 frame's
// first byte (0: keyframe), byte 2 the layer. A layer sends a keyframe
// every two seconds and at once when the server asks (PLI).
func (c *client) publishSimulcast(stop chan struct{}, kbps [3]int) {
	c.t.Helper()
	codec := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
	var tracks [3]*webrtc.TrackLocalStaticRTP
	for i, rid := range []string{"q", "h", "f"} {
		tr, err := webrtc.NewTrackLocalStaticRTP(codec, "video", "cam", webrtc.WithRTPStreamID(rid))
		if err != nil {
			c.t.Fatal(err)
		}
		tracks[i] = tr
	}
	t, err := c.pc.AddTransceiverFromTrack(tracks[0], webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		c.t.Fatal(err)
	}
	sender := t.Sender()
	for _, tr := range tracks[1:] {
		if err := sender.AddEncoding(tr); err != nil {
			c.t.Fatal(err)
		}
	}
	var wantKey [3]atomic.Bool
	go func() {
		for {
			pkts, _, err := sender.ReadRTCP()
			if err != nil {
				return
			}
			for _, p := range pkts {
				pli, ok := p.(*rtcp.PictureLossIndication)
				if !ok {
					continue
				}
				for _, e := range sender.GetParameters().Encodings {
					if uint32(e.SSRC) == pli.MediaSSRC {
						wantKey[ridIndex(e.RID)].Store(true)
					}
				}
			}
		}
	}()
	for i, tr := range tracks {
		go func() {
			tick := time.NewTicker(time.Second / 30)
			defer tick.Stop()
			frameBytes := kbps[i] * 1000 / 8 / 30
			buf := make([]byte, 1100)
			var seq uint16
			for frame := uint32(0); ; frame++ {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				key := frame%60 == 0 || wantKey[i].Swap(false)
				for left := frameBytes; left > 0; {
					n := min(left, 1100)
					first := left == frameBytes
					left -= n
					p := buf[:max(n, 3)]
					p[0], p[1], p[2] = 0x00, 0x01, byte(i)
					if first {
						p[0] = 0x10
						if key {
							p[1] = 0x00
						}
					}
					pkt := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: frame * 3000, Marker: left == 0}, Payload: p}
					// pion does not write the mid and rid a simulcast receiver
					// demultiplexes by: a browser does, and so does this.
					for _, e := range sender.GetParameters().HeaderExtensions {
						switch e.URI {
						case sdp.SDESMidURI:
							_ = pkt.Header.SetExtension(uint8(e.ID), []byte(t.Mid()))
						case sdp.SDESRTPStreamIDURI:
							_ = pkt.Header.SetExtension(uint8(e.ID), []byte(tr.RID()))
						}
					}
					_ = tr.WriteRTP(pkt)
					seq++
				}
			}
		}()
	}
}

func ridIndex(rid string) int { return map[string]int{"q": 0, "h": 1, "f": 2}[rid] }

// videoCall joins a coach publishing synthetic video (user 1) and a client
// who only receives (user 2) to a room of s; the video stops with the test.
func videoCall(tb testing.TB, s *SFU, room string) (coach, client *client) {
	tb.Helper()
	stop := make(chan struct{})
	tb.Cleanup(func() { close(stop) })
	coach = newClient(tb)
	coach.publishVideo(stop)
	coach.join(s, room, 1)
	client = newClient(tb)
	client.listen()
	client.join(s, room, 2)
	return coach, client
}
