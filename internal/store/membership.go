package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"rapport/internal/coaching"
	"rapport/internal/membership"
)

// MembershipState reads the users, their Skool records and the last good
// run's counts, for a sync.
func (db *DB) MembershipState(ctx context.Context) (*membership.State, error) {
	q := &db.queries
	st := &membership.State{LastGood: map[membership.Community]int{}}
	var err error
	if st.Users, err = q.membershipUsers(ctx); err != nil {
		return nil, err
	}
	if st.Records, err = q.membershipRecords(ctx); err != nil {
		return nil, err
	}
	var coaches, clients int
	err = q.row(ctx, `SELECT coaches, clients FROM membership_runs WHERE outcome = 'ok' ORDER BY id DESC LIMIT 1`).Scan(&coaches, &clients)
	if err != nil && err != sql.ErrNoRows {
		return nil, mapErr(err)
	}
	st.LastGood[membership.Coaches], st.LastGood[membership.Clients] = coaches, clients
	return st, nil
}

func (q *queries) membershipUsers(ctx context.Context) ([]membership.User, error) {
	rows, err := q.query(ctx, `SELECT id, email, name, role, status, role_pinned, oidc_subject IS NOT NULL FROM users`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []membership.User
	for rows.Next() {
		var u membership.User
		var pinned int64
		if err := rows.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Status, &pinned, &u.SignedIn); err != nil {
			return nil, mapErr(err)
		}
		u.Pinned = pinned != 0
		out = append(out, u)
	}
	return out, mapErr(rows.Err())
}

func (q *queries) membershipRecords(ctx context.Context) ([]membership.Record, error) {
	rows, err := q.query(ctx, `SELECT email, community, status, joined_at, access_ends_at, left_at, grace_until, last_seen_at, gone FROM memberships`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []membership.Record
	for rows.Next() {
		var r membership.Record
		var joined, seen *time.Time
		var gone int64
		if err := rows.Scan(&r.Email, &r.Community, &r.Status, nullTimeScan{&joined}, nullTimeScan{&r.AccessEnds},
			nullTimeScan{&r.LeftAt}, nullTimeScan{&r.GraceUntil}, nullTimeScan{&seen}, &gone); err != nil {
			return nil, mapErr(err)
		}
		if joined != nil {
			r.Joined = *joined
		}
		if seen != nil {
			r.LastSeen = *seen
		}
		r.Gone = gone != 0
		out = append(out, r)
	}
	return out, mapErr(rows.Err())
}

// StartMembershipRun records that a run began.
func (db *DB) StartMembershipRun(ctx context.Context, at time.Time) (int64, error) {
	var id int64
	err := db.queries.writeRow(ctx, `INSERT INTO membership_runs (started_at, outcome) VALUES (?, 'running') RETURNING id`, db.Dialect.Time(at)).Scan(&id)
	return id, mapErr(err)
}

// FinishMembershipRun records how a run ended.
func (db *DB) FinishMembershipRun(ctx context.Context, r *membership.Run) error {
	return db.queries.finishRun(ctx, r)
}

func (q *queries) finishRun(ctx context.Context, r *membership.Run) error {
	res, err := q.exec(ctx, `UPDATE membership_runs SET finished_at = ?, outcome = ?, coaches = ?, clients = ?, changes = ?, message = ?
		WHERE id = ?`, q.d.Time(*r.Finished), r.Outcome, r.Coaches, r.Clients, r.Changes, r.Message, r.ID)
	return mustAffect(res, err, "membership run")
}

// ApplyMembershipPlan applies a run's plan in one transaction: users
// prepared or changed (a disabled user's sessions end) with their audit
// entries, records, a history row for every change, and the run finished.
// Nothing is half-written.
func (db *DB) ApplyMembershipPlan(ctx context.Context, p membership.Plan, run *membership.Run) error {
	return db.inTx(ctx, func(q *queries) error {
		at := *run.Finished
		ids := map[string]int64{}
		for _, c := range p.Users {
			id, err := q.applyUserChange(ctx, c, at)
			if err != nil {
				return err
			}
			ids[strings.ToLower(c.Email)] = id
			for _, e := range c.Audit(id, at) {
				if err := q.Record(ctx, &e); err != nil {
					return err
				}
			}
		}
		for _, r := range p.Records {
			if err := q.putRecord(ctx, r); err != nil {
				return err
			}
		}
		for _, e := range p.Events {
			if e.UserID == 0 {
				e.UserID = ids[strings.ToLower(e.Email)]
			}
			if err := q.addMembershipEvent(ctx, run.ID, e, at); err != nil {
				return err
			}
		}
		return q.finishRun(ctx, run)
	})
}

// applyUserChange prepares a user (ID 0) or changes one; it returns the ID.
func (q *queries) applyUserChange(ctx context.Context, c membership.UserChange, at time.Time) (int64, error) {
	if c.ID == 0 {
		u := &coaching.User{Email: c.Email, Name: c.Name, Role: c.ToRole, Status: c.ToStatus, CreatedAt: at, UpdatedAt: at}
		if err := q.CreateUser(ctx, u); err != nil {
			return 0, err
		}
		return u.ID, nil
	}
	bump := 0
	if c.ToStatus == coaching.StatusDisabled {
		bump = 1 // their sessions end
	}
	res, err := q.exec(ctx, `UPDATE users SET role = ?, status = ?, session_version = session_version + ?, updated_at = ?
		WHERE id = ? AND role_pinned = 0 AND role <> 'admin'`, c.ToRole, c.ToStatus, bump, q.d.Time(at), c.ID)
	return c.ID, mustAffect(res, err, "user")
}

func (q *queries) putRecord(ctx context.Context, r membership.Record) error {
	var joined any
	if !r.Joined.IsZero() {
		joined = q.d.Time(r.Joined)
	}
	gone := 0
	if r.Gone {
		gone = 1
	}
	_, err := q.exec(ctx, `INSERT INTO memberships (email, community, status, joined_at, access_ends_at, left_at, grace_until, last_seen_at, gone)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (email, community) DO UPDATE SET status = excluded.status, joined_at = excluded.joined_at,
		access_ends_at = excluded.access_ends_at, left_at = excluded.left_at, grace_until = excluded.grace_until,
		last_seen_at = excluded.last_seen_at, gone = excluded.gone`,
		strings.ToLower(r.Email), r.Community, r.Status, joined, q.nullTime(r.AccessEnds), q.nullTime(r.LeftAt), q.nullTime(r.GraceUntil),
		q.d.Time(r.LastSeen), gone)
	return err
}

func (q *queries) nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return q.d.Time(*t)
}

