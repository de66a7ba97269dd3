package store

import (
	"context"
	"time"

	"rapport/internal/coaching"
)

// CreateSeries stores a series' rule.
func (q *queries) CreateSeries(ctx context.Context, s *coaching.Series) error {
	_, err := q.exec(ctx, `INSERT INTO series (id, every_weeks, count, time_zone, first_start, duration_minutes,
		title, sequence, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.EveryWeeks, s.Count, s.Zone, q.d.Time(s.FirstStart), int64(s.Duration/time.Minute), s.Title,
		s.Sequence, q.d.Time(s.CreatedAt))
	return mapErr(err)
}

// Series returns a series' rule, or ENOTFOUND.
func (q *queries) Series(ctx context.Context, id string) (*coaching.Series, error) {
	var s coaching.Series
	var minutes int64
	err := q.row(ctx, `SELECT id, every_weeks, count, time_zone, first_start, duration_minutes, title, sequence,
		created_at FROM series WHERE id = ?`, id).Scan(&s.ID, &s.EveryWeeks, &s.Count, &s.Zone,
		timeScan{&s.FirstStart}, &minutes, &s.Title, &s.Sequence, timeScan{&s.CreatedAt})
	if err != nil {
		return nil, notFoundErr(mapErr(err), "series")
	}
	s.Duration = time.Duration(minutes) * time.Minute
	return &s, nil
}

// RaiseSeriesSequence raises a series' sequence and returns it: the
// series is sent to calendars again.
func (q *queries) RaiseSeriesSequence(ctx context.Context, id string) (int, error) {
	var seq int
	err := q.writeRow(ctx, `UPDATE series SET sequence = sequence + 1 WHERE id = ? RETURNING sequence`, id).Scan(&seq)
	return seq, notFoundErr(mapErr(err), "series")
}

// SeriesAppointments returns every occurrence of a series, whatever its
// status, in the order of the rule.
func (q *queries) SeriesAppointments(ctx context.Context, id string) ([]*coaching.Appointment, error) {
	return q.appointments(ctx, apptSelect+` WHERE a.series_id = ? ORDER BY a.occurrence_at, a.starts_at LIMIT 200`, id)
}
