package coaching

import (
	"context"
	"fmt"
	"strings"

	"rapport/internal/app"
)

// Invite is a coach's invitation of a client by email.
type Invite struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

// InviteClient asks whoever has an email to work with the calling coach. The
// invitation waits, by email, until its person accepts it
// (AcceptInvitation); until then the coach sees nothing of them and books
// nothing with them. The answer is the same whether or not an account has
// the email, and whatever account it is (a coach, an admin, a disabled
// one), so that nobody learns through it who is on the platform. Sign-up
// is by invitation, so an email nobody has becomes an invited client, who
// can then sign in. Inviting a client of the coach's, or an email invited
// already, changes nothing.
func (s *Service) InviteClient(ctx context.Context, in Invite) (*Invitation, error) {
	a, err := allowed(ctx, ActInvite)
	if err != nil {
		return nil, err
	}
	inv, fresh, err := s.newInvitation(a, in)
	if err != nil {
		return nil, err
	}
	var invitee *User
	err = s.Store.InTx(ctx, func(q Records) error {
		invitee, err = s.invite(ctx, q, a, inv, fresh)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("invite client: %w", err)
	}
	if invitee != nil {
		s.tellInvited(ctx, invitee, inv)
	}
	return inv, nil
}

// newInvitation checks an invitation by a, and returns it with the invited
// client to create when nobody has its email.
func (s *Service) newInvitation(a *app.Actor, in Invite) (*Invitation, *User, error) {
	now := s.Clock.Now()
	fresh := &User{Name: strings.TrimSpace(in.Name), Role: app.RoleClient, Status: StatusInvited, CreatedAt: now, UpdatedAt: now}
	if err := ValidText("name", fresh.Name, SingleLine); err != nil {
		return nil, nil, err
	}
	if err := s.validateNewUser(fresh, in.Email); err != nil {
		return nil, nil, err
	}
	return &Invitation{CoachID: a.UserID, Email: fresh.Email, Name: fresh.Name, CreatedAt: now}, fresh, nil
}

// invite writes the invitation and queues its email, unless the coach
// works with the email's client already, and creates fresh when nobody
// has the email. The email goes to the address whoever has it, so that
// the answer tells nothing. It returns the person to tell of the
// invitation now: a client who may sign in.
func (s *Service) invite(ctx context.Context, q Records, a *app.Actor, inv *Invitation, fresh *User) (*User, error) {
	u, err := q.UserByEmail(ctx, inv.Email)
	switch {
	case app.ErrorCode(err) == app.ENOTFOUND:
		if err := q.CreateUser(ctx, fresh); err != nil {
			return nil, err
		}
		return nil, s.putInvitation(ctx, q, inv)
	case err != nil:
		return nil, err
	case u.ID == a.UserID:
		return nil, app.Invalid(map[string]string{"email": "is your own address"})
	}
	linked, err := q.IsCoachOf(ctx, a.UserID, u.ID)
	if err != nil || linked {
		return nil, err
	}
	if err := s.putInvitation(ctx, q, inv); err != nil {
		return nil, err
	}
	if u.Role != app.RoleClient || u.Status == StatusDisabled {
		return nil, nil // they could not accept: nothing to tell them
	}
	return u, nil
}

// putInvitation writes the invitation and queues its email, in q's
// transaction.
func (s *Service) putInvitation(ctx context.Context, q Records, inv *Invitation) error {
	if err := q.PutInvitation(ctx, inv); err != nil {
		return err
	}
	return s.queueInvitationEmail(ctx, q, inv)
}

// ListClients lists the caller's clients (a coach), or every client (an admin).
func (s *Service) ListClients(ctx context.Context, p Page) ([]*User, error) {
	a, err := requireRole(ctx, app.RoleCoach, app.RoleAdmin)
	if err != nil {
		return nil, err
	}
	if a.Role == app.RoleAdmin {
		return s.Store.ListUsers(ctx, UserFilter{Role: app.RoleClient, Page: p.normalize()})
	}
	return s.Store.ListClients(ctx, a.UserID, p.normalize())
}

// ListCoaches lists the coaches of the calling client.
func (s *Service) ListCoaches(ctx context.Context, p Page) ([]*User, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	return s.Store.ListCoaches(ctx, a.UserID, p.normalize())
}

// Client returns one of the caller's clients (or any client, for an admin).
func (s *Service) Client(ctx context.Context, id int64) (*User, error) {
	if err := s.canReadUser(ctx, id); err != nil {
		return nil, err
	}
	return s.Store.UserByID(ctx, id)
}

// canReadUser allows the user themselves, an admin, and a coach of theirs;
// anyone else is told the user does not exist.
func (s *Service) canReadUser(ctx context.Context, id int64) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if a.UserID == id || a.Role == app.RoleAdmin {
		return nil
	}
	if a.Role == app.RoleCoach {
		ok, err := s.Store.IsCoachOf(ctx, a.UserID, id)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
	}
	return notFound("user")
}
