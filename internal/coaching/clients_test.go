package coaching_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

func TestInviteClient(t *testing.T) {
	t.Parallel()
	type tc struct {
		name  string
		setup func(t *testing.T, w *world)
		by    func(w *world) *coaching.User // the coach by default
		in    func(w *world) coaching.Invite
		code  string
		field string
		// users is how many users exist afterwards (the cast is 5).
		users int
		check func(t *testing.T, w *world, got *coaching.User)
	}
	email := func(e string) func(w *world) coaching.Invite {
		return func(w *world) coaching.Invite { return coaching.Invite{Email: e, Name: "Neu"} }
	}
	// linked checks that the coach has exactly the clients named.
	linked := func(t *testing.T, w *world, want ...int64) {
		t.Helper()
		list, err := w.svc.ListClients(as(w.coach), coaching.Page{})
		MustCode(t, err, "")
		if got := userIDs(list); !slices.Equal(got, sortedIDs(want...)) {
			t.Errorf("coach's clients %v, want %v", got, want)
		}
	}
	cases := []tc{
		{name: "a new email creates an invited client", in: email("  New.Person@Example.COM "), users: 6,
			check: func(t *testing.T, w *world, got *coaching.User) {
				if got.ID == 0 || got.Role != app.RoleClient || got.Status != coaching.StatusInvited || got.Name != "Neu" {
					t.Errorf("invited %+v", got)
				}
				if got.Email != "New.Person@example.com" {
					t.Errorf("email %q, want the domain lower-cased and the rest kept", got.Email)
				}
				stored := MustGetUser(t, w, got.ID)
				if stored.Status != coaching.StatusInvited || !stored.CreatedAt.Equal(now) {
					t.Errorf("stored %+v", stored)
				}
				linked(t, w, w.client.ID, got.ID)
			}},
		{name: "an existing client is linked, whatever the case", in: email("OTHER.CLIENT@example.com"), users: 5,
			check: func(t *testing.T, w *world, got *coaching.User) {
				if got.ID != w.otherClient.ID || got.Status != coaching.StatusActive || got.Name != w.otherClient.Name {
					t.Errorf("got %+v, want the other client unchanged", got)
				}
				linked(t, w, w.client.ID, w.otherClient.ID)
				// The other coach keeps them too.
				list, _ := w.svc.ListClients(as(w.otherCoach), coaching.Page{})
				if !slices.Equal(userIDs(list), []int64{w.otherClient.ID}) {
					t.Errorf("other coach's clients %v", userIDs(list))
				}
			}},
		{name: "an invited client of another coach is linked", users: 6,
			setup: func(t *testing.T, w *world) {
				if _, err := w.svc.InviteClient(as(w.otherCoach), coaching.Invite{Email: "shared@example.com"}); err != nil {
					t.Fatal(err)
				}
			},
			in: email("shared@example.com"),
			check: func(t *testing.T, w *world, got *coaching.User) {
				if got.Status != coaching.StatusInvited || got.Role != app.RoleClient {
					t.Errorf("got %+v", got)
				}
				linked(t, w, w.client.ID, got.ID)
			}},
		{name: "inviting a linked client again is harmless", in: email("client@EXAMPLE.com"), users: 5,
			check: func(t *testing.T, w *world, got *coaching.User) {
				if got.ID != w.client.ID {
					t.Errorf("got user %d, want the client %d", got.ID, w.client.ID)
				}
				linked(t, w, w.client.ID)
			}},
		{name: "another coach's email is refused", in: email("other.coach@example.com"), users: 5,
			code: app.EINVALID, field: "email"},
		{name: "the coach's own email is refused", in: email("Coach@Example.com"), users: 5,
			code: app.EINVALID, field: "email"},
		{name: "an admin's email is refused", in: email("admin@example.com"), users: 5,
			code: app.EINVALID, field: "email"},
		{name: "a disabled client is refused", in: email("gone@example.com"), users: 6,
			setup: func(t *testing.T, w *world) {
				MustUser(t, w.db, "gone@example.com", app.RoleClient, coaching.StatusDisabled)
			},
			code: app.EINVALID, field: "email"},
		{name: "an empty email is refused", in: email("  "), users: 5, code: app.EINVALID, field: "email"},
		{name: "a word is refused", in: email("not-an-email"), users: 5, code: app.EINVALID, field: "email"},
		{name: "a display name is refused", in: email("Ann <ann@example.com>"), users: 5, code: app.EINVALID, field: "email"},
		{name: "two at signs are refused", in: email("a@b@example.com"), users: 5, code: app.EINVALID, field: "email"},
		{name: "no domain is refused", in: email("ann@"), users: 5, code: app.EINVALID, field: "email"},
		{name: "an address over 254 characters is refused", in: email(strings.Repeat("a", 64) + "@" + strings.Repeat("b", 186) + ".com"),
			users: 5, code: app.EINVALID, field: "email"},
		{name: "a name of 101 characters is refused", users: 5, code: app.EINVALID, field: "name",
			in: func(w *world) coaching.Invite { return coaching.Invite{Email: "x@example.com", Name: longString(101)} }},
		{name: "a name with a control character is refused", users: 5, code: app.EINVALID, field: "name",
			in: func(w *world) coaching.Invite { return coaching.Invite{Email: "x@example.com", Name: "a\nb"} }},
		{name: "an admin may not invite", by: func(w *world) *coaching.User { return w.admin },
			in: email("x@example.com"), users: 5, code: app.EFORBIDDEN},
		{name: "a client may not invite", by: func(w *world) *coaching.User { return w.client },
			in: email("x@example.com"), users: 5, code: app.EFORBIDDEN},
		{name: "anonymous may not invite", by: func(w *world) *coaching.User { return nil },
			in: email("x@example.com"), users: 5, code: app.EUNAUTHORIZED},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := MustWorld(t)
			if c.setup != nil {
				c.setup(t, w)
			}
			by := w.coach
			if c.by != nil {
				by = c.by(w)
			}
			got, err := w.svc.InviteClient(as(by), c.in(w))
			MustField(t, err, c.code, c.field)
			all, lerr := w.db.ListUsers(context.Background(), coaching.UserFilter{Page: coaching.Page{Limit: 200}})
			if lerr != nil {
				t.Fatal(lerr)
			}
			if len(all) != c.users {
				t.Errorf("%d users afterwards, want %d", len(all), c.users)
			}
			if err != nil {
				if got != nil {
					t.Errorf("refused invite returned %+v", got)
				}
				linked(t, w, w.client.ID) // no new link
				return
			}
			if c.check != nil {
				c.check(t, w, got)
			}
		})
	}
}

