package tunnel

import (
	"context"
	"testing"
	"time"
)

func TestAClientThatFallsBehindLosesVideoToTheNextKeyframeAndKeepsAudio(t *testing.T) {
	o := NewOutbox(30, 100)
	// Two seconds of a call while the client reads nothing: 60 video frames
	// (keyframes at 0 and 45) and 100 audio frames.
	for i := range 100 {
		o.Push(Frame{Kind: Audio, Timestamp: uint32(i)})
		if i < 60 {
			o.Push(Frame{Kind: Video, Timestamp: uint32(i), Keyframe: i == 0 || i == 45})
		}
	}
	if !o.NeedKeyframe(0) {
		t.Fatal("video was dropped and no keyframe asked for")
	}
	if o.NeedKeyframe(0) {
		t.Fatal("the keyframe was asked for twice")
	}
	var video []uint32
	audio := 0
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	o.Close()
	for {
		f, ok := o.Pop(ctx)
		if !ok {
			break
		}
		if f.Kind == Audio {
			audio++
		} else {
			video = append(video, f.Timestamp)
		}
	}
	if audio != 100 {
		t.Fatalf("%d of 100 audio frames delivered: audio must not go while video can", audio)
	}
	// Frames 0-29 filled the queue; 30 overflowed it: all video dropped,
	// then nothing until the keyframe at 45, then 45-59.
	if len(video) != 15 || video[0] != 45 || video[14] != 59 {
		t.Fatalf("video delivered: %v", video)
	}
	if o.Dropped() != 45 {
		t.Fatalf("%d frames dropped, want 45", o.Dropped())
	}
}

func TestAudioAloneStaysBounded(t *testing.T) {
	o := NewOutbox(10, 50)
	for i := range 500 {
		o.Push(Frame{Kind: Audio, Timestamp: uint32(i)})
	}
	f, ok := o.Pop(context.Background())
	if !ok || f.Timestamp != 450 {
		t.Fatalf("the oldest kept audio frame is %d, want 450: the oldest go first", f.Timestamp)
	}
	if o.Dropped() != 450 {
		t.Fatalf("%d dropped", o.Dropped())
	}
}

func TestPopWaitsForAFrame(t *testing.T) {
	o := NewOutbox(10, 10)
	go func() {
		time.Sleep(20 * time.Millisecond)
		o.Push(Frame{Kind: Video, Keyframe: true, Data: []byte{0}})
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if f, ok := o.Pop(ctx); !ok || !f.Keyframe {
		t.Fatalf("pop: %+v %v", f, ok)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	if _, ok := o.Pop(ctx2); ok {
		t.Fatal("pop of an empty outbox returned a frame")
	}
}

// TestSkippingIsPerTrack: two cameras share one outbox; when it overflows,
// each camera skips to its own next keyframe (a keyframe of the other does
// not end the skip), and a keyframe is asked of each.
func TestSkippingIsPerTrack(t *testing.T) {
	o := NewOutbox(4, 10)
	for i := range 2 {
		o.Push(Frame{Kind: Video, Track: 1, Keyframe: i == 0})
		o.Push(Frame{Kind: Video, Track: 2, Keyframe: i == 0})
	}
	o.Push(Frame{Kind: Video, Track: 1}) // overflows: all four dropped
	if !o.NeedKeyframe(1) || !o.NeedKeyframe(2) {
		t.Fatal("a keyframe must be asked of both tracks")
	}
	o.Push(Frame{Kind: Video, Track: 2, Keyframe: true, Timestamp: 10})
	o.Push(Frame{Kind: Video, Track: 1, Timestamp: 11}) // still skipping
	o.Push(Frame{Kind: Video, Track: 2, Timestamp: 12})
	o.Push(Frame{Kind: Video, Track: 1, Keyframe: true, Timestamp: 13})
	o.Close()
	var got []uint32
	for {
		f, ok := o.Pop(context.Background())
		if !ok {
			break
		}
		got = append(got, f.Timestamp)
	}
	if len(got) != 3 || got[0] != 10 || got[1] != 12 || got[2] != 13 {
		t.Fatalf("delivered %v, want [10 12 13]", got)
	}
}

func TestControlMessagesGoFirstAndAreNeverDroppedForFrames(t *testing.T) {
	o := NewOutbox(2, 2)
	o.Push(Frame{Kind: Video, Keyframe: true, Track: 1, Timestamp: 1})
	o.PushText([]byte(`{"type":"tracks"}`))
	for i := range 10 {
		o.Push(Frame{Kind: Audio, Timestamp: uint32(i)})
	}
	f, ok := o.Pop(context.Background())
	if !ok || f.Kind != Text || string(f.Data) != `{"type":"tracks"}` {
		t.Fatalf("first out: %+v", f)
	}
	f, _ = o.Pop(context.Background())
	if f.Kind != Video || f.Timestamp != 1 {
		t.Fatalf("then the video frame queued before it, got %+v", f)
	}
}
