package sfu

import (
	"context"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"rapport/internal/tunnel"
)

// vp8Source makes synthetic VP8 frames of 2,500 bytes (three packets):
// byte 0 is VP8's inverse key frame flag, bytes 1-4 the frame's index, the
// rest the index's low byte, so that a receiver can check every frame
// whole. A keyframe comes every keyEvery frames, and next after a request.
type vp8Source struct {
	keyEvery int
	next     int
	wantKey  atomic.Bool
}

func (v *vp8Source) frame() tunnel.Frame {
	i := v.next
	v.next++
	key := i%v.keyEvery == 0 || v.wantKey.Swap(false)
	data := make([]byte, 2500)
	for j := range data {
		data[j] = byte(i)
	}
	data[0] = 1
	if key {
		data[0] = 0
	}
	binary.BigEndian.PutUint32(data[1:], uint32(i))
	return tunnel.Frame{Kind: tunnel.Video, Keyframe: key, Track: tunnel.PurposeCode(PurposeCamera), Timestamp: uint32(i) * 3000, Data: data}
}

// checkFrame returns a received frame's index, or -1 if it is not whole.
func checkFrame(f tunnel.Frame) int {
	if len(f.Data) != 2500 {
		return -1
	}
	i := int(binary.BigEndian.Uint32(f.Data[1:]))
	for _, b := range f.Data[5:] {
		if b != byte(i) {
			return -1
		}
	}
	return i
}

// publishFrames adds a VP8 track to a pion client and sends src's frames at
// 100 a second until stop closes; a PLI makes the next frame a keyframe.
func (c *client) publishFrames(stop chan struct{}, src *vp8Source) {
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
				if _, ok := p.(*rtcp.PictureLossIndication); ok {
					c.plis.Add(1)
					src.wantKey.Store(true)
				}
			}
		}
	}()
	go func() {
		pk := tunnel.NewPacketizer(tunnel.Video, 1, 96)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			f := src.frame()
			for _, p := range pk.Packetize(&f) {
				_ = tr.WriteRTP(p)
			}
		}
	}()
}

// mangler is an interceptor on a publisher's way out: it swaps every
// swapEvery-th packet with the next (reordering), and loses packets: once
// each every onceEvery-th (the NACK responder's resend then arrives late),
// and for good those for which lose says so.
type mangler struct {
	interceptor.NoOp
	swapEvery, onceEvery int
	lose                 func(seq uint16) bool

	mu   sync.Mutex
	seen map[uint16]bool
	held []byte
	last uint16 // the last sequence number written
	// lost and swapped count what the mangler did.
	lost, swapped int
}

func (m *mangler) NewInterceptor(string) (interceptor.Interceptor, error) { return m, nil }

func (m *mangler) BindLocalStream(info *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	if info.MimeType != webrtc.MimeTypeVP8 {
		return w
	}
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.seen == nil {
			m.seen = map[uint16]bool{}
		}
		seq := h.SequenceNumber
		m.last = seq
		if (m.lose != nil && m.lose(seq)) || (m.onceEvery > 0 && int(seq)%m.onceEvery == 0 && !m.seen[seq]) {
			m.seen[seq] = true
			m.lost++
			return len(payload), nil
		}
		pkt := &rtp.Packet{Header: *h, Payload: payload}
		b, err := pkt.Marshal()
		if err != nil {
			return 0, err
		}
		if m.swapEvery > 0 && int(seq)%m.swapEvery == 0 && m.held == nil {
			m.held = b // goes out after the next
			m.swapped++
			return len(payload), nil
		}
		var out rtp.Packet
		_ = out.Unmarshal(b)
		n, err := w.Write(&out.Header, out.Payload, a)
		if m.held != nil {
			var late rtp.Packet
			_ = late.Unmarshal(m.held)
			m.held = nil
			_, _ = w.Write(&late.Header, late.Payload, a)
		}
		return n, err
	})
}

