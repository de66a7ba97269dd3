package signaling

import (
	"time"

	"rapport/internal/app"
	"rapport/internal/protocol"
	"rapport/internal/room"
)

// The AI in the call: the people's changes to the floor, and the AI's
// seat's reports of what it hears (docs/protocol.md, "The AI in the call").

func (c *client) aiInvite(in *protocol.Inbound) error {
	c.joined.FloorEvent(in.ID, room.FloorEvent{Kind: room.Invite})
	return nil
}

func (c *client) aiDismiss(in *protocol.Inbound) error {
	c.joined.FloorEvent(in.ID, room.FloorEvent{Kind: room.Dismiss})
	return nil
}

func (c *client) aiConsent(in *protocol.Inbound) error {
	var m struct {
		Agree *bool `json:"agree"`
	}
	if err := protocol.DecodeData(in, &m); err != nil {
		return err
	}
	if m.Agree == nil {
		return app.Invalid(map[string]string{"agree": "is required: true or false"})
	}
	kind := room.Refuse
	if *m.Agree {
		kind = room.Agree
	}
	c.joined.FloorEvent(in.ID, room.FloorEvent{Kind: kind})
	return nil
}

func (c *client) aiMode(in *protocol.Inbound) error {
	var m struct {
		Mode room.AIMode `json:"mode"`
	}
	if err := protocol.DecodeData(in, &m); err != nil {
		return err
	}
	if !m.Mode.Valid() {
		return app.Invalid(map[string]string{"mode": "must be listen, on_request or co_facilitate"})
	}
	c.joined.FloorEvent(in.ID, room.FloorEvent{Kind: room.SetMode, Mode: m.Mode})
	return nil
}

func (c *client) aiFloor(in *protocol.Inbound) error {
	var m struct {
		To string `json:"to"`
	}
	if err := protocol.DecodeData(in, &m); err != nil {
		return err
	}
	switch m.To {
	case "ai":
		c.joined.FloorEvent(in.ID, room.FloorEvent{Kind: room.HandOver})
	case "people":
		c.joined.FloorEvent(in.ID, room.FloorEvent{Kind: room.TakeBack})
	default:
		return app.Invalid(map[string]string{"to": `must be "ai" (hand it the floor) or "people" (take it back)`})
	}
	return nil
}

// heardKinds are what the AI's seat may report.
var heardKinds = map[string]room.FloorEventKind{"speech": room.SpeechStart, "turn_ended": room.TurnEnded,
	"quiet": room.Quiet, "ai_finished": room.AIFinished}

func (c *client) aiHeard(in *protocol.Inbound) error {
	var m struct {
		Kind    string `json:"kind"`
		UserID  int64  `json:"user_id"`
		Text    string `json:"text"`
		PauseMS int64  `json:"pause_ms"`
	}
	if err := protocol.DecodeData(in, &m); err != nil {
		return err
	}
	kind, ok := heardKinds[m.Kind]
	if !ok {
		return app.Invalid(map[string]string{"kind": "must be speech, turn_ended, quiet or ai_finished"})
	}
	c.joined.FloorEvent(in.ID, room.FloorEvent{Kind: kind, Who: m.UserID, Text: m.Text, Pause: time.Duration(m.PauseMS) * time.Millisecond})
	return nil
}

func (c *client) caption(in *protocol.Inbound) error {
	var m protocol.Caption
	if err := protocol.DecodeData(in, &m); err != nil {
		return err
	}
	if m.UserID <= 0 || m.Text == "" || len(m.Text) > 2000 {
		return app.Invalid(map[string]string{"text": "a caption names the speaker (user_id) and has 1 to 2,000 bytes of text"})
	}
	c.joined.Caption(m)
	return c.ok(in)
}

func (c *client) aiTranscript(in *protocol.Inbound) error {
	var m struct {
		Keep *bool `json:"keep"`
	}
	if err := protocol.DecodeData(in, &m); err != nil {
		return err
	}
	if m.Keep == nil {
		return app.Invalid(map[string]string{"keep": "is required: true keeps what the AI hears, false keeps nothing"})
	}
	c.joined.Transcript(in.ID, *m.Keep)
	return nil
}
