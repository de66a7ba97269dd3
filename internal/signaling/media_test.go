package signaling_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"rapport/internal/mediaclient"
	"rapport/internal/porttest"
	"rapport/internal/roomclient"
)

// call joins the room's call as the person hc is signed in as.
func (e *env) call(t *testing.T, hc *http.Client) *mediaclient.Client {
	return e.callVia(t, hc, false)
}

// callVia joins, through TURN relays only when turnOnly is set.
func (e *env) callVia(t *testing.T, hc *http.Client, turnOnly bool) *mediaclient.Client {
	t.Helper()
	u, _ := url.Parse(e.url)
	header := http.Header{}
	for _, c := range hc.Jar.Cookies(u) {
		header.Add("Cookie", c.Name+"="+c.Value)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := mediaclient.Dial(ctx, mediaclient.Options{Loopback: true, TURNOnly: turnOnly,
		Room: roomclient.Options{BaseURL: e.url, RoomID: e.roomID, Header: header, NoReconnect: true}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func (e *env) userID(t *testing.T, hc *http.Client) int64 {
	var me struct{ ID int64 }
	e.api(hc, "GET", "/api/v1/me", "", &me)
	if me.ID == 0 {
		t.Fatal("no user ID from /api/v1/me")
	}
	return me.ID
}

func TestCallMediaFlowsThroughTheSFUOverSignaling(t *testing.T) {
	e := newEnv(t, "sqlite")
	coach, client := e.call(t, e.coach), e.call(t, e.client)
	if n := len(client.ICEServers()); n != 0 {
		t.Fatalf("%d ICE servers with none configured", n)
	}
	e.coachReachesClient(t, coach, client)
	if st := e.app.Media.Stats(); st.Rooms != 1 || st.Peers != 2 || st.Tracks != 2 || st.Forwarded == 0 || st.KeyframeRequests == 0 {
		t.Fatalf("SFU stats %+v; want one room, two peers, the coach's two tracks, packets forwarded and a keyframe asked for", st)
	}
}

func TestCallMediaThroughTheEmbeddedTURNServer(t *testing.T) {
	port := porttest.Free(t)
	e := newEnvWith(t, "sqlite", map[string]string{"TURN_PORT": strconv.Itoa(port), "TURN_SECRET": strings.Repeat("t", 24)})
	coach, client := e.call(t, e.coach), e.callVia(t, e.client, true)
	servers := client.ICEServers()
	clientID := e.userID(t, e.client)
	if len(servers) != 1 || !strings.HasSuffix(servers[0].Username, fmt.Sprintf(":%d", clientID)) ||
		!slices.Contains(servers[0].URLs, fmt.Sprintf("turn:127.0.0.1:%d?transport=udp", port)) {
		t.Fatalf("ICE servers %+v; want the embedded TURN server with the client's own credentials", servers)
	}
	e.coachReachesClient(t, coach, client)
	if n := e.app.TURN.Allocations(); n < 1 {
		t.Fatalf("%d TURN allocations; the client's media did not go through the relay", n)
	}
	pair, err := client.PC.SCTP().Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil || pair == nil || pair.Local.Typ != webrtc.ICECandidateTypeRelay {
		t.Fatalf("the client's selected pair %v (%v); want a relay candidate", pair, err)
	}
}

// coachReachesClient publishes the coach's camera and microphone and checks
// that the client receives both, with packets the coach sent just now.
func (e *env) coachReachesClient(t *testing.T, coach, client *mediaclient.Client) {
	t.Helper()
	coachID := e.userID(t, e.coach)
	video, audio, err := coach.Tracks()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go mediaclient.Send(ctx, video, audio, 300)
	if err := coach.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	got := make(chan *webrtc.TrackRemote, 4)
	client.PC.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { got <- tr })
	if _, err := client.PC.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio,
		webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	if err := client.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	streams := map[string]bool{}
	for len(streams) < 2 {
		select {
		case tr := <-got:
			streams[tr.StreamID()] = true
			p, _, err := tr.ReadRTP()
			if err != nil {
				t.Fatal(err)
			}
			if sent, ok := mediaclient.SentAt(p.Payload); !ok || time.Since(sent) > 5*time.Second {
				t.Fatalf("%s: a packet that is not the coach's (sent %v)", tr.StreamID(), sent)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("the client received %v within 10 s; want the coach's camera and microphone", streams)
		}
	}
	for _, want := range []string{fmt.Sprintf("%d-camera", coachID), fmt.Sprintf("%d-mic", coachID)} {
		if !streams[want] {
			t.Fatalf("streams %v lack %s", streams, want)
		}
	}
}

func TestMediaFramesNeedAJoinAndAValidOffer(t *testing.T) {
	e := newEnv(t, "sqlite")
	p := e.mustWS(t, e.coach)
	p.send(t, "media.offer", "o1", map[string]string{"sdp": "v=0"})
	if f := wait(t, p, "error"); f.ID != "o1" || !strings.Contains(string(f.Data), "join the room first") {
		t.Fatalf("offer before join: %s %s", f.ID, f.Data)
	}
	join(t, p, nil)
	p.send(t, "media.answer", "a1", map[string]string{"sdp": "v=0"})
	if f := wait(t, p, "error"); f.ID != "a1" || !strings.Contains(string(f.Data), "media.offer first") {
		t.Fatalf("answer before offer: %s %s", f.ID, f.Data)
	}
	p.send(t, "media.offer", "o2", map[string]string{"sdp": "not an SDP"})
	f := wait(t, p, "error")
	if f.ID != "o2" || !strings.Contains(string(f.Data), `"sdp"`) {
		t.Fatalf("bad offer: %s %s; want an error naming sdp", f.ID, f.Data)
	}
	p.send(t, "media.offer", "o3", map[string]string{})
	if f := wait(t, p, "error"); f.ID != "o3" || !strings.Contains(string(f.Data), "required") {
		t.Fatalf("empty offer: %s %s", f.ID, f.Data)
	}
	p.send(t, "ping", "p", nil)
	wait(t, p, "pong") // the connection stays
}
