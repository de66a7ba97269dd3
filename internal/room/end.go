package room

import (
	"rapport/internal/app"
	"rapport/internal/protocol"
)

// EndedByCoach is the reason of a "room.ended" frame when the coach pressed
// End session: the appointment is completed and the room will not open
// again.
const EndedByCoach = "ended_by_coach"

var (
	errOnlyCoachEnds = app.Errorf(app.EFORBIDDEN, "only the coach can end the session")
	errEnded         = app.Errorf(app.EFORBIDDEN, "the coach ended this session; its room is closed")
)

// End is the coach's End session: the call ends, the appointment is
// completed at once, and the room closes for everyone.
func (s *Seat) End(reqID string) {
	s.r.enter(func() { s.r.endByCoach(s.userID, s.conn, reqID) })
}

// endByCoach completes the appointment and closes the room, when the coach
// asks; anyone else (the client, the AI's seat) is refused.
func (r *Room) endByCoach(userID int64, conn Conn, reqID string) {
	mb := r.members[userID]
	if mb == nil || mb.conn != conn {
		return
	}
	if r.roleOf(mb) != RoleCoach {
		r.send(mb, ErrorFrame(reqID, errOnlyCoachEnds))
		return
	}
	ctx, cancel := r.ctx()
	defer cancel()
	if err := r.m.Calls.EndAppointment(ctx, r.session, r.now()); err != nil {
		r.m.Log.Error("end appointment", "room", r.id, "err", err)
		r.send(mb, ErrorFrame(reqID, err))
		return
	}
	r.m.Log.Info("session ended by the coach", "room", r.id, "session", r.session.ID)
	r.send(mb, protocol.Reply(reqID, protocol.TypeOK, nil))
	r.broadcast(protocol.NewFrame(protocol.TypeRoomEnded, protocol.Ended{Reason: EndedByCoach, UserID: userID, Name: mb.info.Name}), nobody)
	r.ended, r.closing = true, true // no more joins or chat; what is being stored is delivered first
	r.closeEnded()
}

// closeEnded closes every connection with ReasonRoomEnded and ends the
// room, once the messages being stored have been delivered.
func (r *Room) closeEnded() {
	if r.pending > 0 {
		r.afterStored(r.closeEnded)
		return
	}
	if r.m.Summarizer != nil && r.session.StartedAt != nil {
		r.m.Summarizer.CallEnded(r.appt, r.session.ID)
	}
	for _, mb := range r.members {
		mb.removed = true
		r.m.paths.move(mb.info.Path, "")
		mb.conn.Close(ReasonRoomEnded)
	}
	r.members = map[int64]*member{}
	r.end()
}
