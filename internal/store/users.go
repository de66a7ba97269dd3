package store

import (
	"context"
	"database/sql"
	"strings"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

const userColumns = `id, email, name, avatar_url, oidc_issuer, oidc_subject, role, status,
	session_version, role_pinned, created_at, updated_at`

// scanUser reads the userColumns of one row.
func scanUser(s interface{ Scan(...any) error }) (*coaching.User, error) {
	var u coaching.User
	var iss, sub sql.NullString
	var pinned int64
	err := s.Scan(&u.ID, &u.Email, &u.Name, &u.AvatarURL, &iss, &sub, &u.Role, &u.Status,
		&u.SessionVersion, &pinned, timeScan{&u.CreatedAt}, timeScan{&u.UpdatedAt})
	if err != nil {
		return nil, mapErr(err)
	}
	u.RolePinned = pinned != 0
	u.OIDCIssuer, u.OIDCSubject = iss.String, sub.String
	return &u, nil
}

// CreateUser inserts u and sets its ID. A taken email is ECONFLICT.
func (q *queries) CreateUser(ctx context.Context, u *coaching.User) error {
	err := q.writeRow(ctx, `INSERT INTO users (email, name, avatar_url, oidc_issuer, oidc_subject,
		role, status, session_version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		u.Email, u.Name, u.AvatarURL, nullString(u.OIDCIssuer), nullString(u.OIDCSubject),
		u.Role, u.Status, u.SessionVersion, q.d.Time(u.CreatedAt), q.d.Time(u.UpdatedAt)).Scan(&u.ID)
	if err = mapErr(err); app.ErrorCode(err) == app.ECONFLICT {
		return &app.Error{Code: app.ECONFLICT, Message: "a user with this email exists already",
			Fields: map[string]string{"email": "is taken"}}
	}
	return err
}

// UserByID returns the user with id, or ENOTFOUND.
func (q *queries) UserByID(ctx context.Context, id int64) (*coaching.User, error) {
	return notFoundAs(scanUser(q.row(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id)))("user")
}

// UserByEmail returns the user with email, compared without regard to case.
func (q *queries) UserByEmail(ctx context.Context, email string) (*coaching.User, error) {
	return notFoundAs(scanUser(q.row(ctx, `SELECT `+userColumns+` FROM users WHERE lower(email) = lower(?)`, email)))("user")
}

// UserBySubject returns the user an OIDC issuer knows as subject.
func (q *queries) UserBySubject(ctx context.Context, issuer, subject string) (*coaching.User, error) {
	return notFoundAs(scanUser(q.row(ctx, `SELECT `+userColumns+` FROM users
		WHERE oidc_issuer = ? AND oidc_subject = ?`, issuer, subject)))("user")
}

// UpdateUser writes every field of u but its ID and creation time.
func (q *queries) UpdateUser(ctx context.Context, u *coaching.User) error {
	res, err := q.exec(ctx, `UPDATE users SET email = ?, name = ?, avatar_url = ?, oidc_issuer = ?,
		oidc_subject = ?, role = ?, status = ?, session_version = ?, updated_at = ? WHERE id = ?`,
		u.Email, u.Name, u.AvatarURL, nullString(u.OIDCIssuer), nullString(u.OIDCSubject),
		u.Role, u.Status, u.SessionVersion, q.d.Time(u.UpdatedAt), u.ID)
	return mustAffect(res, err, "user")
}

// LockUser locks the user's row until the transaction ends (PostgreSQL);
// SQLite's single writer needs no lock.
func (q *queries) LockUser(ctx context.Context, id int64) error {
	if q.d.ForUpdate() == "" {
		return nil
	}
	var got int64
	err := q.row(ctx, `SELECT id FROM users WHERE id = ?`+q.d.ForUpdate(), id).Scan(&got)
	return mapErr(err)
}

// LockAppointment locks the appointment's row until the transaction ends
// (PostgreSQL); SQLite's single writer needs no lock.
func (q *queries) LockAppointment(ctx context.Context, id int64) error {
	if q.d.ForUpdate() == "" {
		return nil
	}
	var got int64
	err := q.row(ctx, `SELECT id FROM appointments WHERE id = ?`+q.d.ForUpdate(), id).Scan(&got)
	return notFoundErr(mapErr(err), "appointment")
}

// ListUsers lists users by ID, filtered.
func (q *queries) ListUsers(ctx context.Context, f coaching.UserFilter) ([]*coaching.User, error) {
	var where []string
	var args []any
	if f.Role != "" {
		where, args = append(where, "role = ?"), append(args, f.Role)
	}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, f.Status)
	}
	if s := strings.TrimSpace(f.Query); s != "" {
		like := "%" + escapeLike(strings.ToLower(s)) + "%"
		where = append(where, `(lower(email) LIKE ? ESCAPE '\' OR lower(name) LIKE ? ESCAPE '\')`)
		args = append(args, like, like)
	}
	query := `SELECT ` + userColumns + ` FROM users`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += ` ORDER BY id LIMIT ? OFFSET ?`
	return q.users(ctx, query, append(args, f.Page.Limit, f.Page.Offset)...)
}

// users runs a query of userColumns and reads every row.
func (q *queries) users(ctx context.Context, query string, args ...any) ([]*coaching.User, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*coaching.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, mapErr(rows.Err())
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// notFoundAs names what was not found in an ENOTFOUND error of a lookup.
func notFoundAs[T any](v T, err error) func(what string) (T, error) {
	return func(what string) (T, error) { return v, notFoundErr(err, what) }
}

// notFoundErr names what was not found in an ENOTFOUND error.
func notFoundErr(err error, what string) error {
	if app.ErrorCode(err) == app.ENOTFOUND {
		return app.Errorf(app.ENOTFOUND, "%s not found", what)
	}
	return err
}
