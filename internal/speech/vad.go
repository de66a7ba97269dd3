package speech

import "time"

// The voice activity detector's input: 16 kHz mono in 20 ms frames, the
// rate speech-to-text engines want.
const (
	VADRate  = 16000
	VADFrame = VADRate / 50 // samples in 20 ms
)

// TurnOptions tune a Turns; zero fields take the defaults in brackets.
type TurnOptions struct {
	// Silence is how long the speaker must be quiet for their turn to end
	// [240 ms]: shorter cuts people off between words, longer makes the
	// AI slow to answer.
	Silence time.Duration
	// MinSpeech is how much voice starts a turn [80 ms], so that clicks
	// and knocks do not.
	MinSpeech time.Duration
	// PreRoll is how much audio from before the start the utterance keeps
	// [200 ms], for the soft first sound that the detector missed.
	PreRoll time.Duration
	// MaxTurn ends a turn that goes on this long [30 s], so that a stuck
	// stream still yields utterances of bounded size.
	MaxTurn time.Duration
	// OnDB is how far above the noise floor a frame must be to start
	// speech [12 dB]; OffDB how far to count as voice once it has
	// started [6 dB]. The gap between them keeps a turn from flickering.
	OnDB, OffDB float64
	// Quiet is the lowest noise floor assumed, in dBFS [-60]: in digital
	// silence, a frame must still reach Quiet+OnDB to be voice.
	Quiet float64
}

// withDefaults fills the zero fields.
func (o TurnOptions) withDefaults() TurnOptions {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Silence, 240*time.Millisecond)
	def(&o.MinSpeech, 80*time.Millisecond)
	def(&o.PreRoll, 200*time.Millisecond)
	def(&o.MaxTurn, 30*time.Second)
	if o.OnDB <= 0 {
		o.OnDB = 12
	}
	if o.OffDB <= 0 {
		o.OffDB = 6
	}
	if o.Quiet == 0 {
		o.Quiet = -60
	}
	return o
}

// EventKind says what a frame changed in the speaker's turn.
type EventKind int

// What Push reports.
const (
	NoEvent       EventKind = iota
	SpeechStarted           // the speaker started talking: a cue to stop talking over them
	TurnEnded               // the speaker has finished: Event.Utterance is what they said
)

// String names the kind for logs and test failures.
func (k EventKind) String() string {
	switch k {
	case SpeechStarted:
		return "speech started"
	case TurnEnded:
		return "turn ended"
	}
	return "no event"
}

// Event is what one frame changed.
type Event struct {
	Kind EventKind
	// At is the stream's time at the end of the frame that caused the
	// event, counted from the first frame pushed.
	At time.Duration
	// Utterance is the turn's audio at VADRate, from PreRoll before the
	// start to the end of the silence that ended it (TurnEnded only).
	Utterance PCM
}

// Turns cuts one speaker's audio into turns: it reports when they start
// talking and, once they have been silent for a while, what they said.
// It compares each frame's level with an adaptive noise floor, so steady
// background noise never starts a turn. It is not safe for concurrent use:
// each speaker's stream gets its own.
type Turns struct {
	opts                        TurnOptions
	silence, minSpeech, maxTurn int // in samples
	floor                       noiseFloor
	pre                         ring
	speaking                    bool
	voiced, silent              int // samples of voice before the start, of silence since the last voice
	utterance                   []int16
	samples                     int64 // pushed so far
}

// NewTurns makes a detector for one speaker's stream.
func NewTurns(opts TurnOptions) *Turns {
	o := opts.withDefaults()
	n := func(d time.Duration) int { return int(d * VADRate / time.Second) }
	return &Turns{
		opts: o, silence: n(o.Silence), minSpeech: n(o.MinSpeech), maxTurn: n(o.MaxTurn),
		pre: newRing(n(o.PreRoll) + n(o.MinSpeech) + VADFrame),
	}
}

// Push takes the stream's next frame, 20 ms (VADFrame samples) of 16 kHz
// mono, and says what it changed. Other frame lengths work, but timing
// is only as fine as the frames. Push copies what it keeps, so the caller
// may reuse frame's memory.
func (t *Turns) Push(frame []int16) Event {
	if len(frame) == 0 {
		return Event{}
	}
	t.samples += int64(len(frame))
	level := Level(frame)
	base := max(t.floor.level(), t.opts.Quiet)
	t.floor.add(level, len(frame))
	var kind EventKind
	if t.speaking {
		kind = t.continueTurn(frame, level >= base+t.opts.OffDB)
	} else {
		kind = t.awaitSpeech(frame, level >= base+t.opts.OnDB)
	}
	ev := Event{Kind: kind, At: time.Duration(t.samples) * time.Second / VADRate}
	if kind == TurnEnded {
		ev.Utterance = PCM{Rate: VADRate, Samples: t.utterance}
		t.utterance = nil
	}
	return ev
}

// awaitSpeech keeps the pre-roll and starts a turn after MinSpeech of
// voice in a row.
func (t *Turns) awaitSpeech(frame []int16, voice bool) EventKind {
	t.pre.write(frame)
	if !voice {
		t.voiced = 0
		return NoEvent
	}
	t.voiced += len(frame)
	if t.voiced < t.minSpeech {
		return NoEvent
	}
	t.speaking, t.voiced, t.silent = true, 0, 0
	t.utterance = t.pre.drain(make([]int16, 0, 4*VADRate))
	return SpeechStarted
}

// continueTurn records the turn and ends it after Silence without voice,
// or at MaxTurn.
func (t *Turns) continueTurn(frame []int16, voice bool) EventKind {
	t.utterance = append(t.utterance, frame...)
	if voice {
		t.silent = 0
	} else {
		t.silent += len(frame)
	}
	if t.silent < t.silence && len(t.utterance) < t.maxTurn {
		return NoEvent
	}
	t.speaking = false
	return TurnEnded
}
