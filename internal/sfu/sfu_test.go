package sfu

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// listen is a subscriber's usual m-line: a microphone it may not use yet.
func (c *client) listen() {
	c.t.Helper()
	if _, err := c.pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio,
		webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		c.t.Fatal(err)
	}
}

// readSeqs reads a track's packets and records their sequence numbers.
func readSeqs(tr *webrtc.TrackRemote) (func() map[uint16]int, func() int) {
	var mu sync.Mutex
	seen := map[uint16]int{}
	go func() {
		for {
			p, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			mu.Lock()
			seen[p.SequenceNumber]++
			mu.Unlock()
		}
	}()
	snapshot := func() map[uint16]int {
		mu.Lock()
		defer mu.Unlock()
		m := make(map[uint16]int, len(seen))
		for k, v := range seen {
			m[k] = v
		}
		return m
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(seen) }
	return snapshot, count
}

func TestForwardsATrackToTheOtherParticipant(t *testing.T) {
	coach, client := videoCall(t, testSFU(t), "room-1")

	tr := client.nextTrack(10 * time.Second)
	if tr.StreamID() != "1-camera" || tr.Kind() != webrtc.RTPCodecTypeVideo {
		t.Fatalf("got stream %q kind %v, want the coach's camera (1-camera, video)", tr.StreamID(), tr.Kind())
	}
	if got := tr.Codec().MimeType; got != webrtc.MimeTypeVP8 {
		t.Fatalf("codec %s, want VP8", got)
	}
	_, count := readSeqs(tr)
	waitFor(t, 5*time.Second, "100 forwarded packets", func() bool { return count() >= 100 })

	select {
	case tr := <-coach.tracks:
		t.Fatalf("the coach received a track (%s) though the client publishes none", tr.StreamID())
	default:
	}
}

func TestSubscriberJoiningAsksThePublisherForAKeyframe(t *testing.T) {
	s := testSFU(t)
	stop := make(chan struct{})
	defer close(stop)

	coach := newClient(t)
	coach.publishVideo(stop)
	coach.join(s, "room-pli", 1)
	// The server has taken the track, read its packets and measured it in
	// a tick of the room (which chooses subscribers' layers): nothing so
	// far asked for a keyframe, by the server's own count, sent or not.
	waitFor(t, 5*time.Second, "the server to measure the coach's track", func() bool { return s.measuredIn("room-pli") == 1 })
	if n, got := s.Stats().KeyframeRequests, coach.plis.Load(); n != 0 || got != 0 {
		t.Fatalf("%d keyframe requests sent (%d received) before anyone subscribed; want 0", n, got)
	}

	client := newClient(t)
	client.listen()
	client.join(s, "room-pli", 2)
	select {
	case <-client.tracks:
	case <-time.After(10 * time.Second):
		t.Fatalf("no track; client pc %v ice %v sig %v; server pc %v sig %v; transceivers %d", client.pc.ConnectionState(), client.pc.ICEConnectionState(), client.pc.SignalingState(),
			client.peer.pc.ConnectionState(), client.peer.pc.SignalingState(), len(client.pc.GetTransceivers()))
	}
	waitFor(t, 5*time.Second, "a PLI to the publisher", func() bool { return coach.plis.Load() >= 1 })
}

func TestNACKRepairsPacketsLostOnTheWayToASubscriber(t *testing.T) {
	s := testSFU(t)
	stop := make(chan struct{})
	defer close(stop)

	coach := newClient(t)
	coach.publishVideo(stop)
	coach.join(s, "room-nack", 1)

	loss := &dropper{every: 7}
	client := newClient(t, loss)
	client.listen()
	client.join(s, "room-nack", 2)
	tr := client.nextTrack(10 * time.Second)
	seqs, count := readSeqs(tr)
	waitFor(t, 10*time.Second, "300 packets", func() bool { return count() >= 300 })
	loss.stopDropping()
	if loss.dropped() < 20 {
		t.Fatalf("only %d packets dropped; the test needs losses to repair", loss.dropped())
	}
	// The last repairs take a NACK's round trip, longer on a busy machine.
	var missing, of int
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if missing, of = gaps(seqs()); missing == 0 {
			break
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d packets never arrived though %d were dropped once each and NACKed", missing, of, loss.dropped())
	}
	if st := s.Stats(); st.Resent < uint64(loss.dropped())/2 { // the SFU answered, not something else
		t.Fatalf("%d packets sent again from the cache for %d dropped", st.Resent, loss.dropped())
	}
}

