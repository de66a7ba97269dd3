package ai

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"rapport/internal/chat"
	"rapport/internal/coaching"
)

// SummaryStore is what the summary of a call reads and writes (store.DB).
type SummaryStore interface {
	TranscriptLines(ctx context.Context, sessionID, after int64, limit int) ([]*coaching.TranscriptLine, error)
	MessagesAfter(ctx context.Context, sessionID, after int64, limit int) ([]*chat.Message, error)
	PutSummary(ctx context.Context, s *coaching.Summary) error
}

// Summarizer writes the AI's summary of each call once it has ended: what
// was discussed and the action items, from the transcript (when it was
// kept) and the chat, stored with the appointment for the coach. It
// implements room.Summarizer.
type Summarizer struct {
	Client *Client
	Store  SummaryStore
	Log    *slog.Logger
	// Budget is how many tokens of the call the request may carry (default
	// 6,000); a longer call keeps its end.
	Budget int
}

// summaryPrompt is what the model is told to write.
const summaryPrompt = `You write the summary of a coaching session, for the coach.
First a short summary of what was discussed, in three to five sentences.
Then a line "Action items:" and up to five items, each on its own line starting with "- " and saying who does what.
Use only what is in the session below; do not invent anything. If nothing was agreed, write "Action items: none".`

// CallEnded implements room.Summarizer: the summary is written in the
// background.
func (w *Summarizer) CallEnded(appt *coaching.Appointment, sessionID int64) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if _, err := w.Summarize(ctx, appt, sessionID); err != nil && w.Log != nil {
			w.Log.Warn("the AI could not summarise a call", "appointment", appt.ID, "session", sessionID, "err", err)
		}
	}()
}

// Summarize writes and stores the summary of a session; nil when nothing
// was said to summarise.
func (w *Summarizer) Summarize(ctx context.Context, appt *coaching.Appointment, sessionID int64) (*coaching.Summary, error) {
	session, err := w.session(ctx, appt, sessionID)
	if err != nil || session == "" {
		return nil, err
	}
	answer, err := w.Client.Stream(ctx, Request{Messages: []Message{
		{Role: "system", Content: summaryPrompt},
		{Role: "user", Content: session},
	}, MaxTokens: 600}, func(string) {})
	if err != nil {
		return nil, err
	}
	s := &coaching.Summary{AppointmentID: appt.ID, Body: strings.TrimSpace(answer), WrittenAt: time.Now().UTC()}
	if err := w.Store.PutSummary(ctx, s); err != nil {
		return nil, fmt.Errorf("store the summary: %w", err)
	}
	return s, nil
}

// session is the call as the model reads it: the transcript, then the
// chat, each line with its speaker; its end when it is too long.
func (w *Summarizer) session(ctx context.Context, appt *coaching.Appointment, sessionID int64) (string, error) {
	lines, err := w.Store.TranscriptLines(ctx, sessionID, 0, 5000)
	if err != nil {
		return "", fmt.Errorf("read the transcript: %w", err)
	}
	msgs, err := w.Store.MessagesAfter(ctx, sessionID, 0, 1000)
	if err != nil {
		return "", fmt.Errorf("read the chat: %w", err)
	}
	var said []string
	for _, l := range lines {
		said = append(said, who(appt, l.SpeakerID)+": "+l.Body)
	}
	people := 0
	var written []string
	for _, m := range msgs {
		switch m.Kind {
		case chat.KindText:
			people++
			written = append(written, who(appt, m.SenderID)+": "+m.Body)
		case chat.KindAI:
			written = append(written, "AI co-coach: "+m.Body)
		}
	}
	if len(lines) == 0 && people == 0 {
		return "", nil // nothing to summarise
	}
	var b strings.Builder
	coach, client := names(appt)
	fmt.Fprintf(&b, "Coach: %s. Client: %s.", coach, client)
	if appt.Title != "" {
		fmt.Fprintf(&b, " Session: %s.", appt.Title)
	}
	if len(said) > 0 {
		b.WriteString("\n\nWhat was said:\n" + strings.Join(said, "\n"))
	}
	if len(written) > 0 {
		b.WriteString("\n\nThe chat:\n" + strings.Join(written, "\n"))
	}
	return keepEnd(b.String(), w.budget()*4), nil
}

func (w *Summarizer) budget() int {
	if w.Budget > 0 {
		return w.Budget
	}
	return 6000
}

// who names a speaker for the summary.
func who(appt *coaching.Appointment, id int64) string {
	coach, client := names(appt)
	switch {
	case id == 0:
		return "AI co-coach"
	case appt != nil && id == appt.CoachID:
		return coach
	case appt != nil && id == appt.ClientID:
		return client
	}
	return "someone"
}

// keepEnd keeps the last n bytes of a text, from a line's start.
func keepEnd(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := s[len(s)-n:]
	if i := strings.IndexByte(cut, '\n'); i >= 0 {
		cut = cut[i+1:]
	}
	return "(the start of the session is left out)\n" + cut
}
