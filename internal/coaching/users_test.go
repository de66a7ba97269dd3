package coaching_test

import (
	"context"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

const issuer = "https://id.example.com"

// ident is a verified identity from the usual issuer.
func ident(subject, email string) coaching.Identity {
	return coaching.Identity{Issuer: issuer, Subject: subject, Email: email, EmailVerified: true,
		Name: "Provider Name", AvatarURL: "https://img.example.com/a.png"}
}

// MustSignIn signs in with id and fails the test if that is refused.
func MustSignIn(t *testing.T, w *world, id coaching.Identity) *coaching.User {
	t.Helper()
	u, err := w.svc.SignIn(context.Background(), id)
	if err != nil {
		t.Fatalf("sign in %s: %v", id.Email, err)
	}
	return u
}

// MustCreateUser creates an invited user as the admin.
func MustCreateUser(t *testing.T, w *world, email string, role app.Role) *coaching.User {
	t.Helper()
	u, err := w.svc.CreateUser(as(w.admin), coaching.NewUser{Email: email, Name: "Given by admin", Role: role})
	if err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return u
}

// MustUpdateUser applies ch to user id as the admin.
func MustUpdateUser(t *testing.T, w *world, id int64, ch coaching.UserChange) {
	t.Helper()
	if _, err := w.svc.UpdateUser(as(w.admin), id, ch); err != nil {
		t.Fatalf("update user %d: %v", id, err)
	}
}

// MustCountUsers fails unless the store holds n users.
func MustCountUsers(t *testing.T, w *world, n int) {
	t.Helper()
	all, err := w.db.ListUsers(context.Background(), coaching.UserFilter{Page: coaching.Page{Limit: 200}})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != n {
		t.Errorf("%d users, want %d", len(all), n)
	}
}

func TestSignIn(t *testing.T) {
	t.Parallel()
	type tc struct {
		name string
		// setup prepares the world and may return a user the check needs.
		setup func(t *testing.T, w *world) *coaching.User
		id    coaching.Identity
		code  string
		users int // how many users exist afterwards
		check func(t *testing.T, w *world, before, got *coaching.User)
		// byInvitation closes sign-up to strangers (SIGNUP=invite).
		byInvitation bool
	}
	later := func(w *world) { w.clock.Advance(time.Hour) }
	cases := []tc{
		{name: "a first sign-in creates an active client", id: ident("s-1", " New@Example.COM "), users: 6,
			check: func(t *testing.T, w *world, _, got *coaching.User) {
				if got.ID == 0 || got.Role != app.RoleClient || got.Status != coaching.StatusActive {
					t.Errorf("signed in as %+v", got)
				}
				if got.Email != "New@example.com" || got.Name != "Provider Name" || got.AvatarURL != "https://img.example.com/a.png" {
					t.Errorf("identity not kept: %+v", got)
				}
				stored := MustGetUser(t, w, got.ID)
				if stored.OIDCIssuer != issuer || stored.OIDCSubject != "s-1" || stored.Status != coaching.StatusActive {
					t.Errorf("stored %+v", stored)
				}
				if !stored.CreatedAt.Equal(now) || !stored.UpdatedAt.Equal(now) {
					t.Errorf("stored created %s updated %s, want both %s", stored.CreatedAt, stored.UpdatedAt, now)
				}
			}},
		{name: "signing in again finds the user by subject", id: ident("s-1", "renamed@example.com"), users: 6,
			setup: func(t *testing.T, w *world) *coaching.User {
				u := MustSignIn(t, w, ident("s-1", "first@example.com"))
				later(w)
				return u
			},
			check: func(t *testing.T, w *world, before, got *coaching.User) {
				if got.ID != before.ID || got.Role != app.RoleClient || got.Email != "renamed@example.com" {
					t.Errorf("signed in as %+v, want user %d with the provider's new email", got, before.ID)
				}
				if stored := MustGetUser(t, w, got.ID); !stored.UpdatedAt.Equal(now.Add(time.Hour)) || !stored.CreatedAt.Equal(now) {
					t.Errorf("stored created %s updated %s", stored.CreatedAt, stored.UpdatedAt)
				}
			}},
		{name: "an invited coach keeps the role and becomes active", id: ident("s-1", "pre@EXAMPLE.com"), users: 6,
			setup: func(t *testing.T, w *world) *coaching.User {
				return MustCreateUser(t, w, "Pre@example.com", app.RoleCoach)
			},
			check: func(t *testing.T, w *world, before, got *coaching.User) {
				if got.ID != before.ID || got.Role != app.RoleCoach || got.Status != coaching.StatusActive {
					t.Errorf("signed in as %+v, want coach %d active", got, before.ID)
				}
				if stored := MustGetUser(t, w, got.ID); stored.Role != app.RoleCoach || stored.Status != coaching.StatusActive ||
					stored.OIDCSubject != "s-1" {
					t.Errorf("stored %+v", stored)
				}
			}},
		{name: "an invited admin keeps the role", id: ident("s-1", "boss@example.com"), users: 6,
			setup: func(t *testing.T, w *world) *coaching.User {
				return MustCreateUser(t, w, "boss@example.com", app.RoleAdmin)
			},
			check: func(t *testing.T, w *world, before, got *coaching.User) {
				if got.ID != before.ID || got.Role != app.RoleAdmin || got.Status != coaching.StatusActive {
					t.Errorf("signed in as %+v", got)
				}
			}},
		{name: "an active user without an identity is linked and keeps their name", id: ident("s-1", "client@example.com"), users: 5,
			setup: func(t *testing.T, w *world) *coaching.User { return w.client },
			check: func(t *testing.T, w *world, before, got *coaching.User) {
				if got.ID != before.ID || got.Name != before.Name || got.Role != app.RoleClient {
					t.Errorf("signed in as %+v, want %+v", got, before)
				}
			}},
		{name: "a disabled user is refused", id: ident("s-1", "gone@example.com"), code: app.EUNAUTHORIZED, users: 6,
			setup: func(t *testing.T, w *world) *coaching.User {
				return MustUser(t, w.db, "gone@example.com", app.RoleClient, coaching.StatusDisabled)
			},
			check: func(t *testing.T, w *world, before, _ *coaching.User) {
				if s := MustGetUser(t, w, before.ID); s.Status != coaching.StatusDisabled || s.OIDCSubject != "" {
					t.Errorf("stored %+v", s)
				}
			}},
		{name: "a disabled user is refused by subject", id: ident("s-1", "first@example.com"), code: app.EUNAUTHORIZED, users: 6,
			setup: func(t *testing.T, w *world) *coaching.User {
				u := MustSignIn(t, w, ident("s-1", "first@example.com"))
				MustUpdateUser(t, w, u.ID, coaching.UserChange{Status: ptr(coaching.StatusDisabled)})
				return u
			}},
		{name: "an unverified email is refused", code: app.EUNAUTHORIZED, users: 5,
			id: coaching.Identity{Issuer: issuer, Subject: "s-1", Email: "new@example.com"}},
		{name: "an unverified email of an existing user is refused", code: app.EUNAUTHORIZED, users: 5,
			id: coaching.Identity{Issuer: issuer, Subject: "s-1", Email: "client@example.com"}},
		{name: "an unusable email is refused", id: ident("s-1", "not an email"), code: app.EUNAUTHORIZED, users: 5},
		{name: "no email is refused", id: ident("s-1", ""), code: app.EUNAUTHORIZED, users: 5},
		{name: "a second identity for a linked email is refused", id: ident("s-2", "first@example.com"),
			code: app.EUNAUTHORIZED, users: 6,
			setup: func(t *testing.T, w *world) *coaching.User {
				return MustSignIn(t, w, ident("s-1", "first@example.com"))
			},
			check: func(t *testing.T, w *world, before, _ *coaching.User) {
				if s := MustGetUser(t, w, before.ID); s.OIDCSubject != "s-1" {
					t.Errorf("subject became %q", s.OIDCSubject)
				}
			}},
		{name: "the same subject from another issuer is refused", code: app.EUNAUTHORIZED, users: 6,
			id: coaching.Identity{Issuer: "https://evil.example.com", Subject: "s-1", Email: "first@example.com", EmailVerified: true},
			setup: func(t *testing.T, w *world) *coaching.User {
				return MustSignIn(t, w, ident("s-1", "first@example.com"))
			}},
		{name: "a provider name with control characters is not taken", users: 6,
			id: coaching.Identity{Issuer: issuer, Subject: "s-1", Email: "new@example.com", EmailVerified: true, Name: "a\x00b"},
			check: func(t *testing.T, w *world, _, got *coaching.User) {
				if got.Name != "" {
					t.Errorf("name %q", got.Name)
				}
			}},
		{name: "an email changed to another user's is refused and changes nothing", id: ident("s-1", "Client@example.com"),
			code: app.ECONFLICT, users: 6,
			setup: func(t *testing.T, w *world) *coaching.User {
				return MustSignIn(t, w, ident("s-1", "first@example.com"))
			},
			check: func(t *testing.T, w *world, before, _ *coaching.User) {
				if s := MustGetUser(t, w, before.ID); s.Email != "first@example.com" {
					t.Errorf("email became %q", s.Email)
				}
			}},
		{name: "by invitation, a stranger is refused and nothing is written", id: ident("s-1", "new@example.com"),
			code: app.EFORBIDDEN, users: 5, byInvitation: true},
		{name: "by invitation, an invited user signs in", id: ident("s-1", "pre@example.com"), users: 6, byInvitation: true,
			setup: func(t *testing.T, w *world) *coaching.User {
				return MustCreateUser(t, w, "pre@example.com", app.RoleClient)
			}},
		{name: "by invitation, a known user signs in again by subject", id: ident("s-1", "client@example.com"), users: 5, byInvitation: true,
			setup: func(t *testing.T, w *world) *coaching.User {
				MustSignIn(t, w, ident("s-1", "client@example.com"))
				return w.client
			}},
		{name: "an avatar that is not https is not taken", users: 6,
			id: coaching.Identity{Issuer: issuer, Subject: "s-1", Email: "new@example.com", EmailVerified: true,
				AvatarURL: "javascript:alert(1)"},
			check: func(t *testing.T, w *world, _, got *coaching.User) {
				if got.AvatarURL != "" {
					t.Errorf("avatar %q", got.AvatarURL)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := MustWorld(t)
			var before *coaching.User
			if c.setup != nil {
				before = c.setup(t, w)
			}
			if c.byInvitation {
				w.svc.Signup = coaching.Signup{}
			}
			got, err := w.svc.SignIn(context.Background(), c.id)
			MustCode(t, err, c.code)
			if err != nil && got != nil {
				t.Errorf("refused sign-in returned %+v", got)
			}
			MustCountUsers(t, w, c.users)
			if c.check != nil {
				c.check(t, w, before, got)
			}
		})
	}
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	type tc struct {
		name string
		// setup signs the user in (or not) and returns the session's token
		// and the user it is for.
		setup func(t *testing.T, w *world) (token string, userID int64)
		code  string
	}
	signedIn := func(t *testing.T, w *world) (*coaching.User, string) {
		u := MustSignIn(t, w, ident("s-1", "first@example.com"))
		tok, _, err := w.svc.StartSession(context.Background(), u, "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0", "203.0.113.0/24")
		if err != nil {
			t.Fatal(err)
		}
		return u, tok
	}
	cases := []tc{
		{name: "a fresh session stands", setup: func(t *testing.T, w *world) (string, int64) {
			u, tok := signedIn(t, w)
			return tok, u.ID
		}},
		{name: "a session ended by signing out fails", code: app.EUNAUTHORIZED,
			setup: func(t *testing.T, w *world) (string, int64) {
				u, tok := signedIn(t, w)
				MustCode(t, w.svc.EndSession(context.Background(), tok), "")
				return tok, u.ID
			}},
		{name: "a session from before signing out everywhere fails", code: app.EUNAUTHORIZED,
			setup: func(t *testing.T, w *world) (string, int64) {
				u, tok := signedIn(t, w)
				MustCode(t, w.svc.SignOutEverywhere(as(u)), "")
				return tok, u.ID
			}},
		{name: "a session made after signing out everywhere stands",
			setup: func(t *testing.T, w *world) (string, int64) {
				u, _ := signedIn(t, w)
				MustCode(t, w.svc.SignOutEverywhere(as(u)), "")
				again, tok := signedIn(t, w)
				return tok, again.ID
			}},
		{name: "a session signed out from another device fails", code: app.EUNAUTHORIZED,
			setup: func(t *testing.T, w *world) (string, int64) {
				u, tok := signedIn(t, w)
				_, ss, err := w.svc.Authenticate(context.Background(), tok, "")
				MustCode(t, err, "")
				MustCode(t, w.svc.SignOutDevice(as(w.client), ss.ID), app.ENOTFOUND) // not theirs
				MustCode(t, w.svc.SignOutDevice(as(u), ss.ID), "")
				return tok, u.ID
			}},
		{name: "a session of a disabled user fails", code: app.EUNAUTHORIZED,
			setup: func(t *testing.T, w *world) (string, int64) {
				u, tok := signedIn(t, w)
				MustUpdateUser(t, w, u.ID, coaching.UserChange{Status: ptr(coaching.StatusDisabled)})
				return tok, u.ID
			}},
		{name: "a session from before a disable stays ended after enabling again", code: app.EUNAUTHORIZED,
			setup: func(t *testing.T, w *world) (string, int64) {
				u, tok := signedIn(t, w)
				MustUpdateUser(t, w, u.ID, coaching.UserChange{Status: ptr(coaching.StatusDisabled)})
				MustUpdateUser(t, w, u.ID, coaching.UserChange{Status: ptr(coaching.StatusActive)})
				return tok, u.ID
			}},
		{name: "a session of a changed role stands and carries the new role",
			setup: func(t *testing.T, w *world) (string, int64) {
				u, tok := signedIn(t, w)
				MustUpdateUser(t, w, u.ID, coaching.UserChange{Role: ptr(app.RoleCoach)})
				return tok, u.ID
			}},
		{name: "an unknown token fails", code: app.EUNAUTHORIZED,
			setup: func(t *testing.T, w *world) (string, int64) { return "forged", 0 }},
		{name: "a session unused for two weeks fails", code: app.EUNAUTHORIZED,
			setup: func(t *testing.T, w *world) (string, int64) {
				u, tok := signedIn(t, w)
				w.clock.Advance(coaching.SessionIdle + time.Minute)
				return tok, u.ID
			}},
		{name: "a session used within two weeks stands", setup: func(t *testing.T, w *world) (string, int64) {
			u, tok := signedIn(t, w)
			w.clock.Advance(coaching.SessionIdle - time.Hour)
			if _, _, err := w.svc.Authenticate(context.Background(), tok, ""); err != nil {
				t.Fatal(err)
			}
			w.clock.Advance(coaching.SessionIdle - time.Hour)
			return tok, u.ID
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := MustWorld(t)
			tok, id := c.setup(t, w)
			got, ss, err := w.svc.Authenticate(context.Background(), tok, "198.51.100.0/24")
			MustCode(t, err, c.code)
			if err == nil {
				stored := MustGetUser(t, w, id)
				if got.ID != id || got.Role != stored.Role || got.Status != coaching.StatusActive || ss.UserID != id {
					t.Errorf("authenticated %+v, stored %+v", got, stored)
				}
				list, err := w.svc.Sessions(as(got))
				if err != nil || len(list) != 1 || list[0].ID != ss.ID || list[0].IPPrefix != "198.51.100.0/24" || !list[0].LastSeenAt.Equal(w.clock.Now()) {
					t.Errorf("sessions %+v (%v), want the one just used", list, err)
				}
			}
		})
	}
}

func TestSignOutEverywhereNeedsSomeone(t *testing.T) {
	t.Parallel()
	w := MustWorld(t)
	MustCode(t, w.svc.SignOutEverywhere(context.Background()), app.EUNAUTHORIZED)
}

func TestUpdateUser(t *testing.T) {
	t.Parallel()
	type tc struct {
		name   string
		by     func(w *world) *app.Actor // the admin by default
		target func(w *world) int64
		change coaching.UserChange
		code   string
		field  string
		check  func(t *testing.T, got *coaching.User)
	}
	client := func(w *world) int64 { return w.client.ID }
	self := func(w *world) int64 { return w.admin.ID }
	hasRole := func(r app.Role) func(t *testing.T, got *coaching.User) {
		return func(t *testing.T, got *coaching.User) {
			if got.Role != r {
				t.Errorf("role %s, want %s", got.Role, r)
			}
		}
	}
	hasStatus := func(s coaching.UserStatus) func(t *testing.T, got *coaching.User) {
		return func(t *testing.T, got *coaching.User) {
			if got.Status != s {
				t.Errorf("status %s, want %s", got.Status, s)
			}
		}
	}
	cases := []tc{
		{name: "an admin makes a client a coach", target: client, change: coaching.UserChange{Role: ptr(app.RoleCoach)},
			check: hasRole(app.RoleCoach)},
		{name: "an admin makes a coach an admin", target: func(w *world) int64 { return w.coach.ID },
			change: coaching.UserChange{Role: ptr(app.RoleAdmin)}, check: hasRole(app.RoleAdmin)},
		{name: "an admin disables a user", target: client, change: coaching.UserChange{Status: ptr(coaching.StatusDisabled)},
			check: hasStatus(coaching.StatusDisabled)},
		{name: "an admin renames a user", target: client, change: coaching.UserChange{Name: ptr("  Renamed  ")},
			check: func(t *testing.T, got *coaching.User) {
				if got.Name != "Renamed" || got.Role != app.RoleClient || got.Status != coaching.StatusActive {
					t.Errorf("got %+v", got)
				}
				if !got.UpdatedAt.Equal(now.Add(time.Minute)) {
					t.Errorf("updated at %s", got.UpdatedAt)
				}
			}},
		{name: "the operator changes a role", by: func(*world) *app.Actor { return app.Operator }, target: client,
			change: coaching.UserChange{Role: ptr(app.RoleCoach)}, check: hasRole(app.RoleCoach)},
		{name: "an unknown role is refused", target: client, change: coaching.UserChange{Role: ptr(app.Role("wizard"))},
			code: app.EINVALID, field: "role"},
		{name: "an empty role is refused", target: client, change: coaching.UserChange{Role: ptr(app.Role(""))},
			code: app.EINVALID, field: "role"},
		{name: "setting invited again is refused", target: client, change: coaching.UserChange{Status: ptr(coaching.StatusInvited)},
			code: app.EINVALID, field: "status"},
		{name: "an unknown status is refused", target: client, change: coaching.UserChange{Status: ptr(coaching.UserStatus("gone"))},
			code: app.EINVALID, field: "status"},
		{name: "a name of 101 characters is refused", target: client, change: coaching.UserChange{Name: ptr(longString(101))},
			code: app.EINVALID, field: "name"},
		{name: "a name with a control character is refused", target: client, change: coaching.UserChange{Name: ptr("a\tb")},
			code: app.EINVALID, field: "name"},
		{name: "one bad field refuses the whole change", target: client,
			change: coaching.UserChange{Name: ptr("Fine"), Role: ptr(app.Role("wizard"))}, code: app.EINVALID, field: "role"},
		{name: "an admin cannot change their own role", target: self, change: coaching.UserChange{Role: ptr(app.RoleClient)},
			code: app.EINVALID, field: "role"},
		{name: "an admin cannot disable themselves", target: self, change: coaching.UserChange{Status: ptr(coaching.StatusDisabled)},
			code: app.EINVALID, field: "status"},
		{name: "an admin may restate their own role and status", target: self,
			change: coaching.UserChange{Role: ptr(app.RoleAdmin), Status: ptr(coaching.StatusActive)},
			check:  hasRole(app.RoleAdmin)},
		{name: "an admin may rename themselves", target: self, change: coaching.UserChange{Name: ptr("Boss")},
			check: func(t *testing.T, got *coaching.User) {
				if got.Name != "Boss" {
					t.Errorf("name %q", got.Name)
				}
			}},
		{name: "a missing user is not found", target: func(*world) int64 { return 9999 },
			change: coaching.UserChange{Name: ptr("x")}, code: app.ENOTFOUND},
		{name: "a coach may not", by: func(w *world) *app.Actor { return w.coach.Actor() }, target: client,
			change: coaching.UserChange{Status: ptr(coaching.StatusDisabled)}, code: app.EFORBIDDEN},
		{name: "a client may not change themselves", by: func(w *world) *app.Actor { return w.client.Actor() }, target: client,
			change: coaching.UserChange{Role: ptr(app.RoleAdmin)}, code: app.EFORBIDDEN},
		{name: "anonymous may not", by: func(w *world) *app.Actor { return nil }, target: client,
			change: coaching.UserChange{Role: ptr(app.RoleAdmin)}, code: app.EUNAUTHORIZED},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := MustWorld(t)
			w.clock.Advance(time.Minute)
			ctx := as(w.admin)
			if c.by != nil {
				ctx = context.Background()
				if a := c.by(w); a != nil {
					ctx = app.WithActor(ctx, a)
				}
			}
			id := c.target(w)
			var before *coaching.User
			if id != 9999 {
				before = MustGetUser(t, w, id)
			}
			got, err := w.svc.UpdateUser(ctx, id, c.change)
			MustField(t, err, c.code, c.field)
			if err != nil {
				if got != nil {
					t.Errorf("refused change returned %+v", got)
				}
				if before != nil {
					if after := MustGetUser(t, w, id); *after != *before {
						t.Errorf("refused change wrote %+v over %+v", after, before)
					}
				}
				return
			}
			stored := MustGetUser(t, w, id)
			if got.Role != stored.Role || got.Status != stored.Status || got.Name != stored.Name {
				t.Errorf("returned %+v, stored %+v", got, stored)
			}
			if c.check != nil {
				c.check(t, stored)
			}
		})
	}
}

