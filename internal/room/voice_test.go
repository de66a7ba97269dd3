package room_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"rapport/internal/coaching"
	"rapport/internal/protocol"
	"rapport/internal/room"
)

type fakeVoice struct{ summoned atomic.Int32 }

func (v *fakeVoice) Summon(*coaching.Appointment) { v.summoned.Add(1) }

// TestTheFloorInTheRoom: the coach brings the AI in (it is summoned, and
// both see it), the client agrees, the coach hands it the floor, and the
// client talking over it takes the floor back; captions reach both with the
// speaker's name; nobody may do what is not theirs to do.
func TestTheFloorInTheRoom(t *testing.T) {
	f := newFixture(t)
	v := &fakeVoice{}
	f.m.Voice = v
	coachConn, coach, joined := f.join(t, f.coach, protocol.JoinRequest{})
	if fl := joined["floor"].(map[string]any); fl["present"] != false || fl["available"] != true {
		t.Fatalf("joined says of the floor %v", fl)
	}
	clientConn, client, _ := f.join(t, f.client, protocol.JoinRequest{})
	floorOf := func(c *fakeConn) map[string]any { return c.wait(t, "ai.floor")["data"].(map[string]any) }

	client.FloorEvent("x", room.FloorEvent{Kind: room.Invite})
	if e := clientConn.wait(t, "error"); e["id"] != "x" {
		t.Fatalf("the client brought the AI in: %v", e)
	}
	coach.FloorEvent("i", room.FloorEvent{Kind: room.Invite})
	for _, c := range []*fakeConn{coachConn, clientConn} {
		if fl := floorOf(c); fl["present"] != true || fl["mode"] != "on_request" || fl["consent"] != false {
			t.Fatalf("after the invite: %v", fl)
		}
	}
	if n := v.summoned.Load(); n != 1 {
		t.Fatalf("the AI was summoned %d times", n)
	}
	client.FloorEvent("c", room.FloorEvent{Kind: room.Agree})
	if fl := floorOf(coachConn); fl["consent"] != true {
		t.Fatalf("after the client agreed: %v", fl)
	}
	aiConn, ai, _ := f.join(t, room.AIUser(), protocol.JoinRequest{})
	coach.FloorEvent("h", room.FloorEvent{Kind: room.HandOver})
	if fl := floorOf(aiConn); fl["speaking"] != true || fl["handed"] != true {
		t.Fatalf("after the hand-over: %v", fl)
	}
	client.FloorEvent("s", room.FloorEvent{Kind: room.SpeechStart, Who: f.client.ID})
	if e := clientConn.wait(t, "error"); e["id"] != "s" {
		t.Fatalf("a person reported what the AI hears: %v", e)
	}
	ai.FloorEvent("", room.FloorEvent{Kind: room.SpeechStart, Who: f.client.ID})
	if fl := floorOf(aiConn); fl["speaking"] != false {
		t.Fatalf("after the client talked over the AI: %v", fl)
	}
	ai.Caption(protocol.Caption{UserID: f.client.ID, Text: "sorry, go on", Final: true})
	for _, c := range []*fakeConn{coachConn, clientConn} {
		if cp := c.wait(t, "caption")["data"].(map[string]any); cp["text"] != "sorry, go on" || cp["name"] != "Cleo" {
			t.Fatalf("caption %v", cp)
		}
	}
	client.FloorEvent("d", room.FloorEvent{Kind: room.Dismiss})
	untilFloor(t, coachConn, func(fl map[string]any) bool { return fl["present"] == false }) // the AI is out

}

// untilFloor reads a connection's ai.floor frames until one satisfies ok.
func untilFloor(t *testing.T, c *fakeConn, ok func(map[string]any) bool) {
	t.Helper()
	for !ok(c.wait(t, "ai.floor")["data"].(map[string]any)) {
	}
}

type fakeSummarizer struct{ ended chan int64 }

func (f *fakeSummarizer) CallEnded(_ *coaching.Appointment, sessionID int64) { f.ended <- sessionID }

// TestTheTranscriptIsKeptUnlessTheCoachSaysNo: the AI's final captions are
// kept as transcript lines; the coach (only) turns the transcript off,
// which deletes what was kept and keeps nothing more; when the call ends
// the summary's writer hears of it.
func TestTheTranscriptIsKeptUnlessTheCoachSaysNo(t *testing.T) {
	f := newFixture(t)
	f.m.Voice = &fakeVoice{}
	f.m.Transcripts = f.db
	after := &fakeSummarizer{ended: make(chan int64, 1)}
	f.m.Summarizer = after
	coachConn, coach, joined := f.join(t, f.coach, protocol.JoinRequest{})
	session := sessionOf(t, joined)
	clientConn, client, _ := f.join(t, f.client, protocol.JoinRequest{})
	coach.FloorEvent("i", room.FloorEvent{Kind: room.Invite})
	if fl := coachConn.wait(t, "ai.floor")["data"].(map[string]any); fl["transcript"] != true {
		t.Fatalf("the transcript is not kept by default: %v", fl)
	}
	aiConn, ai, _ := f.join(t, room.AIUser(), protocol.JoinRequest{})
	ai.Caption(protocol.Caption{UserID: f.coach.ID, Text: "how was the week", Final: true})
	ai.Caption(protocol.Caption{UserID: f.coach.ID, Text: "how was the", Final: false})
	ai.Caption(protocol.Caption{UserID: 0, Text: "Tell me more.", Final: true})
	aiConn.wait(t, "caption")
	aiConn.wait(t, "caption")
	aiConn.wait(t, "caption")
	lines, _ := f.db.TranscriptLines(context.Background(), session, 0, 10)
	if len(lines) != 2 || lines[0].Body != "how was the week" || lines[1].SpeakerID != 0 {
		t.Fatalf("kept %+v", lines)
	}
	client.Transcript("x", false)
	if e := clientConn.wait(t, "error"); e["id"] != "x" {
		t.Fatalf("the client turned the transcript off: %v", e)
	}
	coach.Transcript("off", false)
	untilFloor(t, clientConn, func(fl map[string]any) bool { return fl["transcript"] == false })
	ai.Caption(protocol.Caption{UserID: f.coach.ID, Text: "this stays between us", Final: true})
	aiConn.wait(t, "caption")
	if lines, _ := f.db.TranscriptLines(context.Background(), session, 0, 10); len(lines) != 0 {
		t.Fatalf("%d lines kept with the transcript off", len(lines))
	}
	coach.Leave(room.ReasonLeft)
	client.Leave(room.ReasonLeft)
	f.passGrace(t)
	select {
	case id := <-after.ended:
		if id != session {
			t.Fatalf("the end of session %d was told, want %d", id, session)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("nobody heard that the call ended")
	}
}
