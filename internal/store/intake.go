package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"rapport/internal/coaching"
	"rapport/internal/intake"
)

// The database keeps the questionnaires (package intake's Store), and
// its transactions hold intake's records beside coaching's.
var (
	_ intake.Store   = (*DB)(nil)
	_ intake.Records = (*queries)(nil)
)

const questionnaireColumns = `id, coach_id, title, intro, questions, next_question, ask_every_booking, version_id, changed,
	created_at, updated_at`

// scanQuestionnaire reads the questionnaireColumns of one row.
func scanQuestionnaire(s interface{ Scan(...any) error }) (*intake.Questionnaire, error) {
	var qn intake.Questionnaire
	var questions []byte
	var every, changed int64
	var version sql.NullInt64
	err := s.Scan(&qn.ID, &qn.CoachID, &qn.Title, &qn.Intro, &questions, &qn.NextQuestion, &every, &version, &changed,
		timeScan{&qn.CreatedAt}, timeScan{&qn.UpdatedAt})
	if err != nil {
		return nil, mapErr(err)
	}
	if err := json.Unmarshal(questions, &qn.Questions); err != nil {
		return nil, fmt.Errorf("read the questions of questionnaire %d: %w", qn.ID, err)
	}
	qn.Repeat, qn.VersionID, qn.Changed = every == 1, version.Int64, changed == 1
	return &qn, nil
}

// questionsJSON is the stored form of a list of questions: never null.
func questionsJSON(list []intake.Question) (string, error) {
	if list == nil {
		list = []intake.Question{}
	}
	b, err := json.Marshal(list)
	return string(b), err
}