func TestCreateUser(t *testing.T) {
	t.Parallel()
	type tc struct {
		name  string
		by    *app.Actor // the admin when nil
		in    coaching.NewUser
		code  string
		field string
		users int
	}
	cases := []tc{
		{name: "an admin creates an invited coach", in: coaching.NewUser{Email: " Ann@Example.COM ", Name: " Ann ", Role: app.RoleCoach}, users: 6},
		{name: "the operator creates an admin", by: app.Operator, in: coaching.NewUser{Email: "root@example.com", Role: app.RoleAdmin}, users: 6},
		{name: "the same email is a conflict", in: coaching.NewUser{Email: "coach@example.com", Role: app.RoleCoach},
			code: app.ECONFLICT, field: "email", users: 5},
		{name: "the same email upper-cased is a conflict", in: coaching.NewUser{Email: "COACH@EXAMPLE.COM", Role: app.RoleClient},
			code: app.ECONFLICT, field: "email", users: 5},
		{name: "the same email with another local case is a conflict", in: coaching.NewUser{Email: "Client@example.com", Role: app.RoleClient},
			code: app.ECONFLICT, field: "email", users: 5},
		{name: "a bad email is refused", in: coaching.NewUser{Email: "nobody", Role: app.RoleClient},
			code: app.EINVALID, field: "email", users: 5},
		{name: "no email is refused", in: coaching.NewUser{Role: app.RoleClient}, code: app.EINVALID, field: "email", users: 5},
		{name: "an unknown role is refused", in: coaching.NewUser{Email: "x@example.com", Role: "wizard"},
			code: app.EINVALID, field: "role", users: 5},
		{name: "no role is refused", in: coaching.NewUser{Email: "x@example.com"}, code: app.EINVALID, field: "role", users: 5},
		{name: "a long name is refused", in: coaching.NewUser{Email: "x@example.com", Name: longString(101), Role: app.RoleClient},
			code: app.EINVALID, field: "name", users: 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := MustWorld(t)
			by := c.by
			if by == nil {
				by = w.admin.Actor()
			}
			got, err := w.svc.CreateUser(app.WithActor(context.Background(), by), c.in)
			MustField(t, err, c.code, c.field)
			MustCountUsers(t, w, c.users)
			if err != nil {
				if got != nil {
					t.Errorf("refused create returned %+v", got)
				}
				return
			}
			stored := MustGetUser(t, w, got.ID)
			want, _ := coaching.NormalizeEmail(c.in.Email)
			if stored.Email != want || stored.Role != c.in.Role || stored.Status != coaching.StatusInvited ||
				!stored.CreatedAt.Equal(now) {
				t.Errorf("stored %+v", stored)
			}
		})
	}
}

