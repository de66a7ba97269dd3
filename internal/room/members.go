package room

import (
	"fmt"

	"golang.org/x/time/rate"

	"rapport/internal/app"
	"rapport/internal/chat"
	"rapport/internal/coaching"
	"rapport/internal/notify"
	"rapport/internal/protocol"
)

// tailSize is how many messages a fresh join gets; missedMax how many a
// reconnect gets at once (more come with chat.sync).
const (
	tailSize  = 50
	missedMax = 500
)

// AIName is how the AI co-coach appears in rooms.
const AIName = "AI co-coach"

// AIUser is the AI co-coach's seat: a participant without a user row (ID 0),
// taken by whoever holds the room's agent token. It does not count as a
// person for starting the call or keeping the room open.
func AIUser() *coaching.User {
	return &coaching.User{ID: 0, Name: AIName, Role: app.Role("ai"), Status: coaching.StatusActive}
}

var errClosing = app.Errorf(app.EUNAVAILABLE, "the server is restarting; please reconnect in a moment")

// join adds a person (runs in the room's goroutine). The newer connection of
// a person already here takes over and the older one is told so.
func (r *Room) join(user *coaching.User, conn Conn, req protocol.JoinRequest, reqID string) (*member, error) {
	switch {
	case r.ended:
		return nil, errEnded
	case r.closing:
		return nil, errClosing
	}
	if err := r.ensureSession(); err != nil {
		r.settle()
		return nil, err
	}
	if user.ID != 0 {
		r.stopGrace() // a person came back in time: the same session goes on
	}
	mb := r.members[user.ID]
	prevPath := ""
	if mb != nil {
		prevPath = mb.info.Path
		old := mb.conn
		mb.conn = conn
		old.Send(protocol.NewFrame(protocol.TypeReplaced, map[string]string{"reason": "you joined from another tab or device"}))
		old.Close(ReasonReplaced)
	} else {
		mb = &member{conn: conn, chat: rate.NewLimiter(rate.Limit(r.m.ChatRate), r.m.ChatBurst)}
		r.members[user.ID] = mb
	}
	mb.info = protocol.Participant{UserID: user.ID, Name: user.DisplayName(), Role: string(user.Role),
		AvatarURL: user.AvatarURL, JoinedAt: r.now(), Presence: cleanPresence(req.Presence)}
	r.m.paths.move(prevPath, mb.info.Path)
	started, err := r.startIfTwo()
	if err != nil {
		r.m.Log.Error("start call", "room", r.id, "err", err)
	}
	joined, err := r.joined(mb, req)
	if err != nil {
		mb.removed = true
		r.m.paths.move(mb.info.Path, "")
		delete(r.members, user.ID)
		r.broadcast(protocol.NewFrame(protocol.TypeParticipantLeft, protocol.Left{UserID: user.ID, Reason: ReasonGone}), nobody)
		r.settle()
		return nil, err
	}
	r.send(mb, protocol.Reply(reqID, protocol.TypeJoined, joined))
	if started { // after "joined", which carries the timer to the newcomer
		r.broadcast(protocol.NewFrame(protocol.TypeTimer, r.timerInfo()), user.ID)
	}
	r.settle() // the AI alone does not keep a room open
	r.broadcast(protocol.NewFrame(protocol.TypeParticipantJoined, mb.info), user.ID)
	if joined.WaitingFor != nil && user.ID != 0 {
		r.m.Notify.Notify(joined.WaitingFor.UserID, notify.Event{Type: "room.waiting", Data: map[string]any{
			"room_id": r.id, "appointment_id": r.appt.ID, "title": r.appt.Title, "who": user.DisplayName()}})
	}
	return mb, nil
}

// ensureSession opens the call session (or finds the one still open after a
// restart) and reads where its chat stands.
func (r *Room) ensureSession() error {
	if r.session != nil {
		return nil
	}
	ctx, cancel := r.ctx()
	defer cancel()
	cs, err := r.m.Calls.OpenCall(ctx, r.appt)
	if err != nil {
		return fmt.Errorf("open call session: %w", err)
	}
	last, err := r.m.History.LastSeq(ctx, cs.ID)
	if err != nil {
		return fmt.Errorf("read last message: %w", err)
	}
	ids, err := r.m.History.ClientIDs(ctx, cs.ID)
	if err != nil {
		return fmt.Errorf("read client message IDs: %w", err)
	}
	sent := newSentIDs()
	for _, id := range ids {
		sent.add(id.SenderID, id.ClientID, id.Seq)
	}
	r.session, r.nextSeq, r.fannedSeq, r.sent = cs, last+1, last, sent
	if cs.StartedAt != nil {
		r.scheduleWarnings()
	}
	return nil
}