func (q *queries) addMembershipEvent(ctx context.Context, runID int64, e membership.Event, at time.Time) error {
	var user any
	if e.UserID != 0 {
		user = e.UserID
	}
	_, err := q.exec(ctx, `INSERT INTO membership_events (run_id, user_id, email, what, from_value, to_value, reason, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, runID, user, strings.ToLower(e.Email), e.What, e.From, e.To, e.Why, q.d.Time(at))
	return err
}

// MembershipRuns lists the last runs, newest first.
func (db *DB) MembershipRuns(ctx context.Context, limit int) ([]membership.Run, error) {
	rows, err := db.queries.query(ctx, `SELECT id, started_at, finished_at, outcome, coaches, clients, changes, message
		FROM membership_runs ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []membership.Run
	for rows.Next() {
		var r membership.Run
		if err := rows.Scan(&r.ID, timeScan{&r.Started}, nullTimeScan{&r.Finished}, &r.Outcome, &r.Coaches, &r.Clients, &r.Changes, &r.Message); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, r)
	}
	return out, mapErr(rows.Err())
}

// MembershipHistory lists the changes made to a person (by email), newest
// first.
func (db *DB) MembershipHistory(ctx context.Context, email string, limit int) ([]membership.HistoryEvent, error) {
	rows, err := db.queries.query(ctx, `SELECT run_id, user_id, email, what, from_value, to_value, reason, created_at
		FROM membership_events WHERE email = ? ORDER BY id DESC LIMIT ?`, strings.ToLower(email), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []membership.HistoryEvent
	for rows.Next() {
		var e membership.HistoryEvent
		var user sql.NullInt64
		if err := rows.Scan(&e.RunID, &user, &e.Email, &e.What, &e.From, &e.To, &e.Why, timeScan{&e.At}); err != nil {
			return nil, mapErr(err)
		}
		e.UserID = user.Int64
		out = append(out, e)
	}
	return out, mapErr(rows.Err())
}

// PinRole keeps the sync from changing a user's role and status (pinned),
// or lets it again.
func (q *queries) PinRole(ctx context.Context, userID int64, pinned bool) error {
	v := 0
	if pinned {
		v = 1
	}
	res, err := q.exec(ctx, `UPDATE users SET role_pinned = ? WHERE id = ?`, v, userID)
	return mustAffect(res, err, "user")
}
