package ai

import (
	"context"
	"fmt"
	"strings"

	"rapport/internal/chat"
	"rapport/internal/coaching"
	"rapport/internal/room"
)

// Profiles reads a person's profile (coaching.Store does).
type Profiles interface {
	Profile(ctx context.Context, userID int64) (*coaching.Profile, error)
}

// CoCoach is the AI co-coach in a room's chat: it answers a question with
// the model, given a persona and the context of the session, assembled
// within a token budget. It implements room.Assistant.
type CoCoach struct {
	Client   *Client
	Profiles Profiles // the client's goals; nil: none
	// Budget is how many tokens of context a request may carry, the
	// persona and the question included (default 3,000).
	Budget int
	// MaxAnswer is how many tokens the answer may take (default 400).
	MaxAnswer int
}

// persona is the co-coach's part, unless the coach gives it another.
const persona = `You are the AI co-coach in a live coaching session between %s (the coach) and %s (the client).
You support the coach: you answer briefly and warmly, in plain language, in a few sentences, without lists unless asked.
You never diagnose, never give medical, legal or financial advice, and you hand anything serious back to the coach.
When you do not know, you say so.`

// Answer implements room.Assistant.
func (c *CoCoach) Answer(ctx context.Context, q room.Question, delta func(string)) (string, error) {
	maxAnswer := c.MaxAnswer
	if maxAnswer <= 0 {
		maxAnswer = 400
	}
	return c.Client.Stream(ctx, Request{Messages: c.Prompt(ctx, q), MaxTokens: maxAnswer}, delta)
}

// Prompt assembles what the model is given: the persona, what is known of
// the client, the tail of the chat (newest kept first, within the budget),
// and the question.
func (c *CoCoach) Prompt(ctx context.Context, q room.Question) []Message {
	budget := c.Budget
	if budget <= 0 {
		budget = 3000
	}
	coach, client := names(q.Appointment)
	system := fmt.Sprintf(persona, coach, client)
	if q.Spoken {
		system += "\nYou are speaking aloud in the call: answer in one to three short spoken sentences, with no lists, symbols or markdown."
	}
	if goals := c.goals(ctx, q.Appointment); goals != "" {
		system += "\n\nThe client's goals, in their words: " + clip(goals, 1200)
	}
	if q.Appointment != nil && q.Appointment.Title != "" {
		system += "\nThis session: " + clip(q.Appointment.Title, 200) + "."
	}
	question := Message{Role: "user", Content: speaker(q.Appointment, q.From) + ": " + q.Text}
	left := budget - tokens(system) - tokens(question.Content)
	tail := fitTail(q.Appointment, q.Recent, left)
	out := make([]Message, 0, len(tail)+2)
	out = append(out, Message{Role: "system", Content: system})
	out = append(out, tail...)
	return append(out, question)
}

// fitTail keeps the newest messages of the chat that fit in budget tokens,
// oldest first: the AI's own as "assistant", the people's as "user" with
// their names.
func fitTail(appt *coaching.Appointment, recent []*chat.Message, budget int) []Message {
	var kept []Message
	for i := len(recent) - 1; i >= 0; i-- {
		m := recent[i]
		msg := Message{Role: "user", Content: speaker(appt, m.SenderID) + ": " + m.Body}
		switch m.Kind {
		case chat.KindAI:
			msg = Message{Role: "assistant", Content: m.Body}
		case chat.KindSystem:
			continue
		}
		cost := tokens(msg.Content) + 4
		if cost > budget {
			break
		}
		budget -= cost
		kept = append(kept, msg)
	}
	for i, j := 0, len(kept)-1; i < j; i, j = i+1, j-1 {
		kept[i], kept[j] = kept[j], kept[i]
	}
	return kept
}

func (c *CoCoach) goals(ctx context.Context, appt *coaching.Appointment) string {
	if c.Profiles == nil || appt == nil {
		return ""
	}
	p, err := c.Profiles.Profile(ctx, appt.ClientID)
	if err != nil || p == nil {
		return ""
	}
	g, _ := p.Data[coaching.ProfileGoals].(string)
	return strings.TrimSpace(g)
}

func names(appt *coaching.Appointment) (coach, client string) {
	coach, client = "the coach", "the client"
	if appt == nil {
		return
	}
	if appt.Coach != nil {
		coach = appt.Coach.DisplayName()
	}
	if appt.Client != nil {
		client = appt.Client.DisplayName()
	}
	return
}

// speaker names the sender of a message for the model.
func speaker(appt *coaching.Appointment, id int64) string {
	coach, client := names(appt)
	switch {
	case appt != nil && id == appt.CoachID:
		return coach + " (coach)"
	case appt != nil && id == appt.ClientID:
		return client + " (client)"
	}
	return "someone"
}

// tokens estimates a text's tokens: about four characters each in English.
func tokens(s string) int { return (len(s) + 3) / 4 }

// clip shortens a text to n bytes at most, at a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
