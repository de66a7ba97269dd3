package room

import (
	"time"

	"rapport/internal/protocol"
)

// Floor control: who may speak in a call with the AI co-coach. The coach
// brings the AI in and picks its mode; the client must agree before the AI
// hears them; the AI speaks only when its mode and the floor allow; a
// person who starts talking while it speaks takes the floor back
// (barge-in). Floor is a value: Apply gives the next one and what must
// happen, so that every rule is a row of a table test.

// AIMode is how forward the AI is in a call.
type AIMode string

// The AI's modes.
const (
	// ModeListen: it only transcribes and takes notes.
	ModeListen AIMode = "listen"
	// ModeOnRequest: it speaks when the coach hands it the floor, or when
	// someone addresses it by name.
	ModeOnRequest AIMode = "on_request"
	// ModeCoFacilitate: as on request, and it may also speak after a pause.
	ModeCoFacilitate AIMode = "co_facilitate"
)

// Valid reports whether m is a mode.
func (m AIMode) Valid() bool {
	return m == ModeListen || m == ModeOnRequest || m == ModeCoFacilitate
}

// CoFacilitatePause is the silence after a person's turn after which a
// co-facilitating AI may speak.
const CoFacilitatePause = 3 * time.Second

// Floor is the AI's place in a call.
type Floor struct {
	Present  bool   `json:"present"`  // the coach brought the AI into the call
	Mode     AIMode `json:"mode"`     // how forward it is
	Consent  bool   `json:"consent"`  // the client agreed to be heard by it
	Speaking bool   `json:"speaking"` // it holds the floor and is answering
	Handed   bool   `json:"handed"`   // the coach handed it the floor: it answers next
}

// FloorOf is the floor a protocol frame told of (the AI's seat reads it).
func FloorOf(p protocol.Floor) Floor {
	return Floor{Present: p.Present, Mode: AIMode(p.Mode), Consent: p.Consent, Speaking: p.Speaking, Handed: p.Handed}
}

// Wire is the floor as the protocol carries it.
func (f Floor) Wire() protocol.Floor {
	return protocol.Floor{Present: f.Present, Mode: string(f.Mode), Consent: f.Consent, Speaking: f.Speaking, Handed: f.Handed}
}

// FloorEvent is what happens in the call.
type FloorEvent struct {
	Kind FloorEventKind
	By   Role // who did it: the coach, the client, or the AI
	// Who is the person the AI's seat reports on (SpeechStart, TurnEnded):
	// the room turns it into By.
	Who  int64
	Mode AIMode // for SetMode
	// Text is a finished turn's words (TurnEnded); Pause how long the room
	// has been quiet since (Quiet).
	Text  string
	Pause time.Duration
}

// Role is a participant's part in a call.
type Role string

// The roles in a call.
const (
	RoleCoach  Role = "coach"
	RoleClient Role = "client"
	RoleAI     Role = "ai"
)

// FloorEventKind names an event.
type FloorEventKind string

// What can happen.
const (
	Invite      FloorEventKind = "invite"      // the coach brings the AI in
	Dismiss     FloorEventKind = "dismiss"     // either person sends it out
	Agree       FloorEventKind = "agree"       // the client agrees to be heard
	Refuse      FloorEventKind = "refuse"      // the client does not (or no longer)
	SetMode     FloorEventKind = "set_mode"    // the coach picks a mode
	HandOver    FloorEventKind = "hand_over"   // the coach hands the AI the floor
	TakeBack    FloorEventKind = "take_back"   // the coach takes it back
	SpeechStart FloorEventKind = "speech"      // a person starts talking
	TurnEnded   FloorEventKind = "turn_ended"  // a person finished a turn (Text)
	Quiet       FloorEventKind = "quiet"       // nobody has spoken for Pause
	AIFinished  FloorEventKind = "ai_finished" // the AI said all it had to say
)

// FloorEffect is what the AI must do after an event.
type FloorEffect string

