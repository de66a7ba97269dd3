package room

import (
	"errors"

	"rapport/internal/app"
	"rapport/internal/chat"
	"rapport/internal/coaching"
)

// sendChat stores a member's message and, once it is stored, acknowledges it
// to the sender and sends it to the others (runs in the room's goroutine).
func (r *Room) sendChat(userID int64, conn Conn, reqID, clientID, body string) {
	mb := r.members[userID]
	if mb == nil || mb.conn != conn {
		return
	}
	switch {
	case r.closing:
		r.send(mb, errorFrame(reqID, errClosing))
		return
	case !mb.chat.Allow():
		r.send(mb, errorFrame(reqID, app.Errorf(app.ETOOMANYREQUEST, "you are sending messages too fast; wait a moment")))
		return
	}
	msg := &chat.Message{SessionID: r.session.ID, SenderID: userID, Kind: chat.KindText, Body: body,
		Seq: r.nextSeq, ClientID: clientID, CreatedAt: r.now()}
	if userID == 0 {
		msg.Kind = chat.KindAI
	}
	r.nextSeq++
	r.pending++
	r.m.Chat.Submit(msg, func(m *chat.Message, err error) {
		r.box.post(func() { r.stored(mb, conn, reqID, m, err) })
	})
}

// stored finishes a message once the store has answered.
func (r *Room) stored(mb *member, conn Conn, reqID string, m *chat.Message, err error) {
	r.pending--
	if err != nil {
		if errors.Is(err, chat.ErrClosed) {
			err = errClosing
		}
		if mb.conn == conn && !mb.removed {
			r.send(mb, errorFrame(reqID, err))
		}
		return
	}
	out := r.messageOf(m)
	if mb.conn == conn && !mb.removed {
		r.send(mb, Reply(reqID, "chat.ack", Ack{ClientID: m.ClientID, ID: m.ID, Seq: m.Seq, CreatedAt: m.CreatedAt, Message: out}))
	}
	if m.Duplicate {
		return // everyone had it the first time, or gets it with their catch-up
	}
	r.broadcast(NewFrame("chat.message", out), m.SenderID)
	r.fannedSeq = max(r.fannedSeq, m.Seq)
}

// syncChat answers chat.sync: the messages after a sequence number that
// everyone has been sent, a page at a time.
func (r *Room) syncChat(userID int64, conn Conn, reqID string, after int64) {
	mb := r.members[userID]
	if mb == nil || mb.conn != conn {
		return
	}
	ctx, cancel := r.ctx()
	defer cancel()
	list, err := r.m.History.MessagesAfter(ctx, r.session.ID, after, missedMax)
	if err != nil {
		r.m.Log.Error("read chat", "room", r.id, "err", err)
		r.send(mb, errorFrame(reqID, err))
		return
	}
	list = upTo(list, r.fannedSeq)
	r.send(mb, Reply(reqID, "chat.messages", Messages{Messages: r.messagesOf(list), More: len(list) == missedMax}))
}

// SenderName is the name shown with a message of appt's room.
func SenderName(appt *coaching.Appointment, m *chat.Message) string {
	switch {
	case m.Kind == chat.KindAI:
		return AIName
	case m.SenderID == appt.CoachID:
		return appt.Coach.DisplayName()
	case m.SenderID == appt.ClientID:
		return appt.Client.DisplayName()
	}
	return ""
}

// errorFrame answers a request with an error; internal details stay here.
func errorFrame(reqID string, err error) *Frame {
	return Reply(reqID, "error", ErrorData{Code: app.ErrorCode(err), Message: app.ErrorMessage(err), Fields: app.ErrorFields(err)})
}

// ErrorFrame is errorFrame for the transports.
func ErrorFrame(reqID string, err error) *Frame { return errorFrame(reqID, err) }
