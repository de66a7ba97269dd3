package store

import (
	"context"
	"database/sql"
	"time"

	"rapport/internal/coaching"
)

// AddTranscriptLine stores a line the AI heard (speakerID 0: its own).
func (q *queries) AddTranscriptLine(ctx context.Context, l *coaching.TranscriptLine) error {
	var speaker any
	if l.SpeakerID != 0 {
		speaker = l.SpeakerID
	}
	return mapErr(q.writeRow(ctx, `INSERT INTO transcript_lines (session_id, speaker_id, body, created_at)
		VALUES (?, ?, ?, ?) RETURNING id`, l.SessionID, speaker, l.Body, q.d.Time(l.CreatedAt)).Scan(&l.ID))
}

// TranscriptLines returns a session's lines in the order they were said,
// after the line after (0: from the start), limit at most.
func (q *queries) TranscriptLines(ctx context.Context, sessionID, after int64, limit int) ([]*coaching.TranscriptLine, error) {
	rows, err := q.query(ctx, `SELECT id, session_id, speaker_id, body, created_at FROM transcript_lines
		WHERE session_id = ? AND id > ? ORDER BY id LIMIT ?`, sessionID, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*coaching.TranscriptLine
	for rows.Next() {
		var l coaching.TranscriptLine
		var speaker sql.NullInt64
		if err := rows.Scan(&l.ID, &l.SessionID, &speaker, &l.Body, timeScan{&l.CreatedAt}); err != nil {
			return nil, mapErr(err)
		}
		l.SpeakerID = speaker.Int64
		out = append(out, &l)
	}
	return out, mapErr(rows.Err())
}

// SetTranscriptOff turns a session's transcript off (nothing more is
// stored, and what was is deleted) or back on.
func (q *queries) SetTranscriptOff(ctx context.Context, sessionID int64, off bool) error {
	v := 0
	if off {
		v = 1
	}
	res, err := q.exec(ctx, `UPDATE call_sessions SET transcript_off = ? WHERE id = ?`, v, sessionID)
	if err := mustAffect(res, err, "call session"); err != nil {
		return err
	}
	if off {
		_, err = q.exec(ctx, `DELETE FROM transcript_lines WHERE session_id = ?`, sessionID)
	}
	return err
}

// PutSummary stores (or replaces) an appointment's summary, keeping
// whether it is shared.
func (q *queries) PutSummary(ctx context.Context, s *coaching.Summary) error {
	_, err := q.exec(ctx, `INSERT INTO appointment_summaries (appointment_id, body, shared, written_at) VALUES (?, ?, 0, ?)
		ON CONFLICT (appointment_id) DO UPDATE SET body = excluded.body, written_at = excluded.written_at`,
		s.AppointmentID, s.Body, q.d.Time(s.WrittenAt))
	return err
}

// ShareSummary lets the client read an appointment's summary, or not.
func (q *queries) ShareSummary(ctx context.Context, appointmentID int64, shared bool) error {
	v := 0
	if shared {
		v = 1
	}
	res, err := q.exec(ctx, `UPDATE appointment_summaries SET shared = ? WHERE appointment_id = ?`, v, appointmentID)
	return mustAffect(res, err, "summary")
}

// SummaryOf returns an appointment's summary, or ENOTFOUND.
func (q *queries) SummaryOf(ctx context.Context, appointmentID int64) (*coaching.Summary, error) {
	var s coaching.Summary
	var shared int64
	err := q.row(ctx, `SELECT appointment_id, body, shared, written_at FROM appointment_summaries WHERE appointment_id = ?`,
		appointmentID).Scan(&s.AppointmentID, &s.Body, &shared, timeScan{&s.WrittenAt})
	s.Shared = shared != 0
	return notFoundAs(&s, mapErr(err))("summary")
}

// RecentSummaries returns the summaries of a coach's earlier appointments
// with a client, newest first, of appointments that started before before.
func (q *queries) RecentSummaries(ctx context.Context, coachID, clientID int64, before time.Time, limit int) ([]*coaching.Summary, error) {
	rows, err := q.query(ctx, `SELECT s.appointment_id, s.body, s.shared, s.written_at FROM appointment_summaries s
		JOIN appointments a ON a.id = s.appointment_id
		WHERE a.coach_id = ? AND a.client_id = ? AND a.starts_at < ?
		ORDER BY a.starts_at DESC LIMIT ?`, coachID, clientID, q.d.Time(before), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*coaching.Summary
	for rows.Next() {
		var s coaching.Summary
		var shared int64
		if err := rows.Scan(&s.AppointmentID, &s.Body, &shared, timeScan{&s.WrittenAt}); err != nil {
			return nil, mapErr(err)
		}
		s.Shared = shared != 0
		out = append(out, &s)
	}
	return out, mapErr(rows.Err())
}