// gaps counts the sequence numbers missing between the lowest and the
// highest seen, and the span's length.
func gaps(got map[uint16]int) (missing, of int) {
	first, last := span(got)
	for s := first; s != last; s++ {
		if got[s] == 0 {
			missing++
		}
	}
	return missing, int(last - first)
}

// span is the lowest and highest sequence number seen, for a run shorter
// than half the sequence space.
func span(m map[uint16]int) (uint16, uint16) {
	first, last := uint16(0), uint16(0)
	started := false
	for s := range m {
		if !started {
			first, last, started = s, s, true
			continue
		}
		if int16(s-first) < 0 {
			first = s
		}
		if int16(s-last) > 0 {
			last = s
		}
	}
	return first, last
}

// dropper is an interceptor that loses, once, every nth video packet the
// client receives, before the NACK generator sees it.
type dropper struct {
	interceptor.NoOp
	every int

	mu     sync.Mutex
	seen   map[uint16]bool
	n      int
	closed bool
}

func (d *dropper) NewInterceptor(string) (interceptor.Interceptor, error) { return d, nil }

func (d *dropper) BindRemoteStream(info *interceptor.StreamInfo, r interceptor.RTPReader) interceptor.RTPReader {
	if info.MimeType != webrtc.MimeTypeVP8 {
		return r
	}
	return interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		for {
			n, a, err := r.Read(b, a)
			if err != nil || n < 4 || !d.drop(uint16(b[2])<<8|uint16(b[3])) {
				return n, a, err
			}
		}
	})
}

func (d *dropper) drop(seq uint16) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.seen == nil {
		d.seen = map[uint16]bool{}
	}
	if d.closed || d.seen[seq] || int(seq)%d.every != 0 {
		return false
	}
	d.seen[seq] = true
	d.n++
	return true
}

func (d *dropper) dropped() int { d.mu.Lock(); defer d.mu.Unlock(); return d.n }

func (d *dropper) stopDropping() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
}

func TestActiveSpeakerFollowsTheAudioLevel(t *testing.T) {
	s := testSFU(t)
	stop := make(chan struct{})
	defer close(stop)
	var loud atomic.Int64 // which user is loud
	loud.Store(1)
	levelOf := func(user int64) func() byte {
		return func() byte {
			if loud.Load() == user {
				return 20 // -20 dBov: speech
			}
			return 110 // near silence
		}
	}
	coach := newClient(t)
	coach.publishAudio(stop, levelOf(1))
	coach.join(s, "room-speaker", 1)
	client := newClient(t)
	client.publishAudio(stop, levelOf(2))
	client.join(s, "room-speaker", 2)

	wantSpeaker(t, client, 1)
	loud.Store(2)
	wantSpeaker(t, client, 2)
	wantSpeaker(t, coach, 2)
	loud.Store(0)
	wantSpeaker(t, client, 0) // a stretch of silence: nobody
}

// wantSpeaker waits for a speaker frame naming user.
func wantSpeaker(t *testing.T, c *client, user int64) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case got := <-c.speakers:
			if got == user {
				return
			}
		case <-deadline:
			t.Fatalf("no speaker frame naming %d within 5 s", user)
		}
	}
}

func TestSimulcastLayerFollowsTheBandwidthEstimate(t *testing.T) {
	s := testSFU(t)
	stop := make(chan struct{})
	defer close(stop)
	coach := newClient(t)
	coach.publishSimulcast(stop, [3]int{100, 400, 1200})
	coach.join(s, "room-simulcast", 1)
	client := newClient(t)
	client.listen()
	client.join(s, "room-simulcast", 2)
	tr := client.nextTrack(10 * time.Second)

	var cap atomic.Int64 // the client's bandwidth, as its REMB says
	cap.Store(5_000_000)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Millisecond):
			}
			_ = client.pc.WriteRTCP([]rtcp.Packet{&rtcp.ReceiverEstimatedMaximumBitrate{Bitrate: float32(cap.Load()), SSRCs: []uint32{uint32(tr.SSRC())}}})
		}
	}()
	layers := make(chan int, 1024)
	errs := make(chan string, 16)
	var clean atomic.Int64
	go readLayers(tr, layers, errs, &clean)

	for _, step := range []struct {
		bps   int64
		layer int
	}{{5_000_000, 2}, {200_000, 0}, {700_000, 1}, {5_000_000, 2}} {
		cap.Store(step.bps)
		waitLayer(t, layers, errs, step.layer, fmt.Sprintf("a cap of %d bit/s", step.bps))
	}
	if clean.Load() < 2 {
		t.Fatalf("only %d of the switches could be judged (the others came with losses)", clean.Load())
	}
}