// CreateQuestionnaire stores a new questionnaire and sets its ID.
func (q *queries) CreateQuestionnaire(ctx context.Context, qn *intake.Questionnaire) error {
	questions, err := questionsJSON(qn.Questions)
	if err != nil {
		return err
	}
	return mapErr(q.writeRow(ctx, `INSERT INTO questionnaires (coach_id, title, intro, questions, next_question, ask_every_booking,
		version_id, changed, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		qn.CoachID, qn.Title, qn.Intro, questions, qn.NextQuestion, boolInt(qn.Repeat), nullID(qn.VersionID), boolInt(qn.Changed),
		q.d.Time(qn.CreatedAt), q.d.Time(qn.UpdatedAt)).Scan(&qn.ID))
}

// UpdateQuestionnaire writes a questionnaire's content and state.
func (q *queries) UpdateQuestionnaire(ctx context.Context, qn *intake.Questionnaire) error {
	questions, err := questionsJSON(qn.Questions)
	if err != nil {
		return err
	}
	res, err := q.exec(ctx, `UPDATE questionnaires SET title = ?, intro = ?, questions = ?, next_question = ?,
		ask_every_booking = ?, version_id = ?, changed = ?, updated_at = ? WHERE id = ?`,
		qn.Title, qn.Intro, questions, qn.NextQuestion, boolInt(qn.Repeat), nullID(qn.VersionID), boolInt(qn.Changed),
		q.d.Time(qn.UpdatedAt), qn.ID)
	return mustAffect(res, err, "questionnaire")
}

// Questionnaire returns a questionnaire that is not archived, with the
// session types (not archived) that ask for it.
func (q *queries) Questionnaire(ctx context.Context, id int64) (*intake.Questionnaire, error) {
	qn, err := scanQuestionnaire(q.row(ctx, `SELECT `+questionnaireColumns+` FROM questionnaires WHERE id = ? AND archived = 0`, id))
	if err != nil {
		return nil, notFoundErr(err, "questionnaire")
	}
	types, err := q.askingTypes(ctx, `s.questionnaire_id = ?`, id)
	qn.SessionTypeIDs = types[qn.ID]
	return qn, err
}

// Questionnaires lists a coach's questionnaires that are not archived, by
// title, each with its session types.
func (q *queries) Questionnaires(ctx context.Context, coachID int64) ([]*intake.Questionnaire, error) {
	rows, err := q.query(ctx, `SELECT `+questionnaireColumns+` FROM questionnaires WHERE coach_id = ? AND archived = 0
		ORDER BY lower(title), id LIMIT 200`, coachID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*intake.Questionnaire
	for rows.Next() {
		qn, err := scanQuestionnaire(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, qn)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	types, err := q.askingTypes(ctx, `s.questionnaire_id IN (SELECT id FROM questionnaires WHERE coach_id = ?)`, coachID)
	for _, qn := range out {
		qn.SessionTypeIDs = types[qn.ID]
	}
	return out, err
}

// askingTypes maps questionnaires to the session types (not archived)
// that ask for them, of the rows where says.
func (q *queries) askingTypes(ctx context.Context, where string, args ...any) (map[int64][]int64, error) {
	rows, err := q.query(ctx, `SELECT s.questionnaire_id, s.session_type_id FROM session_type_questionnaires s
		JOIN session_types t ON t.id = s.session_type_id WHERE t.archived = 0 AND `+where+` ORDER BY s.session_type_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]int64{}
	for rows.Next() {
		var qid, tid int64
		if err := rows.Scan(&qid, &tid); err != nil {
			return nil, mapErr(err)
		}
		out[qid] = append(out[qid], tid)
	}
	return out, mapErr(rows.Err())
}

// LockQuestionnaire locks a questionnaire's row until the transaction
// ends (PostgreSQL); SQLite's single writer needs no lock.
func (q *queries) LockQuestionnaire(ctx context.Context, id int64) error {
	if q.d.ForUpdate() == "" {
		return nil
	}
	var got int64
	return notFoundErr(mapErr(q.row(ctx, `SELECT id FROM questionnaires WHERE id = ?`+q.d.ForUpdate(), id).Scan(&got)), "questionnaire")
}

// ArchiveQuestionnaire hides a questionnaire and detaches it from every
// session type; its versions and requests stay.
func (q *queries) ArchiveQuestionnaire(ctx context.Context, id int64, at time.Time) error {
	res, err := q.exec(ctx, `UPDATE questionnaires SET archived = 1, updated_at = ? WHERE id = ? AND archived = 0`, q.d.Time(at), id)
	if err = mustAffect(res, err, "questionnaire"); err == nil {
		_, err = q.exec(ctx, `DELETE FROM session_type_questionnaires WHERE questionnaire_id = ?`, id)
	}
	return err
}

// SetSessionTypes makes exactly typeIDs ask for the questionnaire.
func (q *queries) SetSessionTypes(ctx context.Context, questionnaireID int64, typeIDs []int64) error {
	if _, err := q.exec(ctx, `DELETE FROM session_type_questionnaires WHERE questionnaire_id = ?`, questionnaireID); err != nil {
		return err
	}
	for _, tid := range typeIDs {
		if _, err := q.exec(ctx, `INSERT INTO session_type_questionnaires (session_type_id, questionnaire_id) VALUES (?, ?)
			ON CONFLICT (session_type_id) DO UPDATE SET questionnaire_id = excluded.questionnaire_id`, tid, questionnaireID); err != nil {
			return err
		}
	}
	return nil
}

// QuestionnaireOfType returns the questionnaire (not archived) a session
// type asks for, without its session types, or ENOTFOUND.
func (q *queries) QuestionnaireOfType(ctx context.Context, typeID int64) (*intake.Questionnaire, error) {
	qn, err := scanQuestionnaire(q.row(ctx, `SELECT `+prefixed("q.", questionnaireColumns)+` FROM session_type_questionnaires s
		JOIN questionnaires q ON q.id = s.questionnaire_id WHERE s.session_type_id = ? AND q.archived = 0`, typeID))
	return qn, notFoundErr(err, "questionnaire")
}

// CreateVersion stores a version numbered after its questionnaire's last
// one and sets its ID and Number.
func (q *queries) CreateVersion(ctx context.Context, v *intake.Version) error {
	questions, err := questionsJSON(v.Questions)
	if err != nil {
		return err
	}
	return mapErr(q.writeRow(ctx, `INSERT INTO questionnaire_versions (questionnaire_id, number, title, intro, questions, created_at)
		VALUES (?, (SELECT COALESCE(MAX(number), 0) + 1 FROM questionnaire_versions WHERE questionnaire_id = ?), ?, ?, ?, ?)
		RETURNING id, number`, v.QuestionnaireID, v.QuestionnaireID, v.Title, v.Intro, questions, q.d.Time(v.CreatedAt)).Scan(&v.ID, &v.Number))
}

const versionColumns = `v.id, v.questionnaire_id, v.number, v.title, v.intro, v.questions, v.created_at`

// versionDest is where a row's versionColumns go, and what reads the
// questions after the scan.
func versionDest(v *intake.Version) ([]any, func() error) {
	var questions []byte
	dest := []any{&v.ID, &v.QuestionnaireID, &v.Number, &v.Title, &v.Intro, &questions, timeScan{&v.CreatedAt}}
	return dest, func() error {
		if err := json.Unmarshal(questions, &v.Questions); err != nil {
			return fmt.Errorf("read the questions of questionnaire version %d: %w", v.ID, err)
		}
		return nil
	}
}

// Version returns a questionnaire version, or ENOTFOUND.
func (q *queries) Version(ctx context.Context, id int64) (*intake.Version, error) {
	var v intake.Version
	dest, finish := versionDest(&v)
	if err := q.row(ctx, `SELECT `+versionColumns+` FROM questionnaire_versions v WHERE v.id = ?`, id).Scan(dest...); err != nil {
		return nil, notFoundErr(mapErr(err), "questionnaire version")
	}
	return &v, finish()
}

// CreateRequest stores a new request and sets its ID.
func (q *queries) CreateRequest(ctx context.Context, r *intake.Request) error {
	answers, err := answersJSON(r.Answers)
	if err != nil {
		return err
	}
	return mapErr(q.writeRow(ctx, `INSERT INTO questionnaire_requests (questionnaire_id, version_id, coach_id, client_id,
		appointment_id, answers, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, r.QuestionnaireID, r.VersionID, r.CoachID,
		r.ClientID, nullID(r.AppointmentID), answers, q.d.Time(r.SentAt)).Scan(&r.ID))
}

// answersJSON is the stored form of answers: never null.
func answersJSON(a intake.Answers) (string, error) {
	if a == nil {
		a = intake.Answers{}
	}
	b, err := json.Marshal(a)
	return string(b), err
}

// requestSelect reads requests with their versions and people.
const requestSelect = `SELECT r.id, r.questionnaire_id, r.version_id, r.coach_id, r.client_id, r.appointment_id, r.answers,
	r.sent_at, r.saved_at, r.submitted_at, ` + versionColumns + `, c.name, c.email, k.name, k.email
	FROM questionnaire_requests r JOIN questionnaire_versions v ON v.id = r.version_id
	JOIN users c ON c.id = r.coach_id JOIN users k ON k.id = r.client_id`

// scanRequest reads a row of requestSelect.
func scanRequest(s interface{ Scan(...any) error }) (*intake.Request, error) {
	r := &intake.Request{Version: &intake.Version{}, Coach: &coaching.User{}, Client: &coaching.User{}}
	var appt sql.NullInt64
	var answers []byte
	vdest, finish := versionDest(r.Version)
	dest := append([]any{&r.ID, &r.QuestionnaireID, &r.VersionID, &r.CoachID, &r.ClientID, &appt, &answers,
		timeScan{&r.SentAt}, nullTimeScan{&r.SavedAt}, nullTimeScan{&r.SubmittedAt}}, vdest...)
	dest = append(dest, &r.Coach.Name, &r.Coach.Email, &r.Client.Name, &r.Client.Email)
	if err := s.Scan(dest...); err != nil {
		return nil, mapErr(err)
	}
	r.AppointmentID, r.Coach.ID, r.Client.ID = appt.Int64, r.CoachID, r.ClientID
	if err := json.Unmarshal(answers, &r.Answers); err != nil {
		return nil, fmt.Errorf("read the answers of questionnaire request %d: %w", r.ID, err)
	}
	return r, finish()
}

// Request returns a request with its version and people, or ENOTFOUND.
func (q *queries) Request(ctx context.Context, id int64) (*intake.Request, error) {
	r, err := scanRequest(q.row(ctx, requestSelect+` WHERE r.id = ?`, id))
	return r, notFoundErr(err, "questionnaire request")
}

// Requests lists the requests f asks for, newest first.
func (q *queries) Requests(ctx context.Context, f intake.RequestFilter) ([]*intake.Request, error) {
	var where []string
	var args []any
	for _, c := range []struct {
		column string
		id     int64
	}{{"r.coach_id", f.CoachID}, {"r.client_id", f.ClientID}, {"r.questionnaire_id", f.QuestionnaireID}, {"r.appointment_id", f.AppointmentID}} {
		if c.id != 0 {
			where, args = append(where, c.column+" = ?"), append(args, c.id)
		}
	}
	if f.Linked {
		where = append(where, "EXISTS (SELECT 1 FROM coach_clients cc WHERE cc.coach_id = r.coach_id AND cc.client_id = r.client_id)")
	}
	switch f.State {
	case intake.OpenState:
		where = append(where, "r.submitted_at IS NULL")
	case intake.SubmittedState:
		where = append(where, "r.submitted_at IS NOT NULL")
	}
	query := requestSelect
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Page.Limit
	if limit <= 0 {
		limit = 50
	}
	rows, err := q.query(ctx, query+` ORDER BY r.sent_at DESC, r.id DESC LIMIT ? OFFSET ?`, append(args, limit, f.Page.Offset)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*intake.Request
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, mapErr(rows.Err())
}

// SaveAnswers writes a request's answers as a draft, or submits them; a
// request submitted already is left alone, ECONFLICT.
func (q *queries) SaveAnswers(ctx context.Context, id int64, a intake.Answers, at time.Time, submit bool) error {
	answers, err := answersJSON(a)
	if err != nil {
		return err
	}
	set := `answers = ?, saved_at = ?`
	args := []any{answers, q.d.Time(at)}
	if submit {
		set, args = set+`, submitted_at = ?`, append(args, q.d.Time(at))
	}
	res, err := q.exec(ctx, `UPDATE questionnaire_requests SET `+set+` WHERE id = ? AND submitted_at IS NULL`, append(args, id)...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return mapErr(err)
	} else if n == 0 {
		return intake.ErrSubmitted
	}
	return nil
}
