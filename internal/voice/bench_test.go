package voice_test

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"rapport/internal/protocol"
	"rapport/internal/room"
	"rapport/internal/sfu"
	"rapport/internal/speech"
	"rapport/internal/tunnel"
	"rapport/internal/voice"
)

// Instant stand-ins, so that only the pipeline's own time is measured.
type instantEars struct{}

func (instantEars) Transcribe(context.Context, speech.PCM) (string, error) {
	return "assistant what should i focus on this week", nil
}

type instantMouth struct{}

func (instantMouth) Synthesize(context.Context, string) (speech.PCM, error) {
	return tone(150*time.Millisecond, 0.3), nil
}

type instantMind struct{}

func (instantMind) Answer(_ context.Context, _ room.Question, delta func(string)) (string, error) {
	delta("Tell me more. ")
	return "Tell me more.", nil
}

// tone is a voiced-like sound: 220 Hz with harmonics, at 48 kHz.
func tone(d time.Duration, amp float64) speech.PCM {
	n := int(d * 48000 / time.Second)
	p := speech.PCM{Rate: 48000, Samples: make([]int16, n)}
	for i := range p.Samples {
		x := 0.0
		for h := 1; h <= 4; h++ {
			x += math.Sin(2*math.Pi*220*float64(h)*float64(i)/48000) / float64(h)
		}
		p.Samples[i] = int16(amp * 16000 * x)
	}
	return p
}

// BenchmarkAnswerLatency measures the AI's own time, with instant stand-ins
// for the speech engines and the model: from the end of a person's speech
// to the first frame of the AI's answer sent to the SFU. The person's
// microphone is fed into the SFU in process, faster than real time (the
// turn detector counts samples, not the clock). It reports eot_ms, when
// the end of the turn was detected after the speech stopped (on the
// stream), and overhead_ms_p50/p99, the wall time from that detection to
// the first frame out (through transcription, the room's floor, the model,
// sentence cutting, speech, Opus and the SFU).
func BenchmarkAnswerLatency(b *testing.B) {
	timings := make(chan voice.Timing, 1)
	host := &voice.Host{Mind: instantMind{}, Ears: instantEars{}, Mouth: instantMouth{},
		Options: voice.Options{Observe: func(t voice.Timing) {
			select {
			case timings <- t:
			default:
			}
		}}}
	c := newRoom(b, host)
	c.coach.FloorEvent("i", room.FloorEvent{Kind: room.Invite})
	c.client.FloorEvent("c", room.FloorEvent{Kind: room.Agree})
	coach := c.conns["coach"]
	coach.wait(b, "participant.joined", 5*time.Second, func(f *protocol.Frame) bool { return f.Data.(protocol.Participant).UserID == 0 })
	mic := c.sfu.ConnectTunnel(c.appt.RoomID, c.appt.CoachID, sfu.TunnelConn{Out: tunnel.NewOutbox(1, 1), Changed: func([]sfu.TunnelTrack) {}, Keyframe: func(string) {}},
		func(string, any) {})
	b.Cleanup(mic.Close)
	enc, err := speech.NewEncoder(32000)
	if err != nil {
		b.Fatal(err)
	}
	speechFrames, silence := frames(b, enc, tone(600*time.Millisecond, 0.5)), frames(b, enc, speech.PCM{Rate: 48000, Samples: make([]int16, 48000*6/10)})
	var ts uint32
	send := func(fs [][]byte) {
		for _, f := range fs {
			fr := tunnel.Frame{Kind: tunnel.Audio, Track: tunnel.PurposeCode("mic"), Level: 30, Timestamp: ts, Data: f}
			ts += 960
			if err := mic.Publish(&fr); err != nil {
				b.Error(err)
				return
			}
			time.Sleep(2 * time.Millisecond) // ten times real time
		}
	}
	send(silence) // the AI subscribes and learns the room's quiet
	var overhead []time.Duration
	b.ResetTimer()
	for range b.N {
		send(speechFrames)
		quiet := make(chan struct{})
		go func() { send(silence); close(quiet) }()
		select {
		case t := <-timings:
			overhead = append(overhead, t.FirstAudio.Sub(t.TurnEnded))
		case <-time.After(10 * time.Second):
			b.Fatal("the AI did not answer")
		}
		coach.wait(b, "ai.floor", 5*time.Second, func(f *protocol.Frame) bool { return !f.Data.(protocol.FloorState).Speaking })
		<-quiet // the silence is sent: the next speech follows it
	}
	b.StopTimer()
	slices.Sort(overhead)
	b.ReportMetric(float64(overhead[len(overhead)/2].Microseconds())/1000, "overhead_ms_p50")
	b.ReportMetric(float64(overhead[len(overhead)*99/100].Microseconds())/1000, "overhead_ms_p99")
	b.ReportMetric(float64(endOfTurn(b, append(append([][]byte{}, silence...), append(speechFrames, silence...)...), len(silence)+len(speechFrames)).Microseconds())/1000, "eot_ms")
}

// endOfTurn is how long after the speech stopped (after frame end) the
// AI's turn detector, with its default options, ends the turn, on the
// same frames as they decode.
func endOfTurn(b *testing.B, packets [][]byte, end int) time.Duration {
	dec, err := speech.NewDecoder()
	if err != nil {
		b.Fatal(err)
	}
	var at48 []int16
	for _, p := range packets {
		s, err := dec.Decode(p)
		if err != nil {
			b.Fatal(err)
		}
		at48 = append(at48, s...)
	}
	pcm := speech.PCM{Rate: 48000, Samples: at48}.Resample(speech.VADRate)
	turns := speech.NewTurns(speech.TurnOptions{})
	for _, f := range pcm.Frames(speech.VADFrame) {
		if ev := turns.Push(f); ev.Kind == speech.TurnEnded {
			return ev.At - time.Duration(end)*20*time.Millisecond
		}
	}
	b.Fatal("the turn detector never ended the turn")
	return 0
}

// frames encodes 48 kHz audio into 20 ms Opus frames.
func frames(b *testing.B, enc *speech.Encoder, p speech.PCM) [][]byte {
	out, err := enc.EncodePCM(p)
	if err != nil {
		b.Fatal(err)
	}
	return out
}
