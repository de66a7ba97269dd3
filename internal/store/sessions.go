package store

import (
	"context"
	"database/sql"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

const sessionColumns = `id, appointment_id, opened_at, started_at, ended_at, last_active_at, duration_seconds, transcript_off`

func scanSession(s interface{ Scan(...any) error }) (*coaching.CallSession, error) {
	var cs coaching.CallSession
	var secs sql.NullInt64
	var off int64
	err := s.Scan(&cs.ID, &cs.AppointmentID, timeScan{&cs.OpenedAt}, nullTimeScan{&cs.StartedAt},
		nullTimeScan{&cs.EndedAt}, timeScan{&cs.LastActiveAt}, &secs, &off)
	if err != nil {
		return nil, mapErr(err)
	}
	cs.TranscriptOff = off != 0
	cs.Duration = time.Duration(secs.Int64) * time.Second
	return &cs, nil
}

// OpenCallSession returns the appointment's open session or opens one. The
// unique index on open sessions makes a concurrent second open fail rather
// than make two.
func (q *queries) OpenCallSession(ctx context.Context, appointmentID int64, at time.Time) (*coaching.CallSession, error) {
	cs, err := scanSession(q.row(ctx, `SELECT `+sessionColumns+` FROM call_sessions
		WHERE appointment_id = ? AND ended_at IS NULL`, appointmentID))
	if app.ErrorCode(err) != app.ENOTFOUND {
		return cs, err
	}
	cs = &coaching.CallSession{AppointmentID: appointmentID, OpenedAt: at, LastActiveAt: at}
	err = q.writeRow(ctx, `INSERT INTO call_sessions (appointment_id, opened_at, last_active_at)
		VALUES (?, ?, ?) RETURNING id`, appointmentID, q.d.Time(at), q.d.Time(at)).Scan(&cs.ID)
	return cs, mapErr(err)
}

// StartCallSession sets started_at once; a started session keeps its start.
func (q *queries) StartCallSession(ctx context.Context, id int64, at time.Time) error {
	_, err := q.exec(ctx, `UPDATE call_sessions SET started_at = ?, last_active_at = ?
		WHERE id = ? AND started_at IS NULL`, q.d.Time(at), q.d.Time(at), id)
	return err
}

// TouchCallSession records when someone was last in the room.
func (q *queries) TouchCallSession(ctx context.Context, id int64, at time.Time) error {
	res, err := q.exec(ctx, `UPDATE call_sessions SET last_active_at = ? WHERE id = ?`, q.d.Time(at), id)
	return mustAffect(res, err, "call session")
}

// EndCallSession closes a session, or deletes one that never started and
// holds no message.
func (q *queries) EndCallSession(ctx context.Context, id int64, at time.Time) (bool, error) {
	cs, err := q.CallSessionByID(ctx, id)
	if err != nil {
		return false, err
	}
	if cs.StartedAt == nil {
		res, err := q.exec(ctx, `DELETE FROM call_sessions WHERE id = ?
			AND NOT EXISTS (SELECT 1 FROM messages WHERE session_id = ?)
			AND NOT EXISTS (SELECT 1 FROM transcript_lines WHERE session_id = ?)`, id, id, id)
		if err != nil {
			return false, err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return false, nil
		}
	}
	var secs int64
	if cs.StartedAt != nil {
		secs = max(int64(at.Sub(*cs.StartedAt)/time.Second), 0)
	}
	res, err := q.exec(ctx, `UPDATE call_sessions SET ended_at = ?, last_active_at = ?, duration_seconds = ?
		WHERE id = ?`, q.d.Time(at), q.d.Time(at), secs, id)
	return true, mustAffect(res, err, "call session")
}

// CallSessionByID returns a session, or ENOTFOUND.
func (q *queries) CallSessionByID(ctx context.Context, id int64) (*coaching.CallSession, error) {
	return notFoundAs(scanSession(q.row(ctx, `SELECT `+sessionColumns+` FROM call_sessions WHERE id = ?`, id)))("call session")
}

// ListCallSessions lists the calls of an appointment, oldest first.
func (q *queries) ListCallSessions(ctx context.Context, appointmentID int64) ([]*coaching.CallSession, error) {
	return q.sessions(ctx, `SELECT `+sessionColumns+` FROM call_sessions WHERE appointment_id = ?
		ORDER BY opened_at, id LIMIT 500`, appointmentID)
}

// StaleCallSessions lists open sessions whose room was last used before before.
func (q *queries) StaleCallSessions(ctx context.Context, before time.Time) ([]*coaching.CallSession, error) {
	return q.sessions(ctx, `SELECT `+sessionColumns+` FROM call_sessions WHERE ended_at IS NULL
		AND last_active_at < ? ORDER BY id LIMIT 500`, q.d.Time(before))
}

// AppointmentsOver lists the scheduled appointments that ended by endedBy,
// had a call that started and have none open.
func (q *queries) AppointmentsOver(ctx context.Context, endedBy time.Time) ([]int64, error) {
	rows, err := q.query(ctx, `SELECT a.id FROM appointments a WHERE a.status = 'scheduled' AND a.ends_at <= ?
		AND EXISTS (SELECT 1 FROM call_sessions s WHERE s.appointment_id = a.id AND s.started_at IS NOT NULL)
		AND NOT EXISTS (SELECT 1 FROM call_sessions s WHERE s.appointment_id = a.id AND s.ended_at IS NULL)
		ORDER BY a.id LIMIT 500`, q.d.Time(endedBy))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, id)
	}
	return out, mapErr(rows.Err())
}

func (q *queries) sessions(ctx context.Context, query string, args ...any) ([]*coaching.CallSession, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*coaching.CallSession
	for rows.Next() {
		cs, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, cs)
	}
	return out, mapErr(rows.Err())
}
