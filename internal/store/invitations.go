package store

import (
	"context"

	"rapport/internal/coaching"
)

// invitationColumns are the columns of an invitation, in scan order.
const invitationColumns = `coach_id, email, name, created_at`

// PutInvitation records a coach's invitation of an email; an invitation of
// the same email (in any case) stays as it was.
func (q *queries) PutInvitation(ctx context.Context, inv *coaching.Invitation) error {
	_, err := q.exec(ctx, `INSERT INTO invitations (coach_id, email, name, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, inv.CoachID, inv.Email, inv.Name, q.d.Time(inv.CreatedAt))
	return err
}

// DeleteInvitation removes the coach's invitation of email, or answers
// ENOTFOUND when there is none.
func (q *queries) DeleteInvitation(ctx context.Context, coachID int64, email string) error {
	res, err := q.exec(ctx, `DELETE FROM invitations WHERE coach_id = ? AND lower(email) = lower(?)`, coachID, email)
	return mustAffect(res, err, "invitation")
}

// InvitationsSent lists a coach's pending invitations, the newest first.
func (q *queries) InvitationsSent(ctx context.Context, coachID int64, p coaching.Page) ([]*coaching.Invitation, error) {
	rows, err := q.query(ctx, `SELECT `+invitationColumns+` FROM invitations WHERE coach_id = ?
		ORDER BY created_at DESC, lower(email) LIMIT ? OFFSET ?`, coachID, p.Limit, p.Offset)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*coaching.Invitation
	for rows.Next() {
		var inv coaching.Invitation
		if err := rows.Scan(&inv.CoachID, &inv.Email, &inv.Name, timeScan{&inv.CreatedAt}); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, &inv)
	}
	return out, mapErr(rows.Err())
}

// InvitationsFor lists the pending invitations of an email (in any case)
// with their coach, the newest first.
func (q *queries) InvitationsFor(ctx context.Context, email string, p coaching.Page) ([]*coaching.Invitation, error) {
	rows, err := q.query(ctx, `SELECT `+prefixed("i.", invitationColumns)+`, `+prefixed("co.", personColumns)+`
		FROM invitations i JOIN users co ON co.id = i.coach_id WHERE lower(i.email) = lower(?)
		ORDER BY i.created_at DESC, i.coach_id LIMIT ? OFFSET ?`, email, p.Limit, p.Offset)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*coaching.Invitation
	for rows.Next() {
		inv := coaching.Invitation{Coach: &coaching.User{}}
		co := inv.Coach
		if err := rows.Scan(&inv.CoachID, &inv.Email, &inv.Name, timeScan{&inv.CreatedAt},
			&co.ID, &co.Email, &co.Name, &co.AvatarURL, &co.Role, &co.Status); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, &inv)
	}
	return out, mapErr(rows.Err())
}
