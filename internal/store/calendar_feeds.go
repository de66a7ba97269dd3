package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"rapport/internal/coaching"
)

const feedColumns = `f.user_id, f.seed, f.token_hash, f.created_at`

func scanFeed(dest []any) (*coaching.CalendarFeed, []any) {
	var f coaching.CalendarFeed
	return &f, append(dest, &f.UserID, &f.Seed, &f.TokenHash, timeScan{&f.CreatedAt})
}

// PutCalendarFeed records a person's feed, replacing theirs or keeping it.
func (q *queries) PutCalendarFeed(ctx context.Context, f *coaching.CalendarFeed, replace bool) error {
	onConflict := `DO NOTHING`
	if replace {
		onConflict = `DO UPDATE SET seed = excluded.seed, token_hash = excluded.token_hash, created_at = excluded.created_at`
	}
	_, err := q.exec(ctx, `INSERT INTO calendar_feeds (user_id, seed, token_hash, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_id) `+onConflict, f.UserID, f.Seed, f.TokenHash, q.d.Time(f.CreatedAt))
	return err
}

// CalendarFeedOf returns a person's feed.
func (q *queries) CalendarFeedOf(ctx context.Context, userID int64) (*coaching.CalendarFeed, error) {
	f, dest := scanFeed(nil)
	err := q.row(ctx, `SELECT `+feedColumns+` FROM calendar_feeds f WHERE f.user_id = ?`, userID).Scan(dest...)
	if err != nil {
		return nil, notFoundErr(mapErr(err), "calendar feed")
	}
	return f, nil
}

// CalendarFeedByToken returns the feed of a token's hash and its person,
// in one query.
func (q *queries) CalendarFeedByToken(ctx context.Context, tokenHash string) (*coaching.CalendarFeed, *coaching.User, error) {
	f, dest := scanFeed(nil)
	row := q.row(ctx, `SELECT `+feedColumns+`, `+prefixed("u.", userColumns)+`
		FROM calendar_feeds f JOIN users u ON u.id = f.user_id WHERE f.token_hash = ?`, tokenHash)
	u, err := scanUser(scanner{row, dest})
	if err != nil {
		return nil, nil, notFoundErr(err, "calendar feed")
	}
	return f, u, nil
}

// PersonAppointments lists the appointments a person is coach or client of
// that start in [from, to), by start, with the other person's name and
// email only: a feed reads hundreds, and every column read costs. The two
// sides are two index ranges (appointments_coach, appointments_client).
func (q *queries) PersonAppointments(ctx context.Context, userID int64, from, to time.Time, limit int) ([]*coaching.Appointment, error) {
	f, t := q.d.Time(from), q.d.Time(to)
	rows, err := q.query(ctx, `SELECT a.id, a.coach_id, a.client_id, a.title, a.starts_at, a.duration_minutes,
		a.status, a.room_id, a.sequence, a.series_id, a.updated_at, o.id, o.name, o.email
		FROM appointments a JOIN users o ON o.id = CASE WHEN a.coach_id = ? THEN a.client_id ELSE a.coach_id END
		WHERE a.id IN (SELECT id FROM appointments WHERE coach_id = ? AND starts_at >= ? AND starts_at < ?
			UNION ALL SELECT id FROM appointments WHERE client_id = ? AND starts_at >= ? AND starts_at < ?)
		ORDER BY a.starts_at, a.id LIMIT ?`, userID, userID, f, t, userID, f, t, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]*coaching.Appointment, 0, 64)
	for rows.Next() {
		a, err := scanPersonAppointment(rows, userID)
		if err != nil {
			q.logger().ErrorContext(ctx, "skip an unreadable appointment", "err", err)
			continue
		}
		out = append(out, a)
	}
	return out, mapErr(rows.Err())
}

// scanPersonAppointment reads a row of PersonAppointments: the other
// person goes in as the appointment's Coach or Client, whichever owner is
// not.
func scanPersonAppointment(rows *sql.Rows, owner int64) (*coaching.Appointment, error) {
	var a coaching.Appointment
	var other coaching.User
	var minutes int64
	err := rows.Scan(&a.ID, &a.CoachID, &a.ClientID, &a.Title, timeScan{&a.StartsAt}, &minutes, &a.Status, &a.RoomID,
		&a.Sequence, &a.SeriesID, timeScan{&a.UpdatedAt}, &other.ID, &other.Name, &other.Email)
	if err == nil {
		err = checkReadable(&a, minutes)
	}
	if err != nil {
		return nil, fmt.Errorf("read appointment %d: %w", a.ID, mapErr(err))
	}
	a.Duration = time.Duration(minutes) * time.Minute
	if a.CoachID == owner {
		a.Client = &other
	} else {
		a.Coach = &other
	}
	return &a, nil
}
