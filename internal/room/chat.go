package room

import (
	"errors"
	"fmt"

	"rapport/internal/app"
	"rapport/internal/chat"
	"rapport/internal/coaching"
)

// retry is a second sending of a message still being stored: it gets the
// same acknowledgement.
type retry struct {
	mb    *member
	conn  Conn
	reqID string
}

// sendChat stores a member's message and, once it is stored, acknowledges it
// to the sender and sends it to the others (runs in the room's goroutine).
// A message whose client ID the session holds already (a retry after a lost
// acknowledgement) is acknowledged again, not stored again.
func (r *Room) sendChat(userID int64, conn Conn, reqID, clientID, body string) {
	mb := r.members[userID]
	if mb == nil || mb.conn != conn {
		return
	}
	if seq, seen := r.sent[clientID]; seen {
		r.ackAgain(mb, conn, reqID, clientID, seq)
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
	r.sent[clientID] = 0 // being stored
	r.m.Chat.Submit(msg, func(m *chat.Message, err error) {
		r.box.post(func() { r.stored(mb, conn, reqID, m, err) })
	})
}

// ackAgain answers a message sent again: at once when it is stored, else
// when it is.
func (r *Room) ackAgain(mb *member, conn Conn, reqID, clientID string, seq int64) {
	if seq == 0 {
		r.retries[clientID] = append(r.retries[clientID], retry{mb, conn, reqID})
		return
	}
	ctx, cancel := r.ctx()
	defer cancel()
	list, err := r.m.History.MessagesAfter(ctx, r.session.ID, seq-1, 1)
	if err != nil || len(list) == 0 || list[0].ClientID != clientID {
		r.send(mb, errorFrame(reqID, fmt.Errorf("read message %d again: %w", seq, errors.Join(err, errors.New("not found")))))
		return
	}
	out := r.messageOf(list[0])
	r.send(mb, NewRawFrame("chat.ack", reqID, appendAck(nil, out, appendMessage(nil, out))))
}

// stored finishes a message once the store has answered: the sender (and
// any retries) get the acknowledgement, everyone else the message, encoded
// once for all.
func (r *Room) stored(mb *member, conn Conn, reqID string, m *chat.Message, err error) {
	r.pending--
	waiting := append(r.retries[m.ClientID], retry{mb, conn, reqID})
	delete(r.retries, m.ClientID)
	if err != nil {
		delete(r.sent, m.ClientID) // a later retry may try again
		if errors.Is(err, chat.ErrClosed) {
			err = errClosing
		}
		for _, w := range waiting {
			r.answer(w, errorFrame(w.reqID, err))
		}
		return
	}
	r.sent[m.ClientID] = m.Seq
	out := r.messageOf(m)
	msg := appendMessage(make([]byte, 0, 192+len(m.Body)), out)
	for _, w := range waiting {
		r.answer(w, NewRawFrame("chat.ack", w.reqID, appendAck(make([]byte, 0, 96+len(msg)), out, msg)))
	}
	r.broadcast(NewRawFrame("chat.message", "", msg), m.SenderID)
	r.fannedSeq = max(r.fannedSeq, m.Seq)
}

// answer sends f to a member if the connection that asked is still theirs.
func (r *Room) answer(w retry, f *Frame) {
	if w.mb.conn == w.conn && !w.mb.removed {
		r.send(w.mb, f)
	}
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
