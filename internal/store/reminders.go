package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"rapport/internal/coaching"
)

// upcomingQuery is UpcomingAppointments': the scheduled appointments that
// start in a window, with the coach's availability and the reminders
// handled at their sequence.
var upcomingQuery = `SELECT ` + prefixed("a.", apptColumns) + `, ` + prefixed("co.", personColumns) +
	`, ` + prefixed("cl.", personColumns) + `, av.data, r.offset_minutes
	FROM appointments a JOIN users co ON co.id = a.coach_id JOIN users cl ON cl.id = a.client_id
	LEFT JOIN availability av ON av.coach_id = a.coach_id
	LEFT JOIN appointment_reminders r ON r.appointment_id = a.id AND r.sequence = a.sequence
	WHERE a.status = 'scheduled' AND a.starts_at > ? AND a.starts_at <= ?
	ORDER BY a.starts_at, a.id, r.offset_minutes`

// UpcomingAppointments lists the scheduled appointments that start in
// (from, to], by start, each with its coach's availability and the
// reminder offsets handled at its sequence: one query over one index range
// (appointments_upcoming), an appointment on as many rows as it has
// handled offsets (a few at most).
func (q *queries) UpcomingAppointments(ctx context.Context, from, to time.Time) ([]*coaching.UpcomingAppointment, error) {
	rows, err := q.query(ctx, upcomingQuery, q.d.Time(from), q.d.Time(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*coaching.UpcomingAppointment
	for rows.Next() {
		up, offset, err := scanUpcoming(rows)
		if err != nil {
			q.logger().ErrorContext(ctx, "skip an unreadable appointment", "err", err)
			continue
		}
		if n := len(out); n > 0 && out[n-1].Appointment.ID == up.Appointment.ID {
			up = out[n-1]
		} else {
			out = append(out, up)
		}
		if offset.Valid {
			up.Handled = append(up.Handled, int(offset.Int64))
		}
	}
	return out, mapErr(rows.Err())
}

// scanUpcoming reads a row of UpcomingAppointments: the appointment, its
// coach's availability and one handled offset (or NULL).
func scanUpcoming(rows *sql.Rows) (*coaching.UpcomingAppointment, sql.NullInt64, error) {
	var data []byte
	var offset sql.NullInt64
	appt, err := scanAppointment(trailing{rows, []any{&data, &offset}})
	if err != nil {
		return nil, offset, err
	}
	up := &coaching.UpcomingAppointment{Appointment: appt}
	if data != nil {
		up.Availability = &coaching.Availability{}
		if err := json.Unmarshal(data, up.Availability); err != nil {
			return nil, offset, fmt.Errorf("read the availability of coach %d: %w", appt.CoachID, err)
		}
	}
	return up, offset, nil
}

// MarkReminder records a handled reminder, and reports whether it was not
// already.
func (q *queries) MarkReminder(ctx context.Context, apptID int64, sequence, offsetMinutes int, at time.Time) (bool, error) {
	res, err := q.exec(ctx, `INSERT INTO appointment_reminders (appointment_id, sequence, offset_minutes, handled_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (appointment_id, sequence, offset_minutes) DO NOTHING`,
		apptID, sequence, offsetMinutes, q.d.Time(at))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, mapErr(err)
}

// trailing scans a row into some destinations after the ones its caller
// asks for: a scan function's columns, then a join's.
type trailing struct {
	row  interface{ Scan(...any) error }
	last []any
}

func (s trailing) Scan(dest ...any) error { return s.row.Scan(append(dest, s.last...)...) }
