package signaling_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"

	"rapport/internal/mediaclient"
	"rapport/internal/roomclient"
	"rapport/internal/tunnel"
	"rapport/internal/tunnelclient"
)

// cookieHeader is the session cookie of hc, for a Go client.
func (e *env) cookieHeader(hc *http.Client) http.Header {
	u, _ := url.Parse(e.url)
	header := http.Header{}
	for _, c := range hc.Jar.Cookies(u) {
		header.Add("Cookie", c.Name+"="+c.Value)
	}
	return header
}

// tunnel joins the room on the media tunnel as the person hc is signed in as.
func (e *env) tunnel(t *testing.T, hc *http.Client) *tunnelclient.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := tunnelclient.Dial(ctx, tunnelclient.Options{Room: roomclient.Options{BaseURL: e.url, RoomID: e.roomID,
		Header: e.cookieHeader(hc), NoReconnect: true}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// sendTunnelMedia publishes a tunnel client's camera (25 frames a second,
// each carrying its send time after its first byte, a keyframe when asked
// and every 50) and microphone (50 a second) until ctx ends.
func sendTunnelMedia(ctx context.Context, c *tunnelclient.Client) {
	vt, at := time.NewTicker(40*time.Millisecond), time.NewTicker(20*time.Millisecond)
	defer vt.Stop()
	defer at.Stop()
	for i := uint32(0); ; {
		var f tunnel.Frame
		select {
		case <-ctx.Done():
			return
		case <-c.KeyframeRequests():
			i = 0 // the next frame is a keyframe
			continue
		case <-vt.C:
			data := make([]byte, 3000)
			data[0] = 1
			if i%50 == 0 {
				data[0] = 0
			}
			stampAt(data[1:])
			f = tunnel.Frame{Kind: tunnel.Video, Keyframe: i%50 == 0, Track: tunnel.PurposeCode("camera"), Timestamp: i * 3600, Data: data}
			i++
		case <-at.C:
			data := make([]byte, 80)
			data[0] = 0xfc
			stampAt(data[mediaclient.Stamp:])
			f = tunnel.Frame{Kind: tunnel.Audio, Track: tunnel.PurposeCode("mic"), Level: 30, Timestamp: uint32(time.Now().UnixMilli() * 48), Data: data}
		}
		if c.Send(ctx, &f) != nil {
			return
		}
	}
}

func stampAt(b []byte) {
	n := uint64(time.Now().UnixNano())
	for i := range 8 {
		b[i] = byte(n >> (56 - 8*i))
	}
}

// TestATunnelParticipantAndAWebRTCParticipantSeeAndHearEachOther: the coach
// on WebRTC, the client on the tunnel, through the real server: the client
// receives the coach's camera and microphone as fresh frames, and the coach
// receives the client's as RTP tracks that depacketize into whole frames.
func TestATunnelParticipantAndAWebRTCParticipantSeeAndHearEachOther(t *testing.T) {
	e := newEnv(t, "sqlite")
	coachID, clientID := e.userID(t, e.coach), e.userID(t, e.client)
	coach := e.call(t, e.coach)
	client := e.tunnel(t, e.client)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	video, audio, err := coach.Tracks()
	if err != nil {
		t.Fatal(err)
	}
	go mediaclient.Send(ctx, video, audio, 300)
	got := make(chan *webrtc.TrackRemote, 4)
	coach.PC.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { got <- tr })
	if err := coach.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	go sendTunnelMedia(ctx, client)

	// The tunnel client: the coach's two tracks announced, and frames of both
	// that the coach sent just now.
	kinds := map[string]int{}
	deadline := time.After(10 * time.Second)
	for kinds["video"] < 10 || kinds["audio"] < 10 {
		select {
		case f := <-client.Frames():
			sent, ok := mediaclient.FrameSentAt(f.Kind == tunnel.Video, f.Data)
			if !ok || time.Since(sent) > 5*time.Second || time.Since(sent) < 0 {
				t.Fatalf("a frame that is not the coach's, or stale: sent %v", sent)
			}
			if f.Kind == tunnel.Video {
				kinds["video"]++
			} else {
				kinds["audio"]++
			}
		case <-deadline:
			t.Fatalf("the tunnel client got %v frames in 10 s", kinds)
		}
	}
	streams := map[string]bool{}
	for _, tr := range client.Tracks() {
		streams[tr.Stream] = true
	}
	if !streams[fmt.Sprintf("%d-camera", coachID)] || !streams[fmt.Sprintf("%d-mic", coachID)] {
		t.Fatalf("tracks announced to the tunnel client: %+v", client.Tracks())
	}

	// The WebRTC coach: the client's camera and microphone as RTP.
	seen := map[string]bool{}
	for len(seen) < 2 {
		select {
		case tr := <-got:
			seen[tr.StreamID()] = true
			if tr.Kind() == webrtc.RTPCodecTypeVideo {
				checkTunnelVideo(t, tr)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("the coach received %v within 10 s", seen)
		}
	}
	for _, want := range []string{fmt.Sprintf("%d-camera", clientID), fmt.Sprintf("%d-mic", clientID)} {
		if !seen[want] {
			t.Fatalf("the coach received %v, not %s", seen, want)
		}
	}
	if errs := client.Errors(); len(errs) > 0 {
		t.Fatalf("the tunnel said: %v", errs)
	}
}

// checkTunnelVideo depacketizes a tunneled camera into whole, fresh frames.
func checkTunnelVideo(t *testing.T, tr *webrtc.TrackRemote) {
	t.Helper()
	dep := tunnel.NewDepacketizer(tunnel.Video)
	whole := 0
	freshest := time.Hour
	deadline := time.Now().Add(10 * time.Second)
	for (whole < 5 || freshest > time.Second) && time.Now().Before(deadline) { // read past what queued
		p, _, err := tr.ReadRTP()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range dep.Push(p) {
			sent, ok := mediaclient.FrameSentAt(true, f.Data)
			if len(f.Data) != 3000 || !ok {
				t.Fatalf("a tunneled frame of %d bytes sent %v", len(f.Data), sent)
			}
			freshest = min(freshest, time.Since(sent))
			whole++
		}
	}
	// What queued while the test read the other track may be old; reading
	// on, the frames must come fresh.
	if freshest > time.Second {
		t.Fatalf("the freshest tunneled frame is %v old", freshest)
	}
	if whole < 5 {
		t.Fatalf("%d whole frames of the tunnel client's camera in 5 s", whole)
	}
}

// TestTheTunnelNeedsItsOwnTicketOnce: a ticket is for the person it was
// given to, once; without one the upgrade is refused with a reason.
func TestTheTunnelNeedsItsOwnTicketOnce(t *testing.T) {
	e := newEnv(t, "sqlite")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rc, err := roomclient.Dial(ctx, roomclient.Options{BaseURL: e.url, RoomID: e.roomID, Header: e.cookieHeader(e.coach), NoReconnect: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	ticket := func() string {
		raw, err := rc.Request(ctx, "media.tunnel", nil)
		if err != nil {
			t.Fatal(err)
		}
		s := string(raw)
		return s[strings.Index(s, `"ticket":"`)+10 : len(s)-2]
	}
	dial := func(hc *http.Client, tk string) (int, string) {
		u := "ws" + strings.TrimPrefix(e.url, "http") + "/rooms/" + e.roomID + "/media?ticket=" + tk
		ws, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: e.cookieHeader(hc)})
		if err == nil {
			ws.Close(websocket.StatusNormalClosure, "")
			return 101, ""
		}
		if resp == nil {
			t.Fatal(err)
		}
		return resp.StatusCode, err.Error()
	}
	if code, _ := dial(e.coach, ""); code != http.StatusForbidden {
		t.Fatalf("no ticket: %d, want 403", code)
	}
	tk := ticket()
	if code, _ := dial(e.client, tk); code != http.StatusForbidden {
		t.Fatalf("the coach's ticket with the client's cookie: %d, want 403", code)
	}
	if code, _ := dial(e.coach, tk); code != http.StatusForbidden {
		t.Fatalf("a ticket tried by someone else is spent: %d, want 403", code)
	}
	tk = ticket()
	if code, _ := dial(e.coach, tk); code != 101 {
		t.Fatalf("the coach's own ticket: %d, want the upgrade", code)
	}
	if code, _ := dial(e.coach, tk); code != http.StatusForbidden {
		t.Fatalf("a ticket used twice: %d, want 403", code)
	}
}

// TestTheTunnelAnswersBadInputAndClosesWithTheRoom: a bad frame or message
// is answered with an error naming what is wrong, and the tunnel goes on;
// when the person leaves the room, the tunnel closes.
func TestTheTunnelAnswersBadInputAndClosesWithTheRoom(t *testing.T) {
	e := newEnv(t, "sqlite")
	c := e.tunnel(t, e.coach)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	bad := []func() error{
		func() error {
			return c.Send(ctx, &tunnel.Frame{Kind: tunnel.Video, Track: 9, Data: []byte{1}})
		},
		func() error {
			return c.Send(ctx, &tunnel.Frame{Kind: tunnel.Audio, Track: tunnel.PurposeCode("camera"), Data: []byte{1}})
		},
		func() error { return c.SendText(ctx, []byte("not json")) },
		func() error { return c.SendText(ctx, []byte(`{"type":"dance"}`)) },
	}
	for _, send := range bad {
		if err := send(); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{`"track"`, `"kind"`, "JSON object", "dance"}
	waitUntil(t, 5*time.Second, "four errors", func() bool { return len(c.Errors()) == 4 })
	for i, e := range c.Errors() {
		if !strings.Contains(e, want[i]) {
			t.Fatalf("error %d is %s; want it to name %s", i, e, want[i])
		}
	}
	// A flood is cut to the limit, said (once a second at most: once, or
	// more when a busy machine spreads the flood out), and the tunnel goes on.
	for range 1500 {
		if err := c.Send(ctx, &tunnel.Frame{Kind: tunnel.Audio, Track: tunnel.PurposeCode("mic"), Data: []byte{0xfc}}); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, 5*time.Second, "the flood's error", func() bool { return len(c.Errors()) >= 5 })
	flood := c.Errors()[4:]
	for _, e := range flood {
		if !strings.Contains(e, "too many") || len(flood) > 3 {
			t.Fatalf("after a flood of 1,500 frames the tunnel said %v; want an error about too many a second at most", flood)
		}
	}
	if err := c.Room.Tell(ctx, "leave", nil); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the tunnel stayed open after its person left the room")
	}
}

func waitUntil(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