// readLayers reports the layer of every packet, and what is wrong with the
// stream at a switch of layer: a first packet that does not start a
// keyframe, a gap in the sequence numbers, time going backwards. A packet
// that does not follow its predecessor (one lost on a busy loopback, and
// repaired later) proves nothing and is not judged; clean counts the
// switches that were.
func readLayers(tr *webrtc.TrackRemote, layers chan<- int, errs chan<- string, clean *atomic.Int64) {
	var last rtp.Header
	cur := -1
	for {
		p, _, err := tr.ReadRTP()
		if err != nil {
			return
		}
		layer := int(p.Payload[2])
		follows := cur >= 0 && p.SequenceNumber == last.SequenceNumber+1
		if layer != cur && follows {
			switch {
			case p.Payload[0]&0x10 == 0 || p.Payload[1]&0x01 != 0:
				errs <- fmt.Sprintf("switched to layer %d on a packet that does not start a keyframe", layer)
			case int32(p.Timestamp-last.Timestamp) <= 0:
				errs <- fmt.Sprintf("switched to layer %d with time %d after %d", layer, p.Timestamp, last.Timestamp)
			default:
				clean.Add(1)
			}
		}
		if cur < 0 || int16(p.SequenceNumber-last.SequenceNumber) > 0 {
			cur, last = layer, p.Header
		}
		select {
		case layers <- layer:
		default:
		}
	}
}

// waitLayer waits until 20 packets in a row are of layer.
func waitLayer(t *testing.T, layers <-chan int, errs <-chan string, layer int, why string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	run := 0
	got := -1
	for run < 20 {
		select {
		case got = <-layers:
			if got == layer {
				run++
			} else {
				run = 0
			}
		case e := <-errs:
			t.Fatal(e)
		case <-deadline:
			t.Fatalf("with %s the subscriber gets layer %d, want %d", why, got, layer)
		}
	}
}

func TestICERestartKeepsTheMediaFlowing(t *testing.T) {
	s := testSFU(t)
	_, client := videoCall(t, s, "room-restart")
	_, count := readSeqs(client.nextTrack(10 * time.Second))
	waitFor(t, 5*time.Second, "packets before the restart", func() bool { return count() >= 50 })

	ufrag := func() string {
		for _, line := range strings.Split(client.pc.LocalDescription().SDP, "\n") {
			if v, ok := strings.CutPrefix(line, "a=ice-ufrag:"); ok {
				return strings.TrimSpace(v)
			}
		}
		return ""
	}
	before := ufrag()
	if err := client.local.Restart(); err != nil {
		t.Fatal(err)
	}
	if after := ufrag(); after == before || after == "" {
		t.Fatalf("ICE credentials %q before and %q after the restart", before, after)
	}
	n, fast := count(), s.Stats().FastPath
	waitFor(t, 10*time.Second, "packets after the restart", func() bool {
		return count() >= n+100 && client.pc.ICEConnectionState() == webrtc.ICEConnectionStateConnected
	})
	// The subscriber's link moved with its pair; the publisher's carries on.
	if link := client.peer.fast.Load(); link == nil {
		t.Error("the subscriber is off the fast path after the restart")
	}
	if s.Stats().FastPath <= fast {
		t.Error("no packet took the fast path after the restart")
	}
}

func TestALeavingSubscriberIsTakenOutOfEveryForwarder(t *testing.T) {
	s := testSFU(t)
	_, client := videoCall(t, s, "room-leave")
	client.nextTrack(10 * time.Second)
	r := s.room("room-leave")
	downs := func() int {
		r.mu.Lock()
		defer r.mu.Unlock()
		n := 0
		for _, f := range r.tracks {
			n += len(*f.downs.Load())
		}
		return n
	}
	if n := downs(); n != 1 {
		t.Fatalf("%d subscriptions, want the client's one", n)
	}
	client.local.Close()
	waitFor(t, 5*time.Second, "the client's subscription to go", func() bool { return downs() == 0 })
}
