package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"rapport/internal/coaching"
	"rapport/internal/conversation"
	"rapport/internal/record"
)

var _ record.Store = (*DB)(nil)

// goalSelect reads a goal with its coach's name and its last writer's.
const goalSelect = `SELECT g.id, g.coach_id, g.client_id, g.title, g.progress, g.note, g.done, g.achieved_at,
	g.created_by, g.created_at, g.updated_by, g.updated_at, co.name, co.email, up.name, up.email
	FROM goals g JOIN users co ON co.id = g.coach_id LEFT JOIN users up ON up.id = g.updated_by`

// CreateGoal stores a new goal and sets its ID.
func (q *queries) CreateGoal(ctx context.Context, g *record.Goal) error {
	return mapErr(q.writeRow(ctx, `INSERT INTO goals (coach_id, client_id, title, progress, note, done, achieved_at,
		created_by, created_at, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		g.CoachID, g.ClientID, g.Title, g.Progress, g.Note, boolInt(g.Done), q.nullTime(g.AchievedAt),
		nullID(g.CreatedBy), q.d.Time(g.CreatedAt), nullID(g.UpdatedBy), q.d.Time(g.UpdatedAt)).Scan(&g.ID))
}

// GoalByID returns a goal, or ENOTFOUND.
func (q *queries) GoalByID(ctx context.Context, id int64) (*record.Goal, error) {
	return notFoundAs(scanGoal(q.row(ctx, goalSelect+` WHERE g.id = ?`, id)))("goal")
}

// UpdateGoal stores what a goal says, whether and when it was achieved,
// and who changed it when.
func (q *queries) UpdateGoal(ctx context.Context, g *record.Goal) error {
	res, err := q.exec(ctx, `UPDATE goals SET title = ?, progress = ?, note = ?, done = ?, achieved_at = ?,
		updated_by = ?, updated_at = ? WHERE id = ?`, g.Title, g.Progress, g.Note, boolInt(g.Done), q.nullTime(g.AchievedAt),
		nullID(g.UpdatedBy), q.d.Time(g.UpdatedAt), g.ID)
	return mustAffect(res, err, "goal")
}

// DeleteGoal removes a goal, or answers ENOTFOUND.
func (q *queries) DeleteGoal(ctx context.Context, id int64) error {
	res, err := q.exec(ctx, `DELETE FROM goals WHERE id = ?`, id)
	return mustAffect(res, err, "goal")
}

// ListGoals lists a client's goals, with one coach or with all, oldest
// first.
func (q *queries) ListGoals(ctx context.Context, s record.Scope) ([]*record.Goal, error) {
	where, args := scopeWhere("g", s)
	rows, err := q.query(ctx, goalSelect+` WHERE `+where+` ORDER BY g.created_at, g.id LIMIT 1000`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*record.Goal
	for rows.Next() {
		g, err := scanGoal(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, mapErr(rows.Err())
}

// CountGoals counts a client's goals with a coach.
func (q *queries) CountGoals(ctx context.Context, coachID, clientID int64) (int, error) {
	var n int
	err := q.row(ctx, `SELECT count(*) FROM goals WHERE coach_id = ? AND client_id = ?`, coachID, clientID).Scan(&n)
	return n, mapErr(err)
}

// scanGoal reads a row of goalSelect.
func scanGoal(r interface{ Scan(...any) error }) (*record.Goal, error) {
	var g record.Goal
	var done int64
	var createdBy, updatedBy sql.NullInt64
	var coachName, coachEmail string
	var upName, upEmail sql.NullString
	err := r.Scan(&g.ID, &g.CoachID, &g.ClientID, &g.Title, &g.Progress, &g.Note, &done, nullTimeScan{&g.AchievedAt},
		&createdBy, timeScan{&g.CreatedAt}, &updatedBy, timeScan{&g.UpdatedAt}, &coachName, &coachEmail, &upName, &upEmail)
	if err != nil {
		return nil, mapErr(err)
	}
	g.Done, g.CreatedBy, g.UpdatedBy = done != 0, createdBy.Int64, updatedBy.Int64
	g.CoachName = displayName(coachName, coachEmail)
	if upEmail.Valid {
		g.UpdatedByName = displayName(upName.String, upEmail.String)
	}
	return &g, nil
}

// displayName is a person's name, or their email when they gave none.
func displayName(name, email string) string {
	return (&coaching.User{Name: name, Email: email}).DisplayName()
}

// scopeWhere is the condition that keeps the rows of table alias t (with
// client_id and coach_id columns) within the scope, and its arguments.
func scopeWhere(t string, s record.Scope) (string, []any) {
	if s.CoachID == 0 {
		return t + ".client_id = ?", []any{s.ClientID}
	}
	return t + ".client_id = ? AND " + t + ".coach_id = ?", []any{s.ClientID, s.CoachID}
}

// recordSessionSelect reads what the record shows of appointments, with
// their coach's name, how many calls each had that ended and how long
// they took (coaching.CallTime's sum), and its summary. The calls are
// summed in one pass over the scope's (%s: its condition on sa).
const recordSessionSelect = `SELECT a.id, a.coach_id, a.client_id, a.title, a.starts_at, a.duration_minutes, a.status,
	a.notes, a.cancel_reason, a.cancelled_late, co.name, co.email, COALESCE(c.n, 0), COALESCE(c.secs, 0),
	sm.body, sm.shared, sm.written_at
	FROM appointments a JOIN users co ON co.id = a.coach_id
	LEFT JOIN (SELECT s.appointment_id, count(*) AS n, SUM(s.duration_seconds) AS secs FROM call_sessions s
		JOIN appointments sa ON sa.id = s.appointment_id WHERE %s AND s.ended_at IS NOT NULL
		GROUP BY s.appointment_id) c ON c.appointment_id = a.id
	LEFT JOIN appointment_summaries sm ON sm.appointment_id = a.id`

// RecordSessions lists the scope's appointments, newest first, with their
// calls and summaries, in one query.
func (q *queries) RecordSessions(ctx context.Context, s record.Scope, limit int) ([]*record.Session, error) {
	inner, innerArgs := scopeWhere("sa", s)
	where, args := scopeWhere("a", s)
	query := fmt.Sprintf(recordSessionSelect, inner) + ` WHERE ` + where + ` ORDER BY a.starts_at DESC, a.id DESC LIMIT ?`
	rows, err := q.query(ctx, query, append(append(innerArgs, args...), limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*record.Session
	for rows.Next() {
		ss, err := scanRecordSession(rows)
		if err != nil {
			// One bad row must not take the whole record down.
			q.logger().ErrorContext(ctx, "skip an unreadable appointment", "err", err)
			continue
		}
		out = append(out, ss)
	}
	return out, mapErr(rows.Err())
}

// scanRecordSession reads a row of recordSessionSelect.
func scanRecordSession(rows *sql.Rows) (*record.Session, error) {
	a := &coaching.Appointment{Coach: &coaching.User{}}
	ss := &record.Session{Appointment: a}
	var minutes, late, seconds int64
	var body sql.NullString
	var shared sql.NullInt64
	var written *time.Time
	err := rows.Scan(&a.ID, &a.CoachID, &a.ClientID, &a.Title, timeScan{&a.StartsAt}, &minutes, &a.Status,
		&a.Notes, &a.CancelReason, &late, &a.Coach.Name, &a.Coach.Email, &ss.Calls, &seconds, &body, &shared, nullTimeScan{&written})
	if err == nil {
		err = checkReadable(a, minutes)
	}
	if err != nil {
		return nil, fmt.Errorf("read appointment %d: %w", a.ID, mapErr(err))
	}
	a.Coach.ID, a.Duration, a.CancelledLate = a.CoachID, time.Duration(minutes)*time.Minute, late != 0
	ss.Length = time.Duration(seconds) * time.Second
	if body.Valid && written != nil {
		ss.Summary = &coaching.Summary{AppointmentID: a.ID, Body: body.String, Shared: shared.Int64 != 0, WrittenAt: *written}
	}
	return ss, nil
}

// RecordTranscripts returns the first perCall lines of each of the scope's
// calls (that contain search, when it is not ""), by appointment. A call's
// first lines are those before its (perCall+1)th, whose ID one walk along
// the call's lines finds, and which says the call has more.
func (q *queries) RecordTranscripts(ctx context.Context, s record.Scope, search string, perCall int) (map[int64]*record.Excerpt, error) {
	where, args := scopeWhere("a", s)
	match, matchArgs := "", []any{}
	if search != "" {
		match, matchArgs = ` AND lower(t.body) LIKE ? ESCAPE '\'`, []any{likePattern(search)}
	}
	all := append(append(append(matchArgs, perCall), args...), matchArgs...)
	return q.recordLines(ctx, `WITH firsts AS (SELECT s.id, s.appointment_id, (SELECT t.id FROM transcript_lines t
			WHERE t.session_id = s.id`+match+` ORDER BY t.id LIMIT 1 OFFSET ?) AS next
			FROM call_sessions s JOIN appointments a ON a.id = s.appointment_id WHERE `+where+`)
		SELECT s.appointment_id, t.id, t.session_id, t.speaker_id, t.body, t.created_at, s.next IS NOT NULL FROM firsts s
		JOIN transcript_lines t ON t.session_id = s.id AND t.id < COALESCE(s.next, 9223372036854775807)`+match+`
		ORDER BY s.appointment_id, t.id`, all...)
}

// recordLines reads transcript lines by appointment; the last column says
// the line's call has more.
func (q *queries) recordLines(ctx context.Context, query string, args ...any) (map[int64]*record.Excerpt, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]*record.Excerpt{}
	for rows.Next() {
		var l record.Line
		var speaker sql.NullInt64
		var more bool
		if err := rows.Scan(&l.AppointmentID, &l.ID, &l.SessionID, &speaker, &l.Body, timeScan{&l.CreatedAt}, &more); err != nil {
			return nil, mapErr(err)
		}
		l.SpeakerID = speaker.Int64
		x := out[l.AppointmentID]
		if x == nil {
			x = &record.Excerpt{}
			out[l.AppointmentID] = x
		}
		x.Lines, x.More = append(x.Lines, &l), x.More || more
	}
	return out, mapErr(rows.Err())
}

