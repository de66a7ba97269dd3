package ai

import (
	"context"
	"strings"
	"time"

	"rapport/internal/chat"
	"rapport/internal/coaching"
	"rapport/internal/notes"
	"rapport/internal/room"
)

// SessionMemory reads what the AI wrote and heard before, and what it was
// let read: the summaries of earlier sessions, this call's transcript, and
// the coach's private notes about the client that the coach lets the AI
// read when the coach asks it (store.DB does).
type SessionMemory interface {
	RecentSummaries(ctx context.Context, coachID, clientID int64, before time.Time, limit int) ([]*coaching.Summary, error)
	TranscriptLines(ctx context.Context, sessionID, after int64, limit int) ([]*coaching.TranscriptLine, error)
	// AINotes returns, newest first, the coach's notes about the client
	// whose coach turned on "the AI may use this note"; never another note.
	AINotes(ctx context.Context, coachID, clientID int64, limit int) ([]*notes.Note, error)
}

// earlierSessions is how many summaries of earlier sessions a request
// carries.
const earlierSessions = 2

// sharedNotes is how many of the coach's notes a request carries, and
// how much of each (bytes).
const (
	sharedNotes    = 3
	sharedNoteSize = 1200
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
	Profiles Profiles // the client's goals and the coach's persona; nil: none
	// Memory reads the summaries of the pair's earlier sessions and this
	// session's transcript; nil: none.
	Memory SessionMemory
	// Budget is how many tokens of context a request may carry, the
	// persona and the question included (default 3,000).
	Budget int
	// MaxAnswer is how many tokens the answer may take (default 400).
	MaxAnswer int
}

// Answer implements room.Assistant.
func (c *CoCoach) Answer(ctx context.Context, q room.Question, delta func(string)) (string, error) {
	maxAnswer := c.MaxAnswer
	if maxAnswer <= 0 {
		maxAnswer = 400
	}
	return c.Client.Stream(ctx, Request{Messages: c.Prompt(ctx, q), MaxTokens: maxAnswer}, delta)
}

// Prompt assembles what the model is given: the persona (the coach's own,
// if they wrote one, always followed by the safety rules), what is known of
// the client, the tail of the chat (newest kept first, within the budget),
// and the question.
func (c *CoCoach) Prompt(ctx context.Context, q room.Question) []Message {
	budget := c.Budget
	if budget <= 0 {
		budget = 3000
	}
	system := c.system(ctx, q, budget)
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

// system is the system prompt: the persona, how to speak, the client's
// goals and the session's title. The coach's persona may take up to a third
// of the budget; a longer one is clipped.
func (c *CoCoach) system(ctx context.Context, q room.Question, budget int) string {
	coach, client := names(q.Appointment)
	var persona coaching.AIPersona
	var goals string
	if appt := q.Appointment; appt != nil {
		persona = c.profile(ctx, appt.CoachID).AIPersona()
		goals = strings.TrimSpace(c.profile(ctx, appt.ClientID).Text(coaching.ProfileGoals))
	}
	system := personaPrompt(coach, client, persona, budget/3*4)
	if q.Spoken {
		system += "\nYou are speaking aloud in the call: answer in one to three short spoken sentences, with no lists, symbols or markdown."
	}
	if goals != "" {
		system += "\n\nThe client's goals, in their words: " + clip(goals, 1200)
	}
	if q.Appointment != nil && q.Appointment.Title != "" {
		system += "\nThis session: " + clip(q.Appointment.Title, 200) + "."
	}
	system += c.earlier(ctx, q.Appointment)
	system += c.notes(ctx, q)
	system += c.heard(ctx, q, budget/4*4)
	return system
}

// earlier is the summaries of the pair's last sessions, newest first.
func (c *CoCoach) earlier(ctx context.Context, appt *coaching.Appointment) string {
	if c.Memory == nil || appt == nil {
		return ""
	}
	list, err := c.Memory.RecentSummaries(ctx, appt.CoachID, appt.ClientID, appt.StartsAt, earlierSessions)
	if err != nil || len(list) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n\nYour summaries of their earlier sessions, newest first:")
	for _, s := range list {
		b.WriteString("\n- (" + s.WrittenAt.Format("2 Jan 2006") + ") " + clip(strings.ReplaceAll(s.Body, "\n", " "), 900))
	}
	return b.String()
}

// notesRule keeps the coach's private notes out of what the AI says: the
// client hears or reads every answer in the call.
const notesRule = "These notes are the coach's private notes: use them to understand the client, never quote them or repeat their words, " +
	"and never say what they hold: everyone in the call reads or hears your answer."

// notes is what the coach lets the AI read of their private notes about
// the client, newest first, with the rule not to quote them: only for a
// question the appointment's coach asks, never for one from the client
// or anyone else in the room. A note the coach did not mark is never read.
func (c *CoCoach) notes(ctx context.Context, q room.Question) string {
	appt := q.Appointment
	if c.Memory == nil || appt == nil || q.From != appt.CoachID {
		return ""
	}
	list, err := c.Memory.AINotes(ctx, appt.CoachID, appt.ClientID, sharedNotes)
	if err != nil || len(list) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n\nThe coach's notes about the client that you may read, newest first:")
	for _, n := range list {
		b.WriteString("\n- (" + n.CreatedAt.Format("2 Jan 2006") + ") " + clip(strings.Join(strings.Fields(n.Body), " "), sharedNoteSize))
	}
	b.WriteString("\n" + notesRule)
	return b.String()
}

// heard is the end of this session's transcript, for a question asked in
// the chat (a spoken question carries the transcript as its history).
func (c *CoCoach) heard(ctx context.Context, q room.Question, maxBytes int) string {
	if c.Memory == nil || q.Spoken || q.SessionID == 0 {
		return ""
	}
	lines, err := c.Memory.TranscriptLines(ctx, q.SessionID, 0, 2000)
	if err != nil || len(lines) == 0 {
		return ""
	}
	var said []string
	for _, l := range lines {
		said = append(said, who(q.Appointment, l.SpeakerID)+": "+l.Body)
	}
	return "\n\nWhat was said in the call so far:\n" + keepEnd(strings.Join(said, "\n"), maxBytes)
}

// profile reads a user's profile, or nil when there are no profiles or it
// cannot be read: the AI then works without it.
func (c *CoCoach) profile(ctx context.Context, userID int64) *coaching.Profile {
	if c.Profiles == nil {
		return nil
	}
	p, err := c.Profiles.Profile(ctx, userID)
	if err != nil {
		return nil
	}
	return p
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