func TestNormalizeEmail(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"ann@example.com", "ann@example.com", true},
		{"  Ann.B@Example.COM  ", "Ann.B@example.com", true},
		{"ann+tag@sub.example.org", "ann+tag@sub.example.org", true},
		{"", "", false},
		{"ann", "", false},
		{"ann@", "", false},
		{"@example.com", "", false},
		{"Ann <ann@example.com>", "", false},
		{"ann@example.com, bob@example.com", "", false},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := coaching.NormalizeEmail(c.in)
			if (err == nil) != c.ok || got != c.want {
				t.Errorf("NormalizeEmail(%q) = %q, %v; want %q, ok %v", c.in, got, err, c.want, c.ok)
			}
		})
	}
}

func TestDevSignIn(t *testing.T) {
	t.Parallel()
	type tc struct {
		name  string
		email string
		role  app.Role
		code  string
		field string
		check func(t *testing.T, w *world, got *coaching.User)
	}
	cases := []tc{
		{name: "a new email creates an active user of the role", email: "dev@Example.com", role: app.RoleCoach,
			check: func(t *testing.T, w *world, got *coaching.User) {
				stored := MustGetUser(t, w, got.ID)
				if stored.Email != "dev@example.com" || stored.Role != app.RoleCoach || stored.Status != coaching.StatusActive {
					t.Errorf("stored %+v", stored)
				}
				if !stored.CreatedAt.Equal(now.Add(time.Minute)) || !stored.UpdatedAt.Equal(now.Add(time.Minute)) {
					t.Errorf("stored created %s updated %s, want both %s", stored.CreatedAt, stored.UpdatedAt, now.Add(time.Minute))
				}
			}},
		{name: "an existing user keeps their role", email: "CLIENT@example.com", role: app.RoleAdmin,
			check: func(t *testing.T, w *world, got *coaching.User) {
				stored := MustGetUser(t, w, got.ID)
				if got.ID != w.client.ID || stored.Role != app.RoleClient || got.Role != app.RoleClient || !stored.CreatedAt.Equal(now) ||
					!stored.UpdatedAt.Equal(now.Add(time.Minute)) {
					t.Errorf("stored %+v", stored)
				}
			}},
		{name: "a bad email is refused", email: "nobody", role: app.RoleClient, code: app.EINVALID, field: "email"},
		{name: "a bad role is refused", email: "dev@example.com", role: "wizard", code: app.EINVALID, field: "role"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := MustWorld(t)
			w.clock.Advance(time.Minute)
			got, err := w.svc.DevSignIn(context.Background(), c.email, "", c.role)
			MustField(t, err, c.code, c.field)
			if err == nil && c.check != nil {
				c.check(t, w, got)
			}
		})
	}
	t.Run("a disabled user is refused", func(t *testing.T) {
		t.Parallel()
		w := MustWorld(t)
		MustUser(t, w.db, "gone@example.com", app.RoleClient, coaching.StatusDisabled)
		_, err := w.svc.DevSignIn(context.Background(), "gone@example.com", "", app.RoleAdmin)
		MustCode(t, err, app.EUNAUTHORIZED)
		if u, _ := w.db.UserByEmail(context.Background(), "gone@example.com"); u.Role != app.RoleClient {
			t.Errorf("role became %s", u.Role)
		}
	})
}