// recordMessageSelect reads conversation messages with their files and
// their senders' names.
const recordMessageSelect = `SELECT m.id, m.conversation_id, m.seq, m.sender_id, m.client_id, m.body, m.created_at,
	f.id, f.name, f.type, f.size, f.sha256, u.name, u.email
	FROM conversation_messages m LEFT JOIN conversation_files f ON f.id = m.file_id JOIN users u ON u.id = m.sender_id`

// RecordMessages returns the newest messages of the scope's conversations
// (or those that contain search, in their text or their file's name),
// newest first: each conversation's newest by its sequence, then the
// newest of them all.
func (q *queries) RecordMessages(ctx context.Context, s record.Scope, search string, limit int) ([]*record.Message, error) {
	convs, err := q.scopeConversations(ctx, s)
	if err != nil {
		return nil, err
	}
	var all []*record.Message
	for _, c := range convs {
		cond, args := `m.conversation_id = ?`, []any{c.ID}
		if search != "" {
			like := likePattern(search)
			cond += ` AND (lower(m.body) LIKE ? ESCAPE '\' OR lower(f.name) LIKE ? ESCAPE '\')`
			args = append(args, like, like)
		}
		list, err := q.recordMessages(ctx, c.CoachID, recordMessageSelect+` WHERE `+cond+` ORDER BY m.seq DESC LIMIT ?`, append(args, limit)...)
		if err != nil {
			return nil, err
		}
		all = append(all, list...)
	}
	if len(convs) > 1 {
		slices.SortStableFunc(all, func(a, b *record.Message) int { return b.CreatedAt.Compare(a.CreatedAt) })
	}
	return all[:min(len(all), limit)], nil
}

