package room

import (
	"context"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/protocol"
)

// The AI in the call. The room keeps the floor (floor.go) and tells
// everyone how it stands ("ai.floor"); the people change it (the coach
// brings the AI in, picks its mode, hands it the floor or takes it back;
// the client agrees to be heard; either sends it out); the AI's seat
// reports what it hears (a person started talking, finished a turn, the
// room went quiet, it finished speaking) and its captions. The voice
// participant itself (package voice) is summoned through Manager.Voice and
// joins as the AI's seat.

// VoiceHost brings the AI into a room's call (package voice).
type VoiceHost interface {
	// Summon starts the AI's voice participant for the appointment's room;
	// it joins the room as the AI's seat. It must not block.
	Summon(appt *coaching.Appointment)
}

// Transcripts keeps the lines the AI hears (store.DB does).
type Transcripts interface {
	AddTranscriptLine(ctx context.Context, l *coaching.TranscriptLine) error
	SetTranscriptOff(ctx context.Context, sessionID int64, off bool) error
}

// Summarizer hears of each call that ended after it started and writes
// its summary (package ai). It must not block.
type Summarizer interface {
	CallEnded(appt *coaching.Appointment, sessionID int64)
}

// errNotYours answers a floor change its sender may not make.
var errNotYours = app.Errorf(app.EFORBIDDEN, "only the coach may do that with the AI (the client may agree to be heard, or send it out)")

// floorState is the floor as the room tells it.
func (r *Room) floorState() protocol.FloorState {
	keep := r.m.Transcripts != nil && r.session != nil && !r.session.TranscriptOff
	return protocol.FloorState{Floor: r.floor.Wire(), Available: r.m.Voice != nil, Transcript: keep}
}

// roleOf is a member's part in the call.
func (r *Room) roleOf(mb *member) Role {
	switch mb.info.UserID {
	case 0:
		return RoleAI
	case r.appt.CoachID:
		return RoleCoach
	}
	return RoleClient
}

// mayCause reports whether a role may cause an event: the coach runs the
// AI, the client agrees or not, either sends it out, and only the AI's
// seat reports what it hears.
func mayCause(role Role, k FloorEventKind) bool {
	switch k {
	case Invite, SetMode, HandOver, TakeBack:
		return role == RoleCoach
	case Agree, Refuse:
		return role == RoleClient
	case Dismiss:
		return role == RoleCoach || role == RoleClient
	case SpeechStart, TurnEnded, Quiet, AIFinished:
		return role == RoleAI
	}
	return false
}

// floorEvent applies an event to the floor; people's own changes are
// answered (reqID), the AI's reports are not.
func (r *Room) floorEvent(userID int64, conn Conn, reqID string, ev FloorEvent) {
	mb := r.members[userID]
	if mb == nil || mb.conn != conn {
		return
	}
	if r.m.Voice == nil && ev.Kind == Invite {
		r.send(mb, ErrorFrame(reqID, app.Errorf(app.EUNAVAILABLE, "the AI cannot join calls on this server: set AI_BASE_URL and the speech engines")))
		return
	}
	role := r.roleOf(mb)
	if !mayCause(role, ev.Kind) {
		r.send(mb, ErrorFrame(reqID, errNotYours))
		return
	}
	ev.By = role        // people act as themselves
	if role == RoleAI { // the AI reports on a person, or on itself
		ev.By = RoleAI
		if who := r.members[ev.Who]; who != nil && ev.Who != 0 {
			ev.By = r.roleOf(who)
		}
	}
	next, effects := r.floor.Apply(ev)
	r.floor = next
	for _, e := range effects {
		switch e {
		case Changed:
			r.broadcast(protocol.NewFrame(protocol.TypeAIFloor, r.floorState()), nobody)
		case AskConsent:
			if r.m.Voice != nil {
				r.m.Voice.Summon(r.appt)
			}
		}
	}
	if reqID != "" {
		r.send(mb, protocol.Reply(reqID, protocol.TypeOK, nil))
	}
}

// caption shares a line the AI heard (from the AI's seat only).
func (r *Room) caption(userID int64, conn Conn, c protocol.Caption) {
	mb := r.members[userID]
	if mb == nil || mb.conn != conn || userID != 0 || !r.floor.Present {
		return
	}
	speaker := r.members[c.UserID] // the AI's own words too (0)
	if speaker == nil {
		return
	}
	c.Name = speaker.info.Name
	if c.Final {
		r.keepLine(c) // kept before it is shown: what people saw is on record
	}
	r.broadcast(protocol.NewFrame(protocol.TypeCaption, c), nobody)
}

// keepLine stores a final caption as a transcript line, unless the coach
// turned the session's transcript off.
func (r *Room) keepLine(c protocol.Caption) {
	if r.m.Transcripts == nil || r.session == nil || r.session.TranscriptOff {
		return
	}
	ctx, cancel := r.ctx()
	defer cancel()
	l := &coaching.TranscriptLine{SessionID: r.session.ID, SpeakerID: c.UserID, Body: c.Text, CreatedAt: r.now()}
	if err := r.m.Transcripts.AddTranscriptLine(ctx, l); err != nil {
		r.m.Log.Error("keep a transcript line", "room", r.id, "err", err)
	}
}

// setTranscript turns the session's transcript off (deleting what was
// kept) or on again: the coach's choice, told to everyone.
func (r *Room) setTranscript(userID int64, conn Conn, reqID string, keep bool) {
	mb := r.members[userID]
	if mb == nil || mb.conn != conn {
		return
	}
	switch {
	case r.roleOf(mb) != RoleCoach:
		r.send(mb, ErrorFrame(reqID, errNotYours))
		return
	case r.m.Transcripts == nil:
		r.send(mb, ErrorFrame(reqID, app.Errorf(app.EUNAVAILABLE, "this server keeps no transcripts")))
		return
	}
	ctx, cancel := r.ctx()
	defer cancel()
	if err := r.m.Transcripts.SetTranscriptOff(ctx, r.session.ID, !keep); err != nil {
		r.send(mb, ErrorFrame(reqID, err))
		return
	}
	r.session.TranscriptOff = !keep
	r.broadcast(protocol.NewFrame(protocol.TypeAIFloor, r.floorState()), nobody)
	r.send(mb, protocol.Reply(reqID, protocol.TypeOK, nil))
}

// Transcript turns the session's transcript on or off (the coach only).
func (s *Seat) Transcript(reqID string, keep bool) {
	s.r.enter(func() { s.r.setTranscript(s.userID, s.conn, reqID, keep) })
}

// FloorEvent passes a change of the floor: a person's own (by the role
// they have), or what the AI's seat reports it heard.
func (s *Seat) FloorEvent(reqID string, ev FloorEvent) {
	s.r.enter(func() { s.r.floorEvent(s.userID, s.conn, reqID, ev) })
}

// Caption shares a line the AI heard (the AI's seat only).
func (s *Seat) Caption(c protocol.Caption) {
	s.r.enter(func() { s.r.caption(s.userID, s.conn, c) })
}

// AIAvailable tells the room whether the AI could answer aloud (the AI's
// seat only): the same notice as when it cannot answer in the chat.
func (s *Seat) AIAvailable(ok bool, why string) {
	s.r.post(func() {
		if mb := s.r.members[s.userID]; mb != nil && mb.conn == s.conn && s.userID == 0 {
			s.r.setAIAvailable(ok, why)
		}
	})
}
