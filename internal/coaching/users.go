package coaching

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"rapport/internal/app"
	"rapport/internal/audit"
)

// Identity is what a sign-in provider vouches for.
type Identity struct {
	Issuer        string
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
	AvatarURL     string
	// HostedDomain is Google's hd claim: the Workspace domain that manages
	// the account, empty for a consumer account.
	HostedDomain string
}

// NormalizeEmail trims an address and checks that it is one. The domain
// part is lower-cased; the whole is compared without regard to case.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("is required")
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || len(s) > 254 {
		return "", fmt.Errorf("is not a valid email address")
	}
	at := strings.LastIndexByte(s, '@')
	return s[:at] + strings.ToLower(s[at:]), nil
}

// validName checks a display name: at most 100 characters, no control characters.
func validName(s string) error {
	if utf8.RuneCountInString(s) > 100 {
		return fmt.Errorf("must be at most 100 characters")
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Errorf("must not contain control characters")
	}
	return nil
}

// SignIn finds the user for a verified identity, by issuer and subject, or
// else by email. Someone Rapport does not know yet becomes a client when the
// sign-up policy admits them. A user created beforehand with a role (by a
// coach, an operator or the membership sync) keeps it. A verified email that
// changed at the provider becomes the user's, unless another user has it.
func (s *Service) SignIn(ctx context.Context, id Identity) (*User, error) {
	return s.SignInThrough(ctx, id, nil)
}

