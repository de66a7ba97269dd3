package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"rapport/internal/coaching"
)

// Availability returns a coach's availability, or ENOTFOUND.
func (q *queries) Availability(ctx context.Context, coachID int64) (*coaching.Availability, error) {
	var data []byte
	if err := q.row(ctx, `SELECT data FROM availability WHERE coach_id = ?`, coachID).Scan(&data); err != nil {
		return nil, notFoundErr(mapErr(err), "availability")
	}
	var av coaching.Availability
	if err := json.Unmarshal(data, &av); err != nil {
		return nil, fmt.Errorf("read the availability of coach %d: %w", coachID, err)
	}
	return &av, nil
}

// PutAvailability stores a coach's availability, replacing theirs.
func (q *queries) PutAvailability(ctx context.Context, coachID int64, av *coaching.Availability, at time.Time) error {
	data, err := json.Marshal(av)
	if err != nil {
		return fmt.Errorf("encode availability: %w", err)
	}
	_, err = q.exec(ctx, `INSERT INTO availability (coach_id, data, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (coach_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`,
		coachID, string(data), q.d.Time(at))
	return err
}

const sessionTypeColumns = `id, coach_id, name, duration_minutes, description, call_mode, audience, confirm, created_at`

func scanSessionType(s interface{ Scan(...any) error }) (*coaching.SessionType, error) {
	var st coaching.SessionType
	err := s.Scan(&st.ID, &st.CoachID, &st.Name, &st.Minutes, &st.Description, &st.CallMode, &st.Audience, &st.Confirm, timeScan{&st.CreatedAt})
	if err != nil {
		return nil, mapErr(err)
	}
	st.Duration = time.Duration(st.Minutes) * time.Minute
	return &st, nil
}

// CreateSessionType stores a new session type and sets its ID. An empty
// Confirm is stored, and set, as instant: the column's default.
func (q *queries) CreateSessionType(ctx context.Context, st *coaching.SessionType) error {
	if st.Confirm == "" {
		st.Confirm = coaching.ConfirmInstant
	}
	return mapErr(q.writeRow(ctx, `INSERT INTO session_types (coach_id, name, duration_minutes, description, call_mode,
		audience, confirm, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, st.CoachID, st.Name, int64(st.Duration/time.Minute),
		st.Description, st.CallMode, st.Audience, st.Confirm, q.d.Time(st.CreatedAt)).Scan(&st.ID))
}

// SessionTypes lists a coach's session types that are not archived, by name.
func (q *queries) SessionTypes(ctx context.Context, coachID int64) ([]*coaching.SessionType, error) {
	rows, err := q.query(ctx, `SELECT `+sessionTypeColumns+` FROM session_types
		WHERE coach_id = ? AND archived = 0 ORDER BY lower(name), id LIMIT 100`, coachID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*coaching.SessionType
	for rows.Next() {
		st, err := scanSessionType(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, mapErr(rows.Err())
}

// SessionType returns a session type that is not archived, or ENOTFOUND.
func (q *queries) SessionType(ctx context.Context, id int64) (*coaching.SessionType, error) {
	return notFoundAs(scanSessionType(q.row(ctx, `SELECT `+sessionTypeColumns+` FROM session_types
		WHERE id = ? AND archived = 0`, id)))("session type")
}

// ArchiveSessionType stops offering a coach's session type.
func (q *queries) ArchiveSessionType(ctx context.Context, coachID, id int64) (bool, error) {
	res, err := q.exec(ctx, `UPDATE session_types SET archived = 1 WHERE id = ? AND coach_id = ? AND archived = 0`, id, coachID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, mapErr(err)
}

// CoachBusy returns the times of the coach's scheduled appointments and
// requests that overlap from..to, in order.
func (q *queries) CoachBusy(ctx context.Context, coachID int64, from, to time.Time) ([]coaching.Busy, error) {
	rows, err := q.query(ctx, `SELECT starts_at, ends_at, status FROM appointments WHERE coach_id = ?
		AND status IN ('scheduled', 'requested') AND starts_at < ? AND ends_at > ? ORDER BY starts_at`,
		coachID, q.d.Time(to), q.d.Time(from))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []coaching.Busy
	for rows.Next() {
		var b coaching.Busy
		var status coaching.AppointmentStatus
		if err := rows.Scan(timeScan{&b.Start}, timeScan{&b.End}, &status); err != nil {
			return nil, mapErr(err)
		}
		b.Requested = status == coaching.ApptRequested
		out = append(out, b)
	}
	return out, mapErr(rows.Err())
}
