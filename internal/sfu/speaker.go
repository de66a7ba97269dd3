package sfu

import (
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"
)

// Active speaker detection, from the audio level every browser writes into
// each Opus packet's header (RFC 6464: 0 is the loudest, 127 silence, in
// -dBov). Each microphone's forwarder counts its loud packets; every
// speakerTick the room picks the microphone with the most, and tells every
// peer ("speaker") when that changes.
const (
	speakerTick    = 300 * time.Millisecond
	loudLevel      = 50  // -50 dBov and louder is speech, not room noise
	speakingShare  = 0.3 // of a tick's packets loud: the person is speaking
	silenceToClear = 5   // ticks without speech before nobody is the speaker
)

// Speaker is the data of a "speaker" frame: who speaks now (0: nobody).
type Speaker struct {
	UserID int64 `json:"user_id"`
}

// voice counts a microphone's packets and loud packets since the last tick.
type voice struct {
	ext     uint8 // the audio level extension's ID with the publisher; 0: none
	packets atomic.Int64
	loud    atomic.Int64
	level   atomic.Int64 // the sum of levels, for the loudest of equals
}

// voiceOf finds the audio level extension negotiated with the publisher.
func voiceOf(receiver *webrtc.RTPReceiver) *voice {
	for _, e := range receiver.GetParameters().HeaderExtensions {
		if e.URI == AudioLevelURI {
			return &voice{ext: uint8(e.ID)}
		}
	}
	return &voice{}
}

// note takes one packet's level byte.
func (v *voice) note(b byte) {
	level := int64(b & 0x7f)
	v.packets.Add(1)
	v.level.Add(level)
	if level <= loudLevel {
		v.loud.Add(1)
	}
}

// take returns the tick's share of loud packets and their mean level, and
// starts the next tick.
func (v *voice) take() (share float64, mean float64) {
	n := v.packets.Swap(0)
	loud := v.loud.Swap(0)
	sum := v.level.Swap(0)
	if n == 0 {
		return 0, 127
	}
	return float64(loud) / float64(n), float64(sum) / float64(n)
}

// detector is a room's choice of speaker between ticks.
type detector struct {
	current int64
	quiet   int
}

// pick returns the speaker after a tick, and whether it changed: the
// microphone with the largest share of loud packets (the lower mean level
// between equals), if it speaks; nobody after a stretch of silence.
func (d *detector) pick(mics []*forwarder) (int64, bool) {
	best, bestShare, bestMean := int64(0), 0.0, 128.0
	for _, f := range mics {
		share, mean := f.voice.take()
		if share >= speakingShare && (share > bestShare || (share == bestShare && mean < bestMean)) {
			best, bestShare, bestMean = f.pub.user, share, mean
		}
	}
	if best == 0 {
		d.quiet++
		if d.current == 0 || d.quiet < silenceToClear {
			return d.current, false
		}
	} else {
		d.quiet = 0
	}
	if best == d.current {
		return best, false
	}
	d.current = best
	return best, true
}
