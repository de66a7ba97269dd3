package store

import (
	"context"
	"database/sql"
	"time"

	"rapport/internal/coaching"
)

// CreateCallSession inserts a call session and sets its ID.
func (q *queries) CreateCallSession(ctx context.Context, s *coaching.CallSession) error {
	return mapErr(q.writeRow(ctx, `INSERT INTO call_sessions (appointment_id, started_at)
		VALUES (?, ?) RETURNING id`, s.AppointmentID, q.d.Time(s.StartedAt)).Scan(&s.ID))
}

// EndCallSession records when a call ended and how long it ran.
func (q *queries) EndCallSession(ctx context.Context, id int64, at time.Time) error {
	var started time.Time
	if err := q.row(ctx, `SELECT started_at FROM call_sessions WHERE id = ?`, id).
		Scan(timeScan{&started}); err != nil {
		return notFoundErr(mapErr(err), "call session")
	}
	secs := int64(at.Sub(started) / time.Second)
	res, err := q.exec(ctx, `UPDATE call_sessions SET ended_at = ?, duration_seconds = ? WHERE id = ?`,
		q.d.Time(at), max(secs, 0), id)
	return mustAffect(res, err, "call session")
}

// ListCallSessions lists the calls of an appointment, oldest first.
func (q *queries) ListCallSessions(ctx context.Context, appointmentID int64) ([]*coaching.CallSession, error) {
	rows, err := q.query(ctx, `SELECT id, appointment_id, started_at, ended_at, duration_seconds
		FROM call_sessions WHERE appointment_id = ? ORDER BY started_at, id LIMIT 500`, appointmentID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*coaching.CallSession
	for rows.Next() {
		var s coaching.CallSession
		var secs sql.NullInt64
		if err := rows.Scan(&s.ID, &s.AppointmentID, timeScan{&s.StartedAt}, nullTimeScan{&s.EndedAt}, &secs); err != nil {
			return nil, mapErr(err)
		}
		s.Duration = time.Duration(secs.Int64) * time.Second
		out = append(out, &s)
	}
	return out, mapErr(rows.Err())
}

func notFoundErr(err error, what string) error {
	_, err = notFoundAs(struct{}{}, err)(what)
	return err
}
