package room

import (
	"context"
	"regexp"
	"strconv"
	"time"
	"unicode/utf8"

	"rapport/internal/app"
	"rapport/internal/chat"
	"rapport/internal/coaching"
	"rapport/internal/protocol"
)

// The AI co-coach in the chat: a message that mentions it ("@ai") gets a
// reply, streamed to everyone in the room as it is written ("ai.stream",
// the text so far) and then stored like any message, with the AI as its
// sender. When the model cannot answer, the room says the AI is
// unavailable ("ai.status") and the call goes on.

// Assistant is the AI co-coach as the room needs it (package ai).
type Assistant interface {
	// Answer replies to a question, calling delta with each piece of the
	// reply as it comes; it returns the whole reply.
	Answer(ctx context.Context, q Question, delta func(string)) (string, error)
}

// Question is a chat message to the AI and where it was asked.
type Question struct {
	Appointment *coaching.Appointment
	SessionID   int64
	From        int64 // who asked
	Text        string
	// Recent is the session's chat (or the call's transcript) before the
	// question, oldest first.
	Recent []*chat.Message
	// Spoken says the answer will be spoken aloud in the call: short, plain
	// sentences.
	Spoken bool
}

// Limits of the chat's AI.
const (
	aiAnswerTimeout = 2 * time.Minute
	aiRecent        = 30                    // messages of context
	aiQueue         = 3                     // questions waiting while the AI answers one
	aiStreamEvery   = 80 * time.Millisecond // how often the text so far goes out
)

// mentionAI finds "@ai" as a word.
var mentionAI = regexp.MustCompile(`(?i)(^|[^\pL\pN_@])@ai\b`)

// MentionsAI reports whether a message asks the AI.
func MentionsAI(body string) bool { return mentionAI.MatchString(body) }

// aiState is the room's side of the chat's AI (the room's goroutine only).
type aiState struct {
	busy      bool
	queue     []*chat.Message
	available bool
	message   string
	cancel    context.CancelFunc
	n         int // questions asked, for stream IDs
}

// aiStatus is the AI's state for "joined".
func (r *Room) aiStatus() *protocol.AIStatus {
	if r.m.Assistant == nil {
		return &protocol.AIStatus{}
	}
	return &protocol.AIStatus{Enabled: true, Available: r.ai.available, Message: r.ai.message}
}

// askAI answers a stored message that mentions the AI, now or after the
// one being answered.
func (r *Room) askAI(m *chat.Message) {
	if r.m.Assistant == nil || m.Kind != chat.KindText || !MentionsAI(m.Body) {
		return
	}
	if r.ai.busy {
		if len(r.ai.queue) < aiQueue {
			r.ai.queue = append(r.ai.queue, m)
		}
		return
	}
	r.ai.busy = true
	r.ai.n++
	id := "ai-" + strconv.FormatInt(r.session.ID, 10) + "-" + strconv.FormatInt(m.Seq, 10)
	ctx, cancel := context.WithTimeout(context.Background(), aiAnswerTimeout)
	r.ai.cancel = cancel
	q := Question{Appointment: r.appt, SessionID: m.SessionID, From: m.SenderID, Text: m.Body}
	go r.answerAI(ctx, cancel, id, q, m.Seq)
}

// answerAI runs outside the room's goroutine: it reads the context, asks
// the assistant and posts the text as it comes, then the end.
func (r *Room) answerAI(ctx context.Context, cancel context.CancelFunc, id string, q Question, seq int64) {
	defer cancel()
	if recent, err := r.m.History.MessagesBefore(ctx, q.SessionID, seq, aiRecent); err == nil {
		q.Recent = recent
	}
	var text []byte
	last := time.Time{}
	answer, err := r.m.Assistant.Answer(ctx, q, func(piece string) {
		text = append(text, piece...)
		if now := time.Now(); now.Sub(last) >= aiStreamEvery {
			last = now
			so := string(text)
			r.post(func() {
				r.broadcast(protocol.NewFrame(protocol.TypeAIStream, protocol.AIStream{ID: id, Text: so}), nobody)
			})
		}
	})
	r.post(func() { r.answered(id, answer, err) })
}

// answered stores the AI's reply, or says it is unavailable; then the next
// question waiting is asked.
func (r *Room) answered(id, answer string, err error) {
	r.ai.busy, r.ai.cancel = false, nil
	if err != nil || answer == "" {
		if err == nil {
			err = app.Errorf(app.EUNAVAILABLE, "the AI gave an empty answer")
		}
		r.m.Log.Warn("the AI co-coach could not answer", "room", r.id, "err", err)
		r.setAIAvailable(false, aiTrouble(err))
		r.broadcast(protocol.NewFrame(protocol.TypeAIStream, protocol.AIStream{ID: id, Done: true}), nobody)
	} else {
		r.setAIAvailable(true, "")
		r.storeAI(id, answer)
	}
	if len(r.ai.queue) > 0 && !r.closing {
		next := r.ai.queue[0]
		r.ai.queue = r.ai.queue[1:]
		r.askAI(next)
	}
}

// setAIAvailable tells the room when the AI comes and goes.
func (r *Room) setAIAvailable(ok bool, why string) {
	if r.ai.available == ok && r.ai.message == why {
		return
	}
	r.ai.available, r.ai.message = ok, why
	r.broadcast(protocol.NewFrame(protocol.TypeAIStatus, r.aiStatus()), nobody)
}

// aiTrouble says what went wrong for people to read: the assistant's own
// words when it gives them (an app error), else that it is unavailable.
func aiTrouble(err error) string {
	if app.ErrorCode(err) == app.EINTERNAL {
		return "the AI is unavailable"
	}
	return app.ErrorMessage(err)
}

// storeAI stores the AI's reply as its message; once stored, everyone gets
// it, and the stream ends. The reply is cleaned of what no chat message may
// hold (a NUL would fail the chat writer's batch of every room).
func (r *Room) storeAI(id, answer string) {
	if r.closing || r.session == nil {
		return
	}
	answer = coaching.CleanText(answer)
	if utf8.RuneCountInString(answer) > chat.MaxBody {
		answer = string([]rune(answer)[:chat.MaxBody-1]) + "…"
	}
	msg := &chat.Message{SessionID: r.session.ID, SenderID: 0, Kind: chat.KindAI, Body: answer,
		Seq: r.nextSeq, ClientID: id, CreatedAt: r.now()}
	r.nextSeq++
	r.pending++
	r.m.Chat.Submit(msg, func(m *chat.Message, err error) {
		r.post(func() { r.storedAI(id, m, err) })
	})
}

func (r *Room) storedAI(id string, m *chat.Message, err error) {
	r.landed()
	if err != nil {
		r.m.Log.Error("store the AI's reply", "room", r.id, "err", err)
		r.broadcast(protocol.NewFrame(protocol.TypeAIStream, protocol.AIStream{ID: id, Done: true}), nobody)
		return
	}
	r.sent.add(0, m.ClientID, m.Seq)
	f, _ := protocol.ChatFrames(r.messageOf(m))
	r.broadcast(f, nobody)
	r.broadcast(protocol.NewFrame(protocol.TypeAIStream, protocol.AIStream{ID: id, Text: m.Body, Done: true}), nobody)
	r.fannedSeq = max(r.fannedSeq, m.Seq)
}

// stopAI cancels the answer being written (the room is ending).
func (r *Room) stopAI() {
	if r.ai.cancel != nil {
		r.ai.cancel()
	}
	r.ai.queue = nil
}
