// Package voice is the AI co-coach as a participant of a call: it joins
// the room as the AI's seat and the SFU as a member of its own (in the
// process, through the same bridge as the media tunnel: no sockets, no
// SRTP), hears each person's microphone (Opus decoded in pure Go), finds
// their turns (voice activity with end-of-turn detection), transcribes
// them, and, when the floor is its own, answers: the model's stream is cut
// into sentences, each spoken (text-to-speech) and sent as Opus on its
// own microphone as soon as it is ready. A person who starts talking while
// it speaks stops it at once (barge-in).
package voice

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"rapport/internal/coaching"
	"rapport/internal/room"
	"rapport/internal/sfu"
	"rapport/internal/speech"
)

// Host brings the AI into calls: it implements room.VoiceHost.
type Host struct {
	Rooms *room.Manager
	SFU   *sfu.SFU
	Mind  room.Assistant     // the model (ai.CoCoach)
	Ears  speech.Transcriber // nil: it hears nobody
	Mouth speech.Synthesizer // nil: it cannot speak
	Log   *slog.Logger
	// Options tune the agents; zero is the defaults.
	Options Options

	mu     sync.Mutex
	agents map[string]*Agent // by room ID
}

// Options tune an agent.
type Options struct {
	// Turns tunes end-of-turn detection (speech.TurnOptions).
	Turns speech.TurnOptions
	// Bitrate is the Opus bitrate of the AI's voice (default 24 kbit/s).
	Bitrate int
	// Observe, when set, is told how quickly each answer began (metrics,
	// benchmarks). It must not block.
	Observe func(Timing)
}

// Timing is how quickly the AI began an answer to a person's turn.
type Timing struct {
	User int64
	// TurnAt is when the turn's end was detected, on the speaker's stream
	// (time since the AI began hearing them), and TurnEnded on the clock.
	TurnAt    time.Duration
	TurnEnded time.Time
	// FirstAudio is when the answer's first frame went to the SFU.
	FirstAudio time.Time
}

// Summon implements room.VoiceHost: the AI joins the appointment's room,
// unless it is there already.
func (h *Host) Summon(appt *coaching.Appointment) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.agents == nil {
		h.agents = map[string]*Agent{}
	}
	if h.agents[appt.RoomID] != nil {
		return
	}
	a := newAgent(h, appt)
	h.agents[appt.RoomID] = a
	go func() {
		a.run(context.Background())
		h.mu.Lock()
		if h.agents[appt.RoomID] == a {
			delete(h.agents, appt.RoomID)
		}
		h.mu.Unlock()
	}()
}

// Agent is the AI in one room, while it is there (for tests).
func (h *Host) Agent(roomID string) *Agent {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.agents[roomID]
}

// Close sends every agent out.
func (h *Host) Close() {
	h.mu.Lock()
	agents := make([]*Agent, 0, len(h.agents))
	for _, a := range h.agents {
		agents = append(agents, a)
	}
	h.mu.Unlock()
	for _, a := range agents {
		a.Stop()
	}
}