// tunnelReceiver is a tunnel participant as the tests play it.
type tunnelReceiver struct {
	out       *tunnel.Outbox
	changed   atomic.Int64
	keyframes chan string
	peer      *Peer
}

func joinTunnel(t *testing.T, s *SFU, room string, user int64) *tunnelReceiver {
	r := &tunnelReceiver{out: tunnel.NewOutbox(200, 200), keyframes: make(chan string, 64)}
	r.peer = s.ConnectTunnel(room, user, TunnelConn{Out: r.out, Changed: func([]TunnelTrack) { r.changed.Add(1) },
		Keyframe: func(p string) {
			select {
			case r.keyframes <- p:
			default:
			}
		}}, func(string, any) {})
	t.Cleanup(r.peer.Close)
	return r
}

// frames reads the video frames that reach the tunnel participant for d.
func (r *tunnelReceiver) frames(d time.Duration) []tunnel.Frame {
	return r.firstFrames(-1, d)
}

// firstFrames collects video frames until it has n (n < 0: no end) or
// limit has passed: a test that counts frames waits for them rather than
// for a window that a busy machine may fill slowly.
func (r *tunnelReceiver) firstFrames(n int, limit time.Duration) []tunnel.Frame {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var got []tunnel.Frame
	for n < 0 || len(got) < n {
		f, ok := r.out.Pop(ctx)
		if !ok {
			break
		}
		if f.Kind == tunnel.Video {
			got = append(got, f)
		}
	}
	return got
}

// TestBridgeTurnsAWebRTCCameraIntoWholeFramesForTheTunnel: a pion publisher
// whose packets arrive reordered and with losses (repaired by NACK, so
// late) reaches a tunnel participant as whole VP8 frames, in order, none
// damaged.
func TestBridgeTurnsAWebRTCCameraIntoWholeFramesForTheTunnel(t *testing.T) {
	s := testSFU(t)
	stop := make(chan struct{})
	defer close(stop)
	m := &mangler{swapEvery: 5, onceEvery: 7}
	pub := newClient(t, m)
	pub.publishFrames(stop, &vp8Source{keyEvery: 50})
	pub.join(s, "room-tunnel-in", 1)
	r := joinTunnel(t, s, "room-tunnel-in", 2)
	waitFor(t, 5*time.Second, "the camera announced to the tunnel participant", func() bool { return len(r.peer.TunnelTracks()) == 1 })
	if tr := r.peer.TunnelTracks()[0]; tr.Stream != "1-camera" || tr.Kind != "video" || tr.UserID != 1 {
		t.Fatalf("track announced: %+v", tr)
	}

	got := r.firstFrames(120, 10*time.Second)
	if len(got) < 120 {
		t.Fatalf("%d frames in 10 s at 100 a second reached the tunnel participant", len(got))
	}
	// Every loss is repaired by NACK, so frames arrive whole and in order.
	// A repair later than the bridge waits for a hole (200 ms: on a
	// machine starved of CPU, a retransmission can take longer) costs the
	// frames up to the keyframe the bridge then asks for: at most twice in
	// the run, and always followed by a keyframe. Without repair, every one
	// of the twenty and more losses would cost frames.
	last, gaps := -1, 0
	for _, f := range got {
		i := checkFrame(f)
		if i < 0 {
			t.Fatalf("a damaged frame reached the tunnel: %d bytes", len(f.Data))
		}
		if i <= last {
			t.Fatalf("frame %d after %d: out of order", i, last)
		}
		if i != last+1 && last >= 0 {
			gaps++
			if f.Data[0]&1 != 0 {
				t.Errorf("frames %d to %d missing, and the next is not a keyframe: it cannot be decoded", last+1, i-1)
			}
			t.Logf("frames %d to %d given up (a repair came later than the bridge waits)", last+1, i-1)
		}
		last = i
	}
	m.mu.Lock()
	lostN, swapped := m.lost, m.swapped
	m.mu.Unlock()
	if gaps > 2 {
		t.Errorf("%d runs of frames missing of %d losses: the losses are not repaired", gaps, lostN)
	}
	if lostN < 20 || swapped < 20 {
		t.Fatalf("the network lost %d packets and swapped %d: the test must do both", lostN, swapped)
	}
	if got[0].Data[0]&1 != 0 {
		t.Fatal("the tunnel's first frame is not a keyframe: it cannot be decoded")
	}
}

