package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"rapport/internal/coaching"
)

const apptColumns = `id, coach_id, client_id, title, starts_at, duration_minutes, status, room_id,
	notes, cancel_reason, call_mode, sequence, cancelled_late, series_id, occurrence_at, created_at, updated_at`

// personColumns are the parts of a user shown beside an appointment.
const personColumns = `id, email, name, avatar_url, role, status`

// apptSelect reads appointments with their coach (co) and client (cl).
var apptSelect = `SELECT ` + prefixed("a.", apptColumns) + `, ` + prefixed("co.", personColumns) +
	`, ` + prefixed("cl.", personColumns) + ` FROM appointments a
	JOIN users co ON co.id = a.coach_id JOIN users cl ON cl.id = a.client_id`

func scanAppointment(s interface{ Scan(...any) error }) (*coaching.Appointment, error) {
	a := coaching.Appointment{Coach: &coaching.User{}, Client: &coaching.User{}}
	var minutes, late int64
	co, cl := a.Coach, a.Client
	err := s.Scan(&a.ID, &a.CoachID, &a.ClientID, &a.Title, timeScan{&a.StartsAt}, &minutes,
		&a.Status, &a.RoomID, &a.Notes, &a.CancelReason, &a.CallMode, &a.Sequence, &late, &a.SeriesID, nullTimeScan{&a.OccurrenceAt}, timeScan{&a.CreatedAt}, timeScan{&a.UpdatedAt},
		&co.ID, &co.Email, &co.Name, &co.AvatarURL, &co.Role, &co.Status,
		&cl.ID, &cl.Email, &cl.Name, &cl.AvatarURL, &cl.Role, &cl.Status)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, mapErr(err)
	}
	if err == nil {
		err = checkReadable(&a, minutes)
	}
	if err != nil {
		return nil, fmt.Errorf("read appointment %d: %w", a.ID, mapErr(err))
	}
	a.Duration = time.Duration(minutes) * time.Minute
	a.CancelledLate = late != 0
	return &a, nil
}

// checkReadable refuses a stored appointment that the rest of the program
// cannot hold: a length that overflows a time.Duration, or a time outside
// the years 1-9999 that RFC 3339 (so JSON) and the SQLite layout can write.
// The service never books one; a row written some other way must not reach
// an answer that would fail half-written.
func checkReadable(a *coaching.Appointment, minutes int64) error {
	if minutes <= 0 || minutes > int64(math.MaxInt64/time.Minute) {
		return fmt.Errorf("its length of %d minutes is not a duration", minutes)
	}
	end := a.StartsAt.Add(time.Duration(minutes) * time.Minute)
	for _, t := range []time.Time{a.StartsAt, end, a.CreatedAt, a.UpdatedAt} {
		if y := t.Year(); y < 1 || y > 9999 {
			return fmt.Errorf("its time %s is out of range", t.Format(time.RFC3339))
		}
	}
	return nil
}

