package multinode

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"rapport/internal/mediaclient"
	"rapport/internal/practicetest"
	"rapport/internal/roomclient"
)

// caller is a pion peer in a room's call through one node.
type caller struct {
	c       *mediaclient.Client
	streams chan string // the streams of the tracks received, once each with a fresh packet
}

// call joins the room's call through base as the person header signs in,
// publishing a synthetic camera and microphone.
func call(t *testing.T, ctx context.Context, base, roomID string, header http.Header) *caller {
	t.Helper()
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	c, err := mediaclient.Dial(dctx, mediaclient.Options{Loopback: true,
		Room: roomclient.Options{BaseURL: base, RoomID: roomID, Header: header, NoReconnect: true}})
	if err != nil {
		t.Fatalf("join the call through %s: %v", base, err)
	}
	t.Cleanup(c.Close)
	cl := &caller{c: c, streams: make(chan string, 8)}
	c.PC.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		p, _, err := tr.ReadRTP()
		if err != nil {
			return
		}
		if sent, ok := mediaclient.SentAt(p.Payload); ok && time.Since(sent) < 5*time.Second {
			cl.streams <- tr.StreamID()
		}
		for { // keep reading, or the track's buffer fills
			if _, _, err := tr.ReadRTP(); err != nil {
				return
			}
		}
	})
	video, audio, err := c.Tracks()
	if err != nil {
		t.Fatal(err)
	}
	go mediaclient.Send(ctx, video, audio, 300)
	if err := c.Connect(dctx); err != nil {
		t.Fatal(err)
	}
	return cl
}

// receives waits for the camera and microphone of the person userID.
func (cl *caller) receives(t *testing.T, who string, userID int64) {
	t.Helper()
	want := map[string]bool{fmt.Sprintf("%d-camera", userID): false, fmt.Sprintf("%d-mic", userID): false}
	deadline := time.After(20 * time.Second)
	for n := 0; n < len(want); {
		select {
		case s := <-cl.streams:
			if seen, ok := want[s]; ok && !seen {
				want[s] = true
				n++
			}
		case <-deadline:
			t.Fatalf("%s received %v within 20 s; want the other's camera and microphone", who, want)
		}
	}
}

// TestACallBetweenNodes: pion peers that reach the room through two
// different nodes are in one call on the owner's SFU: each receives the
// other's camera and microphone.
func TestACallBetweenNodes(t *testing.T) {
	t.Parallel()
	p := newPractice(t, true)
	a, b, c := p.startReady("a"), p.startReady("b"), p.startReady("c")
	room := practicetest.BookRoom(t, a.URL, "coach@example.com", "client@example.com")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	coach := call(t, ctx, b.URL, room.RoomID, room.Coach)
	client := call(t, ctx, c.URL, room.RoomID, room.Client)
	coach.receives(t, "the coach, through b,", room.ClientID)
	client.receives(t, "the client, through c,", room.CoachID)
}