// TestBridgeAsksTheWebRTCPublisherForAKeyframeWhenAFrameIsLost: a packet
// lost for good (every resend too) leaves a frame that cannot be rebuilt;
// the tunnel participant gets no frame that depends on it, and the
// publisher is asked for a keyframe, after which frames flow again.
func TestBridgeAsksTheWebRTCPublisherForAKeyframeWhenAFrameIsLost(t *testing.T) {
	s := testSFU(t)
	stop := make(chan struct{})
	defer close(stop)
	var lost atomic.Int32
	lost.Store(-1)
	m := &mangler{lose: func(seq uint16) bool { return int32(seq) == lost.Load() }}
	pub := newClient(t, m)
	pub.publishFrames(stop, &vp8Source{keyEvery: 100000}) // keyframes only when asked
	pub.join(s, "room-tunnel-loss", 1)
	r := joinTunnel(t, s, "room-tunnel-loss", 2)
	before := r.firstFrames(50, 10*time.Second)
	if len(before) < 50 {
		t.Fatalf("%d frames before the loss", len(before))
	}
	plis := pub.plis.Load()

	// Lose, for good, a packet some 20 frames (60 packets) ahead.
	m.mu.Lock()
	lost.Store(int32(m.last + 60))
	m.mu.Unlock()

	after := r.firstFrames(100, 10*time.Second)
	if pub.plis.Load() <= plis {
		t.Fatal("the publisher was not asked for a keyframe after a frame was lost")
	}
	var gap bool
	last := checkFrame(before[len(before)-1])
	for _, f := range after {
		i := checkFrame(f)
		if i < 0 {
			t.Fatal("a damaged frame reached the tunnel")
		}
		if i != last+1 {
			gap = true
			if f.Data[0]&1 != 0 {
				t.Fatalf("after the lost frame, frame %d came on without a keyframe", i)
			}
		}
		last = i
	}
	if !gap {
		t.Fatal("no frame was lost: the test lost nothing")
	}
	if len(after) < 100 {
		t.Fatalf("only %d frames in the 10 s after the loss: the stream did not recover", len(after))
	}
}