// joined builds the answer to a join: who is here, the session and timer,
// and the chat the member has not seen.
func (r *Room) joined(mb *member, req protocol.JoinRequest) (*protocol.Joined, error) {
	msgs, more, err := r.catchUp(req)
	if err != nil {
		return nil, err
	}
	j := &protocol.Joined{Protocol: protocol.Version, You: mb.info, Participants: r.participants(), RoomID: r.id,
		Appointment: protocol.AppointmentRef{ID: r.appt.ID, Title: r.appt.Title, StartsAt: r.appt.StartsAt, EndsAt: r.appt.EndsAt()},
		Session:     protocol.SessionInfo{ID: r.session.ID, OpenedAt: r.session.OpenedAt, StartedAt: r.session.StartedAt},
		Timer:       r.timerInfo(), Messages: msgs, More: more, ICEServers: []protocol.ICEServer{}}
	j.CallMode = "sfu"
	j.AI = r.aiStatus()
	j.Floor = r.floorState()
	if r.m.CallMode != nil {
		j.CallMode = r.m.CallMode(r.appt)
	}
	if r.m.ICEServers != nil {
		j.ICEServers = r.m.ICEServers(mb.info.UserID)
	}
	other := r.appt.Coach
	if mb.info.UserID == r.appt.CoachID {
		other = r.appt.Client
	}
	if _, here := r.members[other.ID]; !here && mb.info.UserID != 0 {
		j.WaitingFor = &protocol.Waiting{UserID: other.ID, Name: other.DisplayName(), Online: r.m.Notify.Online(other.ID)}
	}
	return j, nil
}

// catchUp returns what a joining client has not seen: after its last
// sequence number when it reconnects to the same session, else the tail.
// Only messages already sent to everyone are included; later ones reach the
// member as they are stored, so nothing arrives twice.
func (r *Room) catchUp(req protocol.JoinRequest) ([]protocol.Message, bool, error) {
	ctx, cancel := r.ctx()
	defer cancel()
	if req.SessionID == r.session.ID && req.LastSeq > 0 {
		if req.LastSeq >= r.fannedSeq {
			return []protocol.Message{}, false, nil
		}
		list, err := r.m.History.MessagesAfter(ctx, r.session.ID, req.LastSeq, missedMax)
		list = upTo(list, r.fannedSeq)
		return r.messagesOf(list), len(list) == missedMax, err
	}
	list, err := r.m.History.MessagesBefore(ctx, r.session.ID, r.fannedSeq+1, tailSize)
	return r.messagesOf(list), false, err
}

// upTo keeps the messages with a sequence number up to max.
func upTo(list []*chat.Message, max int64) []*chat.Message {
	for i, m := range list {
		if m.Seq > max {
			return list[:i]
		}
	}
	return list
}

// leave removes the member whose connection is conn (runs in the room's
// goroutine). A connection that was replaced removes nobody.
func (r *Room) leave(userID int64, conn Conn, reason string) {
	if mb := r.members[userID]; mb != nil {
		r.remove(mb, conn, reason)
	}
}

// remove takes a member out and tells the others; when the room empties the
// grace period starts.
func (r *Room) remove(mb *member, conn Conn, reason string) {
	if mb.removed || mb.conn != conn {
		return
	}
	mb.removed = true
	r.m.paths.move(mb.info.Path, "")
	delete(r.members, mb.info.UserID)
	conn.Close(reason)
	r.broadcast(protocol.NewFrame(protocol.TypeParticipantLeft, protocol.Left{UserID: mb.info.UserID, Reason: reason}), nobody)
	r.settle()
}

// settle starts the grace period when no person is left in the room (the
// AI's seat does not count), so that an emptied room always ends.
func (r *Room) settle() {
	if r.humans() > 0 || r.grace != nil {
		return
	}
	if r.session == nil { // nothing was opened: nothing to wait for
		r.end()
		return
	}
	r.emptied()
}

// presence records and shares a member's presence.
func (r *Room) presence(userID int64, conn Conn, p protocol.Presence) {
	mb := r.members[userID]
	if mb == nil || mb.conn != conn {
		return
	}
	old := mb.info.Path
	mb.info.Presence = cleanPresence(p)
	r.m.paths.move(old, mb.info.Path)
	r.broadcast(protocol.NewFrame(protocol.TypePresence, protocol.PresenceChange{UserID: userID, Presence: mb.info.Presence}), nobody)
}

// typing shares that a member started or stopped typing, once per change.
func (r *Room) typing(userID int64, conn Conn, active bool) {
	mb := r.members[userID]
	if mb == nil || mb.conn != conn || mb.typing == active {
		return
	}
	mb.typing = active
	r.broadcast(protocol.NewFrame(protocol.TypeTyping, protocol.Typing{UserID: userID, Active: active}), userID)
}

// knownPaths are the network paths a client may report.
var knownPaths = map[string]bool{"": true, "none": true, "sfu-udp": true, "sfu-tcp": true, "turn-udp": true,
	"turn-tcp": true, "turn-tls": true, "p2p": true, "tunnel": true}

func cleanPresence(p protocol.Presence) protocol.Presence {
	if !knownPaths[p.Path] {
		p.Path = "unknown"
	}
	if p.Path == "" {
		p.Path = "none"
	}
	return p
}