// The effects.
const (
	Answer     FloorEffect = "answer"      // take the floor and answer
	StopTalk   FloorEffect = "stop"        // stop speaking at once (barge-in, taken back, sent out)
	AskConsent FloorEffect = "ask_consent" // ask the client whether the AI may hear them
	Changed    FloorEffect = "changed"     // tell the room the floor's new state
)

// AIAddressNames are the words that address the AI in speech.
var AIAddressNames = []string{"ai", "assistant", "co-coach", "cocoach"}

// Apply returns the floor after ev and what the AI must do. Events not
// allowed to their author change nothing.
func (f Floor) Apply(ev FloorEvent) (Floor, []FloorEffect) {
	before := f
	var effects []FloorEffect
	switch ev.Kind {
	case Invite:
		if ev.By != RoleCoach || f.Present {
			return f, nil
		}
		f = Floor{Present: true, Mode: ModeOnRequest}
		effects = append(effects, AskConsent)
	case Dismiss:
		if ev.By == RoleAI || !f.Present {
			return f, nil
		}
		if f.Speaking {
			effects = append(effects, StopTalk)
		}
		f = Floor{}
	case Agree, Refuse:
		if ev.By != RoleClient || !f.Present {
			return f, nil
		}
		f.Consent = ev.Kind == Agree
	case SetMode:
		if ev.By != RoleCoach || !f.Present || !ev.Mode.Valid() {
			return f, nil
		}
		f.Mode = ev.Mode
		if f.Mode == ModeListen && f.Speaking {
			f.Speaking, f.Handed = false, false
			effects = append(effects, StopTalk)
		}
	case HandOver:
		if ev.By != RoleCoach || !f.Present || f.Mode == ModeListen || f.Speaking {
			return f, nil
		}
		f.Handed, f.Speaking = true, true
		effects = append(effects, Answer)
	case TakeBack:
		if ev.By != RoleCoach || !(f.Speaking || f.Handed) {
			return f, nil
		}
		if f.Speaking {
			effects = append(effects, StopTalk)
		}
		f.Speaking, f.Handed = false, false
	case SpeechStart:
		if ev.By == RoleAI || !f.Speaking || !f.hears(ev.By) {
			return f, nil
		}
		f.Speaking, f.Handed = false, false // barge-in
		effects = append(effects, StopTalk)
	case TurnEnded:
		if ev.By == RoleAI || !f.Present || f.Speaking || f.Mode == ModeListen || !f.hears(ev.By) || !Addresses(ev.Text) {
			return f, nil
		}
		f.Speaking = true
		effects = append(effects, Answer)
	case Quiet:
		if !f.Present || f.Speaking || f.Mode != ModeCoFacilitate || ev.Pause < CoFacilitatePause {
			return f, nil
		}
		f.Speaking = true
		effects = append(effects, Answer)
	case AIFinished:
		if !f.Speaking {
			return f, nil
		}
		f.Speaking, f.Handed = false, false
	}
	if f != before {
		effects = append(effects, Changed)
	}
	return f, effects
}

// hears reports whether the AI may hear what a person says: the coach
// always once it is in; the client only with consent.
func (f Floor) hears(who Role) bool {
	return f.Present && (who == RoleCoach || (who == RoleClient && f.Consent))
}

// Hears is hears for the call participant: whether the AI may receive a
// person's audio at all.
func (f Floor) Hears(who Role) bool { return f.hears(who) }

// Addresses reports whether a turn's words speak to the AI: one of
// AIAddressNames as a word near its start ("AI, what do you think?") or
// ending it ("what do you think, assistant?").
func Addresses(text string) bool {
	words := splitWords(text)
	for i, w := range words {
		if i > 2 && i < len(words)-2 {
			continue
		}
		for _, name := range AIAddressNames {
			if w == name {
				return true
			}
		}
	}
	return false
}

// splitWords lowercases a text into words of letters, digits and hyphens.
func splitWords(text string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, string(cur))
			cur = cur[:0]
		}
	}
	for _, r := range text {
		switch {
		case r >= 'A' && r <= 'Z':
			cur = append(cur, r+'a'-'A')
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r > 127:
			cur = append(cur, r)
		default:
			flush()
		}
	}
	flush()
	return words
}
