package room

import (
	"errors"
	"fmt"
	"time"

	"rapport/internal/app"
	"rapport/internal/chat"
	"rapport/internal/coaching"
	"rapport/internal/protocol"
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
	switch {
	case r.closing:
		r.send(mb, ErrorFrame(reqID, errClosing))
		return
	case !mb.chat.Allow(): // retries count too: each costs the room work
		r.send(mb, ErrorFrame(reqID, app.Errorf(app.ERATELIMITED, "you are sending messages too fast; wait a moment")))
		return
	}
	key := sending{userID, clientID}
	if waiting, storing := r.retries[key]; storing {
		if len(waiting) < maxRetries {
			r.retries[key] = append(waiting, retry{mb, conn, reqID})
		}
		return
	}
	if seq, seen := r.sent.lookup(userID, clientID); seen && r.ackAgain(mb, reqID, key, seq) {
		return
	}
	msg := &chat.Message{SessionID: r.session.ID, SenderID: userID, Kind: chat.KindText, Body: body,
		Seq: r.nextSeq, ClientID: clientID, CreatedAt: r.now()}
	if userID == 0 {
		msg.Kind = chat.KindAI
	}
	r.nextSeq++
	r.pending++
	r.retries[key] = nil // being stored
	received := time.Now()
	r.m.Chat.Submit(msg, func(m *chat.Message, err error) {
		r.runOrPost(func() { r.stored(mb, conn, reqID, m, received, err) })
	})
}

// maxRetries is how many second sendings of one message may wait for it.
const maxRetries = 8

// ackAgain answers a message sent again that the session may hold as seq:
// it reads the message back and, if it is this one, acknowledges it again.
// It reports false when seq is another message (see sentIDs): this one is
// new.
func (r *Room) ackAgain(mb *member, reqID string, key sending, seq int64) bool {
	ctx, cancel := r.ctx()
	defer cancel()
	list, err := r.m.History.MessagesAfter(ctx, r.session.ID, seq-1, 1)
	if err != nil || len(list) == 0 {
		r.send(mb, ErrorFrame(reqID, fmt.Errorf("read message %d again: %w", seq, errors.Join(err, errors.New("not found")))))
		return true
	}
	if list[0].SenderID != key.senderID || list[0].ClientID != key.clientID {
		return false
	}
	out := r.messageOf(list[0])
	r.send(mb, protocol.AckFrame(reqID, out, protocol.AppendMessage(nil, out)))
	return true
}

// stored finishes a message once the store has answered: the sender (and
// any retries) get the acknowledgement, everyone else the message, encoded
// once for all.
func (r *Room) stored(mb *member, conn Conn, reqID string, m *chat.Message, received time.Time, err error) {
	r.landed()
	key := sending{m.SenderID, m.ClientID}
	waiting := append(r.retries[key], retry{mb, conn, reqID})
	delete(r.retries, key) // a later retry finds it stored, or tries again
	if err != nil {
		if errors.Is(err, chat.ErrClosed) {
			err = errClosing
		}
		for _, w := range waiting {
			r.answer(w, ErrorFrame(w.reqID, err))
		}
		return
	}
	r.sent.add(m.SenderID, m.ClientID, m.Seq)
	r.m.Observe.ChatStored(r.now().Sub(m.CreatedAt))
	out := r.messageOf(m)
	f, msg := protocol.ChatFrames(out)
	f.Observe(r.m.Observe, received)
	for _, w := range waiting {
		ack := protocol.AckFrame(w.reqID, out, msg)
		ack.Observe(r.m.Observe, received)
		r.answer(w, ack)
	}
	// Everyone gets the message but the connection that sent it: a tab of
	// the sender that took over meanwhile gets it too.
	for _, other := range r.members {
		if other.conn != conn {
			r.send(other, f)
		}
	}
	r.fannedSeq = max(r.fannedSeq, m.Seq)
	r.askAI(m)
}

// afterStored runs fn once the messages being stored have been answered:
// now when none is, else as the room's work after the last one's.
func (r *Room) afterStored(fn func()) {
	if r.pending == 0 {
		fn()
		return
	}
	r.onStored = append(r.onStored, fn)
}

// landed counts a message as answered by the store; after the last, what
// waited for them is posted, to run once this message is delivered.
func (r *Room) landed() {
	r.pending--
	if r.pending > 0 {
		return
	}
	for _, fn := range r.onStored {
		r.post(fn)
	}
	r.onStored = nil
}

// answer sends f to a member if the connection that asked is still theirs.
func (r *Room) answer(w retry, f *protocol.Frame) {
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
		r.send(mb, ErrorFrame(reqID, err))
		return
	}
	list = upTo(list, r.fannedSeq)
	r.send(mb, protocol.Reply(reqID, protocol.TypeChatMessages, protocol.Messages{Messages: r.messagesOf(list), More: len(list) == missedMax}))
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

// ErrorFrame answers a request with an error; internal details stay here.
func ErrorFrame(reqID string, err error) *protocol.Frame {
	return protocol.Reply(reqID, protocol.TypeError, protocol.ErrorData{Code: app.ErrorCode(err), Message: app.ErrorMessage(err), Fields: app.ErrorFields(err)})
}