// SignInThrough signs in as SignIn does, for someone who came through a
// public booking link (via; nil: none). Someone Rapport does not know is
// then admitted even when the sign-up policy would not, if the link offers
// that session type to new people, and becomes a client of its coach; a
// link that does not (an unknown slug, a type not open to new people)
// admits nobody.
func (s *Service) SignInThrough(ctx context.Context, id Identity, via *PublicLink) (*User, error) {
	if strings.TrimSpace(id.Email) == "" {
		return nil, app.Errorf(app.EUNAUTHORIZED, "your sign-in provider shares no email address with Rapport; ask its administrator to release your email to this application")
	}
	if !id.EmailVerified {
		return nil, app.Errorf(app.EUNAUTHORIZED, "your email address is not verified with your sign-in provider")
	}
	email, err := NormalizeEmail(id.Email)
	if err != nil {
		return nil, app.Errorf(app.EUNAUTHORIZED, "your sign-in provider gave no usable email address")
	}
	var user *User
	err = s.Store.InTx(ctx, func(q Records) error {
		user, err = s.signInTx(ctx, q, id, email, via)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	return user, nil
}

func (s *Service) signInTx(ctx context.Context, q Records, id Identity, email string, via *PublicLink) (*User, error) {
	u, err := q.UserBySubject(ctx, id.Issuer, id.Subject)
	bySubject := err == nil
	if app.ErrorCode(err) == app.ENOTFOUND {
		u, err = q.UserByEmail(ctx, email)
	}
	if err == nil {
		u, err = lockedUser(ctx, q, u.ID)
	}
	now := s.Clock.Now()
	switch {
	case app.ErrorCode(err) == app.ENOTFOUND:
		return s.signUp(ctx, q, id, email, via)
	case err != nil:
		return nil, err
	case u.Status == StatusDisabled:
		return nil, app.Errorf(app.EUNAUTHORIZED, "this account is disabled; ask your coach or the administrator")
	case !bySubject && u.OIDCSubject != "" && (u.OIDCSubject != id.Subject || u.OIDCIssuer != id.Issuer):
		return nil, app.Errorf(app.EUNAUTHORIZED, "this email address is linked to another sign-in account")
	}
	if bySubject && !strings.EqualFold(u.Email, email) {
		if err := emailFree(ctx, q, u.ID, email); err != nil {
			return nil, err
		}
		u.Email = email
	}
	fillIdentity(u, id)
	u.Status = StatusActive
	u.UpdatedAt = now
	return u, q.UpdateUser(ctx, u)
}

// emailFree checks that no user but userID has email, before a user's
// email follows a change at the provider.
func emailFree(ctx context.Context, q Records, userID int64, email string) error {
	other, err := q.UserByEmail(ctx, email)
	switch {
	case app.ErrorCode(err) == app.ENOTFOUND:
		return nil
	case err != nil:
		return err
	case other.ID != userID:
		return app.Errorf(app.ECONFLICT, "your email address changed to %s at your sign-in provider, and another Rapport account already uses it; nothing was changed: ask the administrator to sort the two accounts out", email)
	}
	return nil
}

// lockedUser loads a user under a row lock, so that what the transaction
// writes back cannot undo a change made meanwhile (a disable, a sign-out).
func lockedUser(ctx context.Context, q Records, id int64) (*User, error) {
	if err := q.LockUser(ctx, id); err != nil {
		return nil, err
	}
	return q.UserByID(ctx, id)
}

// fillIdentity copies what the provider says onto the user, keeping a name
// the user already has.
func fillIdentity(u *User, id Identity) {
	u.OIDCIssuer, u.OIDCSubject = id.Issuer, id.Subject
	if u.Name == "" || u.Status == StatusInvited {
		if n := strings.TrimSpace(id.Name); n != "" && validName(n) == nil {
			u.Name = n
		}
	}
	if strings.HasPrefix(id.AvatarURL, "https://") && len(id.AvatarURL) < 1000 {
		u.AvatarURL = id.AvatarURL
	}
}

// DevSignIn signs in by email alone, creating the user with role; someone
// who exists keeps theirs, so that an invited client who signs in without
// looking at the role does not become a coach. Only the dev sign-in, which
// exists on loopback alone and behind its token, calls it.
func (s *Service) DevSignIn(ctx context.Context, email, name string, role app.Role) (*User, error) {
	now := s.Clock.Now()
	u := &User{Name: strings.TrimSpace(name), Role: role, Status: StatusActive, CreatedAt: now, UpdatedAt: now}
	if err := s.validateNewUser(u, email); err != nil {
		return nil, err
	}
	err := s.Store.InTx(ctx, func(q Records) error {
		old, err := q.UserByEmail(ctx, u.Email)
		if app.ErrorCode(err) == app.ENOTFOUND {
			return q.CreateUser(ctx, u)
		}
		if err == nil {
			old, err = lockedUser(ctx, q, old.ID)
		}
		if err != nil {
			return err
		}
		if old.Status == StatusDisabled {
			return app.Errorf(app.EUNAUTHORIZED, "this account is disabled")
		}
		old.Status, old.UpdatedAt = StatusActive, now
		if u.Name != "" {
			old.Name = u.Name
		}
		*u = *old
		return q.UpdateUser(ctx, u)
	})
	if err != nil {
		return nil, fmt.Errorf("dev sign in: %w", err)
	}
	return u, nil
}

// validateNewUser normalizes the email of u and checks its fields.
func (s *Service) validateNewUser(u *User, email string) error {
	fields := map[string]string{}
	e, err := NormalizeEmail(email)
	if err != nil {
		fields["email"] = err.Error()
	}
	u.Email = e
	if err := validName(u.Name); err != nil {
		fields["name"] = err.Error()
	}
	if !u.Role.Valid() {
		fields["role"] = "must be one of admin, coach or client"
	}
	if !u.Status.Valid() {
		fields["status"] = "must be one of active, invited or disabled"
	}
	return app.Invalid(fields)
}

// Me returns the signed-in user.
func (s *Service) Me(ctx context.Context) (*User, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	return s.Store.UserByID(ctx, a.UserID)
}

// SignOutEverywhere ends every session of the caller on every device.
func (s *Service) SignOutEverywhere(ctx context.Context) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	err = s.Store.InTx(ctx, func(q Records) error {
		u, err := lockedUser(ctx, q, a.UserID)
		if err != nil {
			return err
		}
		u.SessionVersion++
		u.UpdatedAt = s.Clock.Now()
		if err := q.UpdateUser(ctx, u); err != nil {
			return err
		}
		return q.DeleteUserSessions(ctx, u.ID)
	})
	if err == nil {
		s.Hooks.userChanged(a.UserID)
	}
	return err
}

// PinRole keeps the Skool sync from changing a user's role and status
// (pinned), or lets it again: for admins.
func (s *Service) PinRole(ctx context.Context, userID int64, pinned bool) error {
	if _, err := requireRole(ctx, app.RoleAdmin); err != nil {
		return err
	}
	detail := "unpinned: the Skool sync may change it"
	if pinned {
		detail = "pinned: the Skool sync leaves it"
	}
	return s.Store.InTx(ctx, func(q Records) error {
		if err := q.PinRole(ctx, userID, pinned); err != nil {
			return err
		}
		return audit.Record(ctx, q, s.Clock, audit.RolePinned, userID, detail)
	})
}
