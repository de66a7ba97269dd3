package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"rapport/internal/coaching"
	"rapport/internal/notes"
)

var _ notes.Store = (*DB)(nil)

// noteSelect reads a note with its coach's name and its session's title
// and start.
const noteSelect = `SELECT n.id, n.coach_id, n.client_id, n.appointment_id, n.body, n.ai_may_read, n.created_at, n.updated_at,
	u.name, u.email, a.title, a.starts_at
	FROM private_notes n JOIN users u ON u.id = n.coach_id LEFT JOIN appointments a ON a.id = n.appointment_id`

// CreateNote stores a new private note and sets its ID.
func (q *queries) CreateNote(ctx context.Context, n *notes.Note) error {
	return mapErr(q.writeRow(ctx, `INSERT INTO private_notes (coach_id, client_id, appointment_id, body, ai_may_read, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, n.CoachID, n.ClientID, nullID(n.AppointmentID), n.Body, boolInt(n.AIMayRead),
		q.d.Time(n.CreatedAt), q.d.Time(n.UpdatedAt)).Scan(&n.ID))
}

// NoteByID returns a note, or ENOTFOUND.
func (q *queries) NoteByID(ctx context.Context, id int64) (*notes.Note, error) {
	return notFoundAs(scanNote(q.row(ctx, noteSelect+` WHERE n.id = ?`, id)))("note")
}

// UpdateNote stores a note's body, AI flag and time of change.
func (q *queries) UpdateNote(ctx context.Context, n *notes.Note) error {
	res, err := q.exec(ctx, `UPDATE private_notes SET body = ?, ai_may_read = ?, updated_at = ? WHERE id = ?`,
		n.Body, boolInt(n.AIMayRead), q.d.Time(n.UpdatedAt), n.ID)
	return mustAffect(res, err, "note")
}

// DeleteNote removes a note, or answers ENOTFOUND.
func (q *queries) DeleteNote(ctx context.Context, id int64) error {
	res, err := q.exec(ctx, `DELETE FROM private_notes WHERE id = ?`, id)
	return mustAffect(res, err, "note")
}

// ListNotes lists the notes f asks for, newest first.
func (q *queries) ListNotes(ctx context.Context, f notes.Filter) ([]*notes.Note, error) {
	var where []string
	var args []any
	for _, c := range []struct {
		col string
		v   int64
	}{{"n.coach_id", f.CoachID}, {"n.client_id", f.ClientID}, {"n.appointment_id", f.AppointmentID}} {
		if c.v != 0 {
			where, args = append(where, c.col+" = ?"), append(args, c.v)
		}
	}
	query := noteSelect
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY n.created_at DESC, n.id DESC LIMIT ? OFFSET ?"
	return q.notes(ctx, query, append(args, f.Page.Limit, f.Page.Offset)...)
}

// AINotes returns the notes of a coach about a client that the coach lets
// the AI co-coach read, newest first (ai.SessionMemory).
func (q *queries) AINotes(ctx context.Context, coachID, clientID int64, limit int) ([]*notes.Note, error) {
	return q.notes(ctx, noteSelect+` WHERE n.coach_id = ? AND n.client_id = ? AND n.ai_may_read = 1
		ORDER BY n.created_at DESC, n.id DESC LIMIT ?`, coachID, clientID, limit)
}

func (q *queries) notes(ctx context.Context, query string, args ...any) ([]*notes.Note, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*notes.Note
	for rows.Next() {
		n, err := scanNote(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, mapErr(rows.Err())
}

// scanNote reads a row of noteSelect.
func scanNote(r interface{ Scan(...any) error }) (*notes.Note, error) {
	var n notes.Note
	var appt sql.NullInt64
	var ai int64
	var name, email string
	var title sql.NullString
	var startsAt *time.Time
	err := r.Scan(&n.ID, &n.CoachID, &n.ClientID, &appt, &n.Body, &ai, timeScan{&n.CreatedAt}, timeScan{&n.UpdatedAt},
		&name, &email, &title, nullTimeScan{&startsAt})
	if err != nil {
		return nil, mapErr(err)
	}
	n.AppointmentID, n.AIMayRead, n.SessionTitle = appt.Int64, ai != 0, title.String
	n.CoachName = (&coaching.User{Name: name, Email: email}).DisplayName()
	if startsAt != nil {
		n.SessionStartAt = *startsAt
	}
	return &n, nil
}

// CreateNoteTemplate stores a coach's new template and sets its ID; a name
// they have already is ECONFLICT.
func (q *queries) CreateNoteTemplate(ctx context.Context, t *notes.Template) error {
	return mapErr(q.writeRow(ctx, `INSERT INTO note_templates (coach_id, name, body, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?) RETURNING id`, t.CoachID, t.Name, t.Body, q.d.Time(t.CreatedAt), q.d.Time(t.UpdatedAt)).Scan(&t.ID))
}

// NoteTemplateByID returns a template, or ENOTFOUND.
func (q *queries) NoteTemplateByID(ctx context.Context, id int64) (*notes.Template, error) {
	return notFoundAs(scanTemplate(q.row(ctx, templateSelect+` WHERE id = ?`, id)))("template")
}

// UpdateNoteTemplate stores a template's name, body and time of change.
func (q *queries) UpdateNoteTemplate(ctx context.Context, t *notes.Template) error {
	res, err := q.exec(ctx, `UPDATE note_templates SET name = ?, body = ?, updated_at = ? WHERE id = ?`,
		t.Name, t.Body, q.d.Time(t.UpdatedAt), t.ID)
	return mustAffect(res, err, "template")
}

// DeleteNoteTemplate removes a template, or answers ENOTFOUND.
func (q *queries) DeleteNoteTemplate(ctx context.Context, id int64) error {
	res, err := q.exec(ctx, `DELETE FROM note_templates WHERE id = ?`, id)
	return mustAffect(res, err, "template")
}

// ListNoteTemplates lists a coach's templates by name.
func (q *queries) ListNoteTemplates(ctx context.Context, coachID int64) ([]*notes.Template, error) {
	rows, err := q.query(ctx, templateSelect+` WHERE coach_id = ? ORDER BY name, id`, coachID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*notes.Template
	for rows.Next() {
		t, err := scanTemplate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, mapErr(rows.Err())
}

// nullID stores the ID 0 as NULL.
func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

const templateSelect = `SELECT id, coach_id, name, body, created_at, updated_at FROM note_templates`

func scanTemplate(r interface{ Scan(...any) error }) (*notes.Template, error) {
	var t notes.Template
	err := r.Scan(&t.ID, &t.CoachID, &t.Name, &t.Body, timeScan{&t.CreatedAt}, timeScan{&t.UpdatedAt})
	if err != nil {
		return nil, mapErr(err)
	}
	return &t, nil
}
