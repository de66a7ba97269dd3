package coaching

import (
	"context"
	"fmt"
	"strings"

	"rapport/internal/app"
	"rapport/internal/audit"
)

// NewUser is what an admin or operator gives to create a user ahead of their
// first sign-in.
type NewUser struct {
	Email string   `json:"email"`
	Name  string   `json:"name"`
	Role  app.Role `json:"role"`
}

// CreateUser creates an invited user with a role (admin only). Their first
// sign-in with that email makes them active and keeps the role.
func (s *Service) CreateUser(ctx context.Context, in NewUser) (*User, error) {
	if _, err := allowed(ctx, ActManageUsers); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	u := &User{Name: strings.TrimSpace(in.Name), Role: in.Role, Status: StatusInvited, CreatedAt: now, UpdatedAt: now}
	if err := ValidText("name", u.Name, SingleLine); err != nil {
		return nil, err
	}
	if err := s.validateNewUser(u, in.Email); err != nil {
		return nil, err
	}
	err := s.Store.InTx(ctx, func(q Records) error {
		if err := q.CreateUser(ctx, u); err != nil {
			return err
		}
		return audit.Record(ctx, q, s.Clock, audit.RoleChanged, u.ID, "new user: "+string(u.Role))
	})
	if err != nil {
		return nil, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// UserChange is an admin's change to a user; nil fields stay as they are.
type UserChange struct {
	Name   *string     `json:"name"`
	Role   *app.Role   `json:"role"`
	Status *UserStatus `json:"status"`
}

// UpdateUser changes a user's name, role or status (admin only). Admins may
// not change their own role or status, so that nobody locks themselves out.
// Because every request reloads the user, a change takes effect at once;
// disabling also ends every session, so that enabling again revives none.
func (s *Service) UpdateUser(ctx context.Context, id int64, ch UserChange) (*User, error) {
	a, err := allowed(ctx, ActManageUsers)
	if err != nil {
		return nil, err
	}
	var u *User
	var was User // the user before the change
	err = s.Store.InTx(ctx, func(q Records) error {
		if u, err = lockedUser(ctx, q, id); err != nil {
			return err
		}
		was = *u
		if err := applyUserChange(u, ch, a.UserID == id); err != nil {
			return err
		}
		u.UpdatedAt = s.Clock.Now()
		if err := q.UpdateUser(ctx, u); err != nil {
			return err
		}
		return s.auditUserChange(ctx, q, &was, u)
	})
	if err != nil {
		return nil, fmt.Errorf("update user %d: %w", id, err)
	}
	if was.Role != u.Role || was.Status != u.Status { // a new name changes nothing a room checks
		s.Hooks.userChanged(u.ID)
	}
	return u, nil
}

// auditUserChange records a change of role and one of status, in the
// transaction that makes them.
func (s *Service) auditUserChange(ctx context.Context, q Records, was, now *User) error {
	if was.Role != now.Role {
		if err := audit.Record(ctx, q, s.Clock, audit.RoleChanged, now.ID, string(was.Role)+" -> "+string(now.Role)); err != nil {
			return err
		}
	}
	if was.Status != now.Status {
		return audit.Record(ctx, q, s.Clock, audit.StatusChanged, now.ID, string(was.Status)+" -> "+string(now.Status))
	}
	return nil
}

func applyUserChange(u *User, ch UserChange, self bool) error {
	fields := map[string]string{}
	if ch.Name != nil {
		if err := validName(*ch.Name); err != nil {
			fields["name"] = err.Error()
		} else if msg := CheckText(*ch.Name, SingleLine); msg != "" {
			fields["name"] = msg
		}
		u.Name = strings.TrimSpace(*ch.Name)
	}
	if ch.Role != nil {
		if !ch.Role.Valid() {
			fields["role"] = "must be one of admin, coach or client"
		} else if self && *ch.Role != u.Role {
			fields["role"] = "you cannot change your own role"
		}
		u.Role = *ch.Role
	}
	if ch.Status != nil {
		if *ch.Status != StatusActive && *ch.Status != StatusDisabled && *ch.Status != u.Status {
			fields["status"] = "must be active or disabled"
		} else if self && *ch.Status != u.Status {
			fields["status"] = "you cannot change your own status"
		}
		if *ch.Status == StatusDisabled && u.Status != StatusDisabled {
			u.SessionVersion++ // enabling again later must not revive old sessions
		}
		u.Status = *ch.Status
	}
	return app.Invalid(fields)
}

// MaxQuery is the longest search, in characters.
const MaxQuery = 200

// ListUsers lists users (admin only), those matching f.Query when it is
// set: a single line of text.
func (s *Service) ListUsers(ctx context.Context, f UserFilter) ([]*User, error) {
	if _, err := allowed(ctx, ActManageUsers); err != nil {
		return nil, err
	}
	fields := map[string]string{}
	checkText(fields, "q", f.Query, SingleLine, MaxQuery)
	if err := app.Invalid(fields); err != nil {
		return nil, err
	}
	f.Page = f.Page.normalize()
	return s.Store.ListUsers(ctx, f)
}

// UserByEmail finds a user by email (admin only), for the operator's commands.
func (s *Service) UserByEmail(ctx context.Context, email string) (*User, error) {
	if _, err := allowed(ctx, ActManageUsers); err != nil {
		return nil, err
	}
	e, err := NormalizeEmail(email)
	if err != nil {
		return nil, app.Invalid(map[string]string{"email": err.Error()})
	}
	return s.Store.UserByEmail(ctx, e)
}