// TestInviteClientIsIdempotent invites one new address three times.
func TestInviteClientIsIdempotent(t *testing.T) {
	t.Parallel()
	w := MustWorld(t)
	var first *coaching.User
	for i, e := range []string{"new@example.com", "NEW@example.com", "new@EXAMPLE.com"} {
		got, err := w.svc.InviteClient(as(w.coach), coaching.Invite{Email: e})
		MustCode(t, err, "")
		if i == 0 {
			first = got
		} else if got.ID != first.ID {
			t.Fatalf("invite %d made user %d, want %d", i, got.ID, first.ID)
		}
	}
	list, err := w.svc.ListClients(as(w.coach), coaching.Page{})
	MustCode(t, err, "")
	if got, want := userIDs(list), sortedIDs(w.client.ID, first.ID); !slices.Equal(got, want) {
		t.Fatalf("clients %v, want %v", got, want)
	}
}

// TestInvitedClientSignsIn follows an invitation to the first sign-in: the
// client becomes active and stays linked to the coach.
func TestInvitedClientSignsIn(t *testing.T) {
	t.Parallel()
	w := MustWorld(t)
	inv, err := w.svc.InviteClient(as(w.coach), coaching.Invite{Email: "New@example.com", Name: "From coach"})
	MustCode(t, err, "")
	u, err := w.svc.SignIn(context.Background(), coaching.Identity{Issuer: issuer, Subject: "s-new",
		Email: "new@example.com", EmailVerified: true, Name: "From provider"})
	MustCode(t, err, "")
	if u.ID != inv.ID || u.Role != app.RoleClient || u.Status != coaching.StatusActive {
		t.Fatalf("signed in as %+v, want the invited client active", u)
	}
	coaches, err := w.svc.ListCoaches(as(u), coaching.Page{})
	MustCode(t, err, "")
	if !slices.Equal(userIDs(coaches), []int64{w.coach.ID}) {
		t.Fatalf("coaches %v", userIDs(coaches))
	}
	MustBook(t, w, w.coach, u, tomorrow)
}