// CreateAppointment inserts a and sets its ID.
func (q *queries) CreateAppointment(ctx context.Context, a *coaching.Appointment) error {
	return mapErr(q.writeRow(ctx, `INSERT INTO appointments (coach_id, client_id, title, starts_at,
		ends_at, duration_minutes, status, room_id, notes, cancel_reason, call_mode, series_id, occurrence_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		a.CoachID, a.ClientID, a.Title, q.d.Time(a.StartsAt), q.d.Time(a.EndsAt()),
		int64(a.Duration/time.Minute), a.Status, a.RoomID, a.Notes, a.CancelReason, a.CallMode, a.SeriesID,
		q.nullTime(a.OccurrenceAt), q.d.Time(a.CreatedAt), q.d.Time(a.UpdatedAt)).Scan(&a.ID))
}

// AppointmentByID returns an appointment with its coach and client.
func (q *queries) AppointmentByID(ctx context.Context, id int64) (*coaching.Appointment, error) {
	return notFoundAs(scanAppointment(q.row(ctx, apptSelect+` WHERE a.id = ?`, id)))("appointment")
}

// AppointmentByRoom returns the appointment whose room is roomID.
func (q *queries) AppointmentByRoom(ctx context.Context, roomID string) (*coaching.Appointment, error) {
	return notFoundAs(scanAppointment(q.row(ctx, apptSelect+` WHERE a.room_id = ?`, roomID)))("room")
}

// UpdateAppointment writes the changeable fields of a and raises its
// sequence, which it sets in a: every change is a newer copy for the
// calendars that hold the appointment.
func (q *queries) UpdateAppointment(ctx context.Context, a *coaching.Appointment) error {
	err := q.writeRow(ctx, `UPDATE appointments SET title = ?, starts_at = ?, ends_at = ?,
		duration_minutes = ?, status = ?, notes = ?, cancel_reason = ?, call_mode = ?, cancelled_late = ?,
		updated_at = ?, sequence = sequence + 1 WHERE id = ? RETURNING sequence`,
		a.Title, q.d.Time(a.StartsAt), q.d.Time(a.EndsAt()), int64(a.Duration/time.Minute),
		a.Status, a.Notes, a.CancelReason, a.CallMode, boolInt(a.CancelledLate), q.d.Time(a.UpdatedAt), a.ID).Scan(&a.Sequence)
	return notFoundErr(mapErr(err), "appointment")
}

// ListAppointments lists appointments by start time, filtered and paged.
func (q *queries) ListAppointments(ctx context.Context, f coaching.AppointmentFilter) ([]*coaching.Appointment, error) {
	var where []string
	var args []any
	add := func(cond string, arg any) { where, args = append(where, cond), append(args, arg) }
	if f.CoachID != 0 {
		add("a.coach_id = ?", f.CoachID)
	}
	if f.ClientID != 0 {
		add("a.client_id = ?", f.ClientID)
	}
	if f.Status != "" {
		add("a.status = ?", f.Status)
	}
	if !f.From.IsZero() {
		add("a.starts_at >= ?", q.d.Time(f.From))
	}
	if !f.To.IsZero() {
		add("a.starts_at < ?", q.d.Time(f.To))
	}
	query := apptSelect
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	if f.Desc {
		query += " ORDER BY a.starts_at DESC, a.id DESC"
	} else {
		query += " ORDER BY a.starts_at, a.id"
	}
	query += " LIMIT ? OFFSET ?"
	return q.appointments(ctx, query, append(args, f.Page.Limit, f.Page.Offset)...)
}

// CoachOverlaps returns the coach's scheduled appointments and requests
// that overlap [from, to), but for the one with ID except.
func (q *queries) CoachOverlaps(ctx context.Context, coachID int64, from, to time.Time, except int64) ([]*coaching.Appointment, error) {
	return q.appointments(ctx, apptSelect+` WHERE a.coach_id = ? AND a.status IN ('scheduled', 'requested')
		AND a.starts_at < ? AND a.ends_at > ? AND a.id <> ? ORDER BY a.starts_at LIMIT 5`,
		coachID, q.d.Time(to), q.d.Time(from), except)
}

func (q *queries) appointments(ctx context.Context, query string, args ...any) ([]*coaching.Appointment, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*coaching.Appointment
	for rows.Next() {
		a, err := scanAppointment(rows)
		if err != nil {
			// One bad row must not take the whole list down: every list
			// of its coach, its client and every admin would fail with it.
			q.logger().ErrorContext(ctx, "skip an unreadable appointment", "err", err)
			continue
		}
		out = append(out, a)
	}
	return out, mapErr(rows.Err())
}

// prefixed puts prefix before every column of a comma-separated list.
func prefixed(prefix, columns string) string {
	parts := strings.Split(columns, ",")
	for i, p := range parts {
		parts[i] = prefix + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// boolInt stores a flag as the 0 or 1 both dialects keep.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// SeriesFrom returns the scheduled appointments of a series that start at
// or after a time, in order.
func (q *queries) SeriesFrom(ctx context.Context, seriesID string, from time.Time) ([]*coaching.Appointment, error) {
	return q.appointments(ctx, apptSelect+` WHERE a.series_id = ? AND a.status = 'scheduled' AND a.starts_at >= ?
		ORDER BY a.starts_at LIMIT 200`, seriesID, q.d.Time(from))
}
