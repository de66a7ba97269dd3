package voice

import (
	"time"

	"rapport/internal/protocol"
	"rapport/internal/room"
	"rapport/internal/speech"
	"rapport/internal/tunnel"
)

// listener is one person's microphone as the AI hears it.
type listener struct {
	user  int64
	dec   *speech.Decoder
	turns *speech.Turns
	work  chan speech.PCM // utterances to transcribe, in order
	pcm   []int16         // 16 kHz scratch
}

// hear takes the frames the SFU sends the AI until it leaves: each
// person's microphone goes to their listener.
func (a *Agent) hear(out *tunnel.Outbox) {
	listeners := map[int64]*listener{}
	defer func() {
		for _, l := range listeners {
			close(l.work)
		}
	}()
	for {
		f, ok := out.Pop(a.ctx)
		if !ok {
			return
		}
		if f.Kind != tunnel.Audio {
			continue
		}
		a.mu.Lock()
		t, known := a.tracks[f.Track]
		hears := a.floor.Hears(a.roleOf(t.UserID))
		a.mu.Unlock()
		if !known || t.Purpose != "mic" || t.UserID == 0 {
			continue
		}
		l := listeners[t.UserID]
		if !hears {
			if l != nil { // consent withdrawn: forget what was heard
				close(l.work)
				delete(listeners, t.UserID)
			}
			continue
		}
		if l == nil {
			var err error
			if l, err = a.newListener(t.UserID); err != nil {
				a.log.Warn("the AI cannot decode audio", "err", err)
				return
			}
			listeners[t.UserID] = l
		}
		a.heardFrame(l, f.Data)
	}
}

func (a *Agent) newListener(user int64) (*listener, error) {
	dec, err := speech.NewDecoder()
	if err != nil {
		return nil, err
	}
	l := &listener{user: user, dec: dec, turns: speech.NewTurns(a.h.Options.Turns), work: make(chan speech.PCM, 8)}
	go a.transcribe(l)
	return l, nil
}

// heardFrame decodes one Opus frame and runs it through the person's turn
// detector.
func (a *Agent) heardFrame(l *listener, packet []byte) {
	samples, err := l.dec.Decode(packet)
	if err != nil {
		if samples, err = l.dec.Conceal(); err != nil {
			return
		}
	}
	l.pcm = decimate3(l.pcm[:0], samples)
	for len(l.pcm) >= speech.VADFrame {
		ev := l.turns.Push(l.pcm[:speech.VADFrame])
		l.pcm = append(l.pcm[:0], l.pcm[speech.VADFrame:]...)
		switch ev.Kind {
		case speech.SpeechStarted:
			a.speechStarted(l.user)
		case speech.TurnEnded:
			a.turnEnded(l.user, ev.At)
			select {
			case l.work <- ev.Utterance:
			default:
				a.log.Warn("the AI is behind transcribing; a turn was not heard", "user", l.user)
			}
		}
	}
}

// decimate3 appends 48 kHz samples to dst at 16 kHz: each output sample is
// the mean of three (a plain low-pass that keeps speech).
func decimate3(dst, src []int16) []int16 {
	for i := 0; i+2 < len(src); i += 3 {
		dst = append(dst, int16((int32(src[i])+int32(src[i+1])+int32(src[i+2]))/3))
	}
	return dst
}

// speechStarted: a person started talking. If the AI is speaking, it
// stops at once (barge-in) and the room is told.
func (a *Agent) speechStarted(user int64) {
	a.mu.Lock()
	a.talkingNow[user] = true
	speaking := a.speaking != nil && a.floor.Speaking
	a.mu.Unlock()
	if speaking {
		a.stopSpeaking()
	}
	a.seat.FloorEvent("", room.FloorEvent{Kind: room.SpeechStart, Who: user})
}

func (a *Agent) turnEnded(user int64, at time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.talkingNow, user)
	a.lastTurn, a.quietSaid = time.Now(), false
	a.lastTiming = &Timing{User: user, TurnAt: at, TurnEnded: a.lastTurn}
}

// transcribe turns a person's utterances into captions and transcript
// lines, in order, and tells the room what they said.
func (a *Agent) transcribe(l *listener) {
	for pcm := range l.work {
		if a.h.Ears == nil {
			continue
		}
		text, err := a.h.Ears.Transcribe(a.ctx, pcm)
		if err != nil {
			if a.ctx.Err() == nil {
				a.log.Warn("the AI could not transcribe a turn", "user", l.user, "err", err)
			}
			continue
		}
		if text == "" {
			continue
		}
		a.addLine(l.user, text)
		a.seat.Caption(protocol.Caption{UserID: l.user, Text: text, Final: true})
		a.seat.FloorEvent("", room.FloorEvent{Kind: room.TurnEnded, Who: l.user, Text: text})
	}
}

// watchQuiet tells the room when nobody has spoken for a while after a
// turn, once per pause (a co-facilitating AI may then speak).
func (a *Agent) watchQuiet() {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-a.ctx.Done():
			return
		case <-t.C:
		}
		a.mu.Lock()
		pause := time.Since(a.lastTurn)
		due := !a.lastTurn.IsZero() && !a.quietSaid && len(a.talkingNow) == 0 && a.speaking == nil &&
			a.floor.Mode == room.ModeCoFacilitate && pause >= room.CoFacilitatePause
		if due {
			a.quietSaid = true
		}
		a.mu.Unlock()
		if due {
			a.seat.FloorEvent("", room.FloorEvent{Kind: room.Quiet, Pause: pause})
		}
	}
}
