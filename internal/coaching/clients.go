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

// InviteClient links a client to the calling coach, creating an invited user
// when nobody has that email yet. Inviting a linked client again is harmless.
func (s *Service) InviteClient(ctx context.Context, in Invite) (*User, error) {
	a, err := allowed(ctx, ActInvite)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	fresh := &User{Name: strings.TrimSpace(in.Name), Role: app.RoleClient, Status: StatusInvited, CreatedAt: now, UpdatedAt: now}
	if err := ValidText("name", fresh.Name, SingleLine); err != nil {
		return nil, err
	}
	if err := s.validateNewUser(fresh, in.Email); err != nil {
		return nil, err
	}
	var client *User
	err = s.Store.InTx(ctx, func(q Queries) error {
		if client, err = findOrCreateClient(ctx, q, fresh); err != nil {
			return err
		}
		if client.ID == a.UserID {
			return app.Invalid(map[string]string{"email": "is your own address"})
		}
		return q.LinkCoachClient(ctx, a.UserID, client.ID, now)
	})
	if err != nil {
		return nil, fmt.Errorf("invite client: %w", err)
	}
	return client, nil
}

// findOrCreateClient returns the user with fresh's email, which must be a
// client, or creates fresh.
func findOrCreateClient(ctx context.Context, q Queries, fresh *User) (*User, error) {
	u, err := q.UserByEmail(ctx, fresh.Email)
	switch {
	case app.ErrorCode(err) == app.ENOTFOUND:
		return fresh, q.CreateUser(ctx, fresh)
	case err != nil:
		return nil, err
	case u.Role != app.RoleClient || u.Status == StatusDisabled:
		// One answer for every such account, so that an invitation cannot
		// be used to learn who is a coach, an admin or disabled.
		return nil, app.Invalid(map[string]string{"email": "cannot be invited as a client"})
	}
	return u, nil
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
