package room

import "time"

// startIfTwo starts the call when the second person is here: the session's
// start is stored and everyone gets the timer.
func (r *Room) startIfTwo() error {
	if r.humans() < 2 || r.session.StartedAt != nil {
		return nil
	}
	ctx, cancel := r.ctx()
	defer cancel()
	if err := r.m.Calls.StartCall(ctx, r.session); err != nil {
		return err
	}
	r.broadcast(NewFrame("timer", r.timerInfo()), 0)
	r.scheduleWarnings()
	return nil
}

func (r *Room) timerInfo() TimerInfo {
	return TimerInfo{StartedAt: r.session.StartedAt, ScheduledStart: r.appt.StartsAt,
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
		r.warnings = append(r.warnings, time.AfterFunc(wait, func() {
			r.box.post(func() { r.broadcast(NewFrame("timer.warning", Warning{Kind: kind, ScheduledEnd: end}), 0) })
		}))
	}
}

// emptied starts the grace period of an empty room: a rejoin within it
// continues the same session; after it the session ends.
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
	r.grace = time.AfterFunc(r.m.Grace, func() { r.box.post(r.graceOver) })
}

func (r *Room) stopGrace() {
	if r.grace != nil {
		r.grace.Stop()
		r.grace = nil
	}
}

// graceOver ends the session of a room that stayed empty: it ended when the
// last person left. A scheduled appointment whose call started is completed.
func (r *Room) graceOver() {
	if r.humans() > 0 || r.grace == nil {
		return
	}
	r.grace = nil
	if r.pending > 0 { // let the last messages land first
		r.grace = time.AfterFunc(100*time.Millisecond, func() { r.box.post(r.graceOver) })
		return
	}
	ctx, cancel := r.ctx()
	defer cancel()
	if err := r.m.Calls.EndCall(ctx, r.session, r.emptiedAt); err != nil {
		r.m.Log.Error("end call session", "room", r.id, "err", err)
	}
	r.m.Log.Info("call ended", "room", r.id, "session", r.session.ID, "started", r.session.StartedAt != nil)
	for _, mb := range r.members { // the AI, if it stayed
		mb.removed = true
		mb.conn.Close(ReasonRoomEnded)
	}
	r.end()
}

// end stops the room's timers and goroutine and forgets it.
func (r *Room) end() {
	for _, t := range r.warnings {
		t.Stop()
	}
	r.stopGrace()
	r.m.forget(r)
	r.box.close()
}