// TestBridgeTurnsTunnelFramesIntoRTPForWebRTCAndAnotherTunnel: what a tunnel
// participant publishes reaches a WebRTC participant as an RTP track that
// depacketizes into the same frames, and another tunnel participant as the
// same frames; a WebRTC subscriber's PLI reaches the tunnel publisher as a
// keyframe request, and its microphone's level makes it the speaker.
func TestBridgeTurnsTunnelFramesIntoRTPForWebRTCAndAnotherTunnel(t *testing.T) {
	s := testSFU(t)
	sub := newClient(t)
	sub.listen()
	sub.join(s, "room-tunnel-out", 1)
	pub := joinTunnel(t, s, "room-tunnel-out", 2)
	other := joinTunnel(t, s, "room-tunnel-out", 3)

	stop := make(chan struct{})
	defer close(stop)
	var keyframesAsked atomic.Int64
	go func() { // the tunnel publisher's camera and microphone: 50 frames a second
		src := &vp8Source{keyEvery: 100000}
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			case kind := <-pub.keyframes:
				if kind == PurposeCamera {
					src.wantKey.Store(true)
					keyframesAsked.Add(1)
				}
				continue
			}
			f := src.frame()
			if err := pub.peer.Publish(&f); err != nil {
				t.Error(err)
				return
			}
			a := tunnel.Frame{Kind: tunnel.Audio, Track: tunnel.PurposeCode(PurposeMic), Level: 20, Timestamp: uint32(src.next) * 960, Data: []byte{0xfc, 1, 2, 3}}
			if err := pub.peer.Publish(&a); err != nil {
				t.Error(err)
				return
			}
		}
	}()

	// The WebRTC participant: an RTP track named for the tunnel publisher's
	// camera, which depacketizes into whole frames.
	var video *webrtc.TrackRemote
	for video == nil {
		if tr := sub.nextTrack(5 * time.Second); tr.Kind() == webrtc.RTPCodecTypeVideo {
			video = tr
		}
	}
	if video.StreamID() != "2-camera" {
		t.Fatalf("the track is named %q, want 2-camera", video.StreamID())
	}
	dep := tunnel.NewDepacketizer(tunnel.Video)
	var whole []int
	deadline := time.Now().Add(3 * time.Second)
	for len(whole) < 40 && time.Now().Before(deadline) {
		p, _, err := video.ReadRTP()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range dep.Push(p) {
			whole = append(whole, checkFrame(f))
		}
		if dep.NeedKeyframe() { // as a browser would: ask for what it cannot do without
			_ = sub.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(video.SSRC())}})
		}
	}
	for k, i := range whole {
		if i < 0 || (k > 0 && i != whole[k-1]+1) {
			t.Fatalf("frames through RTP: %v", whole)
		}
	}
	if len(whole) < 40 {
		t.Fatalf("%d whole frames reached the WebRTC participant in 3 s", len(whole))
	}

	// A PLI from the WebRTC participant becomes a keyframe request (one
	// that comes within 200 ms of the last is folded into it: the test
	// sends again until one crosses).
	asked := keyframesAsked.Load()
	waitFor(t, 3*time.Second, "the WebRTC participant's PLI to reach the tunnel publisher", func() bool {
		if err := sub.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(video.SSRC())}}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(250 * time.Millisecond)
		return keyframesAsked.Load() > asked
	})

	// The other tunnel participant: both tracks announced, whole frames.
	waitFor(t, 3*time.Second, "two tracks announced", func() bool { return len(other.peer.TunnelTracks()) == 2 })
	got := other.firstFrames(20, 10*time.Second)
	if len(got) < 20 {
		t.Fatalf("%d frames reached the other tunnel participant in 10 s", len(got))
	}
	for _, f := range got {
		if checkFrame(f) < 0 {
			t.Fatal("a damaged frame reached the other tunnel participant")
		}
	}
	wantSpeaker(t, sub, 2)
}

// TestATunnelParticipantHearsOnlyWhomItMay: a tunnel participant deaf to a
// publisher (the AI before the client agreed) receives not one frame of
// them, and everything once it may hear them.
func TestATunnelParticipantHearsOnlyWhomItMay(t *testing.T) {
	s := testSFU(t)
	stop := make(chan struct{})
	defer close(stop)
	pub := newClient(t)
	pub.publishFrames(stop, &vp8Source{keyEvery: 10})
	pub.join(s, "room-deaf", 1)
	r := &tunnelReceiver{out: tunnel.NewOutbox(200, 200), keyframes: make(chan string, 64)}
	r.peer = s.ConnectTunnel("room-deaf", 2, TunnelConn{Out: r.out, Changed: func([]TunnelTrack) {}, Keyframe: func(string) {},
		Deaf: map[int64]bool{1: true}}, func(string, any) {})
	t.Cleanup(r.peer.Close)
	if got := r.frames(time.Second); len(got) != 0 {
		t.Fatalf("%d frames of a publisher it may not hear", len(got))
	}
	r.peer.Hear(1, true)
	if got := r.firstFrames(20, 10*time.Second); len(got) < 20 {
		t.Fatalf("%d frames in 10 s once it may hear", len(got))
	}
	r.peer.Hear(1, false)
	r.frames(500 * time.Millisecond) // what was on its way
	if got := r.frames(time.Second); len(got) != 0 {
		t.Fatalf("%d frames after it may no longer hear", len(got))
	}
}
