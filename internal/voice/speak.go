package voice

import (
	"context"
	"math"
	"sync"
	"time"

	"rapport/internal/protocol"
	"rapport/internal/room"
	"rapport/internal/speech"
	"rapport/internal/tunnel"
)

// answer is one answer being spoken; stop cuts it off.
type answer struct {
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{} // closed once nothing more of it will be sent
	once   sync.Once
}

func newAnswer(parent context.Context) *answer {
	ctx, cancel := context.WithCancel(parent)
	return &answer{ctx: ctx, cancel: cancel, done: make(chan struct{})}
}

// stop cuts the answer off: no frame of it is sent after this returns but
// the one being written.
func (s *answer) stop() { s.cancel() }

// frameEvery is an Opus frame's length: the pace the voice is sent at.
const frameEvery = 20 * time.Millisecond

// spoken is a sentence ready to be sent: its text and its Opus frames.
type spoken struct {
	text   string
	frames [][]byte
	levels []byte
}

// answer asks the model, speaks its answer a sentence at a time, and tells
// the room when it has said all (or was cut off: then the room knows
// already). Only sentences sent whole are kept as said.
func (a *Agent) answer(s *answer) {
	defer func() {
		a.mu.Lock()
		if a.speaking == s {
			a.speaking = nil
		}
		a.mu.Unlock()
		s.once.Do(func() { close(s.done) })
	}()
	sentences := make(chan string, 16)
	ready := make(chan spoken, 2) // the next sentences, spoken while one plays
	go a.think(s.ctx, sentences)
	go a.voice(s.ctx, sentences, ready)
	for sp := range ready {
		if !a.play(s.ctx, sp) {
			return // cut off: the rest is not said
		}
		a.addLine(0, sp.text)
		a.seat.Caption(protocol.Caption{UserID: 0, Text: sp.text, Final: true})
	}
	if s.ctx.Err() == nil {
		a.seat.FloorEvent("", room.FloorEvent{Kind: room.AIFinished})
	}
}

// think streams the model's answer and cuts it into sentences.
func (a *Agent) think(ctx context.Context, out chan<- string) {
	defer close(out)
	if a.h.Mind == nil {
		return
	}
	var cut sentences
	send := func(s string) bool {
		select {
		case out <- s:
			return true
		case <-ctx.Done():
			return false
		}
	}
	_, err := a.h.Mind.Answer(ctx, a.question(), func(piece string) {
		for _, s := range cut.push(piece) {
			if !send(s) {
				return
			}
		}
	})
	if err != nil {
		if ctx.Err() == nil {
			a.log.Warn("the AI could not answer aloud", "err", err)
			a.seat.AIAvailable(false, "the AI is unavailable")
		}
		return
	}
	a.seat.AIAvailable(true, "")
	if rest := cut.flush(); rest != "" {
		send(rest)
	}
}

// question is what the model is asked: the last thing said, with the
// transcript before it.
func (a *Agent) question() room.Question {
	a.mu.Lock()
	defer a.mu.Unlock()
	q := room.Question{Appointment: a.appt, Spoken: true,
		Text: "(The coach has handed you the floor: say what would help now.)", From: a.appt.CoachID}
	lines := a.lines
	if n := len(lines); n > 0 && lines[n-1].SenderID != 0 {
		q.Text, q.From = lines[n-1].Body, lines[n-1].SenderID
		lines = lines[:n-1]
	}
	q.Recent = append(q.Recent, lines...)
	return q
}

// voice speaks each sentence and encodes it, a sentence ahead of the one
// playing.
func (a *Agent) voice(ctx context.Context, in <-chan string, out chan<- spoken) {
	defer close(out)
	if a.h.Mouth == nil {
		for range in {
		}
		return
	}
	bitrate := a.h.Options.Bitrate
	if bitrate <= 0 {
		bitrate = 24000
	}
	enc, err := speech.NewEncoder(bitrate)
	if err != nil {
		a.log.Warn("the AI cannot encode its voice", "err", err)
		return
	}
	for text := range in {
		pcm, err := a.h.Mouth.Synthesize(ctx, text)
		if err != nil {
			if ctx.Err() == nil {
				a.log.Warn("the AI could not speak a sentence", "err", err)
			}
			continue
		}
		sp, err := encode(enc, text, pcm)
		if err != nil {
			a.log.Warn("the AI could not encode a sentence", "err", err)
			continue
		}
		select {
		case out <- sp:
		case <-ctx.Done():
			return
		}
	}
}

// encode makes a sentence's Opus frames, and the level of each for the
// room's active speaker.
func encode(enc *speech.Encoder, text string, pcm speech.PCM) (spoken, error) {
	at48 := pcm.Resample(48000)
	sp := spoken{text: text}
	for _, frame := range at48.Frames(960) {
		if len(frame) < 960 {
			frame = append(frame, make([]int16, 960-len(frame))...)
		}
		b, err := enc.Encode(frame)
		if err != nil {
			return sp, err
		}
		sp.frames = append(sp.frames, b)
		sp.levels = append(sp.levels, rfc6464(speech.Level(frame)))
	}
	return sp, nil
}

// rfc6464 is a level in dBFS as RFC 6464 gives it: -dBov, 0 to 127.
func rfc6464(dbfs float64) byte {
	if math.IsInf(dbfs, -1) || dbfs < -127 {
		return 127
	}
	return byte(min(127, max(0, -dbfs)))
}

// play sends a sentence's frames at the pace of speech; false when cut
// off.
func (a *Agent) play(ctx context.Context, sp spoken) bool {
	a.mu.Lock()
	peer := a.peer
	a.mu.Unlock()
	if peer == nil {
		return false // not in the SFU yet: nobody would hear it
	}
	t := time.NewTicker(frameEvery)
	defer t.Stop()
	for i, b := range sp.frames {
		if i > 0 {
			select {
			case <-ctx.Done():
				return false
			case <-t.C:
			}
		}
		if ctx.Err() != nil {
			return false
		}
		ts := uint32(time.Since(a.epoch) * 48000 / time.Second)
		f := tunnel.Frame{Kind: tunnel.Audio, Track: tunnel.PurposeCode("mic"), Level: sp.levels[i], Timestamp: ts, Data: b}
		if err := peer.Publish(&f); err != nil {
			return false
		}
		a.observeFirstAudio()
	}
	return ctx.Err() == nil
}

// observeFirstAudio reports how quickly the answer to the last turn began,
// once.
func (a *Agent) observeFirstAudio() {
	a.mu.Lock()
	t := a.lastTiming
	a.lastTiming = nil
	a.mu.Unlock()
	if t != nil && a.h.Options.Observe != nil {
		t.FirstAudio = time.Now()
		a.h.Options.Observe(*t)
	}
}
