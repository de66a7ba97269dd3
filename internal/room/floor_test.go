package room

import (
	"slices"
	"testing"
	"time"
)

// TestFloorControl is every rule of the floor, one row each: from a state,
// an event gives a state and what the AI must do.
func TestFloorControl(t *testing.T) {
	in := Floor{Present: true, Mode: ModeOnRequest, Consent: true}
	speaking := in
	speaking.Speaking = true
	handed := speaking
	handed.Handed = true
	listen := in
	listen.Mode = ModeListen
	cofac := in
	cofac.Mode = ModeCoFacilitate
	noConsent := in
	noConsent.Consent = false
	with := func(f Floor, change func(*Floor)) Floor { change(&f); return f }

	for _, tc := range []struct {
		name    string
		from    Floor
		ev      FloorEvent
		want    Floor
		effects []FloorEffect
	}{
		{"the coach brings the AI in: on request, asking the client", Floor{}, FloorEvent{Kind: Invite, By: RoleCoach},
			Floor{Present: true, Mode: ModeOnRequest}, []FloorEffect{AskConsent, Changed}},
		{"the client cannot bring it in", Floor{}, FloorEvent{Kind: Invite, By: RoleClient}, Floor{}, nil},
		{"inviting it twice changes nothing", in, FloorEvent{Kind: Invite, By: RoleCoach}, in, nil},
		{"the client agrees", noConsent, FloorEvent{Kind: Agree, By: RoleClient}, in, []FloorEffect{Changed}},
		{"the coach cannot agree for the client", noConsent, FloorEvent{Kind: Agree, By: RoleCoach}, noConsent, nil},
		{"the client withdraws consent", in, FloorEvent{Kind: Refuse, By: RoleClient}, noConsent, []FloorEffect{Changed}},
		{"the client sends it out while it speaks", speaking, FloorEvent{Kind: Dismiss, By: RoleClient}, Floor{}, []FloorEffect{StopTalk, Changed}},
		{"the coach sends it out", in, FloorEvent{Kind: Dismiss, By: RoleCoach}, Floor{}, []FloorEffect{Changed}},
		{"the coach picks co-facilitate", in, FloorEvent{Kind: SetMode, By: RoleCoach, Mode: ModeCoFacilitate}, cofac, []FloorEffect{Changed}},
		{"the client cannot pick the mode", in, FloorEvent{Kind: SetMode, By: RoleClient, Mode: ModeListen}, in, nil},
		{"an unknown mode is refused", in, FloorEvent{Kind: SetMode, By: RoleCoach, Mode: "chatty"}, in, nil},
		{"listen while it speaks: it stops", speaking, FloorEvent{Kind: SetMode, By: RoleCoach, Mode: ModeListen}, listen, []FloorEffect{StopTalk, Changed}},
		{"the coach hands it the floor: it answers", in, FloorEvent{Kind: HandOver, By: RoleCoach}, handed, []FloorEffect{Answer, Changed}},
		{"no floor for a listener", listen, FloorEvent{Kind: HandOver, By: RoleCoach}, listen, nil},
		{"the client cannot hand the floor", in, FloorEvent{Kind: HandOver, By: RoleClient}, in, nil},
		{"the coach takes the floor back", handed, FloorEvent{Kind: TakeBack, By: RoleCoach}, in, []FloorEffect{StopTalk, Changed}},
		{"the client cannot take it back", handed, FloorEvent{Kind: TakeBack, By: RoleClient}, handed, nil},
		{"barge-in by the client", speaking, FloorEvent{Kind: SpeechStart, By: RoleClient}, in, []FloorEffect{StopTalk, Changed}},
		{"barge-in by the coach ends a hand-over", handed, FloorEvent{Kind: SpeechStart, By: RoleCoach}, in, []FloorEffect{StopTalk, Changed}},
		{"a client it may not hear cannot barge in (it does not hear them)", with(speaking, func(f *Floor) { f.Consent = false }),
			FloorEvent{Kind: SpeechStart, By: RoleClient}, with(speaking, func(f *Floor) { f.Consent = false }), nil},
		{"addressed by name: it answers", in, FloorEvent{Kind: TurnEnded, By: RoleClient, Text: "AI, what do you think?"}, speaking, []FloorEffect{Answer, Changed}},
		{"addressed at the end", in, FloorEvent{Kind: TurnEnded, By: RoleCoach, Text: "what would you add, assistant"}, speaking, []FloorEffect{Answer, Changed}},
		{"a turn not to it: nothing", in, FloorEvent{Kind: TurnEnded, By: RoleClient, Text: "I said it to my manager yesterday and then I tried again"}, in, nil},
		{"AI in the middle of a sentence is not an address", in, FloorEvent{Kind: TurnEnded, By: RoleClient, Text: "we talked about how AI changes my job a lot these days"}, in, nil},
		{"addressed while listening: nothing", listen, FloorEvent{Kind: TurnEnded, By: RoleCoach, Text: "AI, go ahead"}, listen, nil},
		{"addressed by a client who has not agreed: not heard", noConsent, FloorEvent{Kind: TurnEnded, By: RoleClient, Text: "AI, hello"}, noConsent, nil},
		{"a pause, co-facilitating: it may speak", cofac, FloorEvent{Kind: Quiet, Pause: 4 * time.Second}, with(cofac, func(f *Floor) { f.Speaking = true }), []FloorEffect{Answer, Changed}},
		{"a short pause: not yet", cofac, FloorEvent{Kind: Quiet, Pause: time.Second}, cofac, nil},
		{"a pause, on request: nothing", in, FloorEvent{Kind: Quiet, Pause: time.Minute}, in, nil},
		{"it finishes: the floor is the people's", handed, FloorEvent{Kind: AIFinished, By: RoleAI}, in, []FloorEffect{Changed}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, effects := tc.from.Apply(tc.ev)
			if got != tc.want || !slices.Equal(effects, tc.effects) {
				t.Fatalf("got %+v %v, want %+v %v", got, effects, tc.want, tc.effects)
			}
		})
	}
}
