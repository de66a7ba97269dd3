package room

import (
	"time"

	"rapport/internal/protocol"
)

// startIfTwo starts the call when the second person is here: the session's
// start is stored. It reports whether it started, so that the caller sends
// everyone the timer.
func (r *Room) startIfTwo() (bool, error) {
	if r.humans() < 2 || r.session.StartedAt != nil {
		return false, nil
	}
	ctx, cancel := r.ctx()
	defer cancel()
	if err := r.m.Calls.StartCall(ctx, r.session); err != nil {
		return false, err
	}
	r.scheduleWarnings()
	return true, nil
}

func (r *Room) timerInfo() protocol.TimerInfo {
	return protocol.TimerInfo{StartedAt: r.session.StartedAt, ScheduledStart: r.appt.StartsAt,
		ScheduledEnd: r.appt.EndsAt(), ServerTime: r.now()}
}

// scheduleWarnings arms the warnings at five minutes before the scheduled
// end and at the end. The call is never cut.
func (r *Room) scheduleWarnings() {
	if len(r.warnings) > 0 {
		return
	}
	end := r.appt.EndsAt()
	for kind, at := range map[string]time.Time{"five_minutes": end.Add(-5 * time.Minute), "ended": end} {
		wait := at.Sub(r.now())
		if wait <= 0 {
			continue
		}
		kind := kind
		r.warnings = append(r.warnings, r.m.Clock.AfterFunc(wait, func() {
			r.post(func() {
				r.broadcast(protocol.NewFrame(protocol.TypeTimerWarning, protocol.Warning{Kind: kind, ScheduledEnd: end}), nobody)
			})
		}))
	}
}

// emptied starts the grace period of an empty room: a rejoin within it
// continues the same session; after it the session ends, and a later rejoin
// within the appointment's slot starts another.
func (r *Room) emptied() {
	r.emptiedAt = r.now()
	if r.closing {
		return
	}
	ctx, cancel := r.ctx()
	defer cancel()
	if err := r.m.Calls.TouchCall(ctx, r.session, r.emptiedAt); err != nil {
		r.m.Log.Error("touch call session", "room", r.id, "err", err)
	}
	r.graceGen++
	gen := r.graceGen
	r.grace = r.m.Clock.AfterFunc(r.m.Grace, func() { r.post(func() { r.graceOver(gen) }) })
}

func (r *Room) stopGrace() {
	if r.grace != nil {
		r.grace.Stop()
		r.grace = nil
		r.graceGen++ // a timer that fired meanwhile finds itself stale
	}
}

// graceOver ends the session of a room that stayed empty: it ended when the
// last person left. The appointment stays open for a rejoin (a new session)
// until its room closes; Calls.EndCall completes it only after that.
func (r *Room) graceOver(gen int) {
	if gen != r.graceGen || r.humans() > 0 || r.grace == nil {
		return
	}
	if r.pending > 0 { // let the last messages land first
		r.afterStored(func() { r.graceOver(gen) })
		return
	}
	r.grace = nil
	ctx, cancel := r.ctx()
	defer cancel()
	if err := r.m.Calls.EndCall(ctx, r.session, r.emptiedAt); err != nil {
		r.m.Log.Error("end call session", "room", r.id, "err", err)
	}
	r.m.Log.Info("call ended", "room", r.id, "session", r.session.ID, "started", r.session.StartedAt != nil)
	if r.m.Summarizer != nil && r.session.StartedAt != nil {
		r.m.Summarizer.CallEnded(r.appt, r.session.ID)
	}
	for _, mb := range r.members { // the AI, if it stayed
		mb.removed = true
		mb.conn.Close(ReasonRoomEnded)
	}
	r.end()
}

// end stops the room's timers and goroutine and forgets it.
func (r *Room) end() {
	r.stopAI()
	for _, t := range r.warnings {
		t.Stop()
	}
	r.stopGrace()
	r.m.forget(r)
	r.box.close()
}
