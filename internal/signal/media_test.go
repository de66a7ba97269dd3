package signal_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"rapport/internal/mediaclient"
	"rapport/internal/roomclient"
)

// call joins the room's call as the person hc is signed in as.
func (e *env) call(t *testing.T, hc *http.Client) *mediaclient.Client {
	t.Helper()
	u, _ := url.Parse(e.srv.URL)
	header := http.Header{}
	for _, c := range hc.Jar.Cookies(u) {
		header.Add("Cookie", c.Name+"="+c.Value)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := mediaclient.Dial(ctx, mediaclient.Options{Loopback: true,
		Room: roomclient.Options{BaseURL: e.srv.URL, RoomID: e.roomID, Header: header, NoReconnect: true}})
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
	coachID := e.userID(t, e.coach)

	coach := e.call(t, e.coach)
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

	client := e.call(t, e.client)
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
			if sent, ok := mediaclient.SentAt(p.Payload); !ok || time.Since(sent) > 2*time.Second {
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