// scopeConversations lists the scope's conversations.
func (q *queries) scopeConversations(ctx context.Context, s record.Scope) ([]*conversation.Conversation, error) {
	where, args := scopeWhere("c", s)
	rows, err := q.query(ctx, `SELECT c.id, c.coach_id FROM conversations c WHERE `+where+` ORDER BY c.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*conversation.Conversation
	for rows.Next() {
		var c conversation.Conversation
		if err := rows.Scan(&c.ID, &c.CoachID); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, &c)
	}
	return out, mapErr(rows.Err())
}

// recordMessages reads rows of recordMessageSelect of a conversation of
// coachID.
func (q *queries) recordMessages(ctx context.Context, coachID int64, query string, args ...any) ([]*record.Message, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []*record.Message
	for rows.Next() {
		m := record.Message{CoachID: coachID}
		var fid, fsize sql.NullInt64
		var fname, ftype, fsum sql.NullString
		var name, email string
		if err := rows.Scan(&m.ID, &m.ConversationID, &m.Seq, &m.SenderID, &m.ClientID, &m.Body, timeScan{&m.CreatedAt},
			&fid, &fname, &ftype, &fsize, &fsum, &name, &email); err != nil {
			return nil, mapErr(err)
		}
		if fid.Valid {
			m.File = &conversation.File{ID: fid.Int64, Name: fname.String, Type: ftype.String, Size: fsize.Int64, SHA256: fsum.String}
		}
		m.Sender = displayName(name, email)
		list = append(list, &m)
	}
	return list, mapErr(rows.Err())
}

// likePattern is a LIKE pattern (with ESCAPE '\') that finds s anywhere in
// a lowered text.
func likePattern(s string) string { return "%" + escapeLike(strings.ToLower(s)) + "%" }
