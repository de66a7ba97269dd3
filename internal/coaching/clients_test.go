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
		// pending are the emails of the coach's invitations afterwards.
		pending []string
		check   func(t *testing.T, w *world, got *coaching.Invitation)
	}
	email := func(e string) func(w *world) coaching.Invite {
		return func(w *world) coaching.Invite { return coaching.Invite{Email: e, Name: "Neu"} }
	}
	cases := []tc{
		{name: "a new email creates an invited client, not linked", in: email("  New.Person@Example.COM "), users: 6,
			pending: []string{"New.Person@example.com"},
			check: func(t *testing.T, w *world, got *coaching.Invitation) {
				u, err := w.db.UserByEmail(context.Background(), "new.person@example.com")
				if err != nil || u.Role != app.RoleClient || u.Status != coaching.StatusInvited || u.Name != "Neu" {
					t.Errorf("invited user %+v, %v", u, err)
				}
				if u != nil && u.Email != "New.Person@example.com" {
					t.Errorf("email %q, want the domain lower-cased and the rest kept", u.Email)
				}
			}},
		{name: "an existing client is invited, not linked", in: email("OTHER.CLIENT@example.com"), users: 5,
			pending: []string{"OTHER.CLIENT@example.com"},
			check: func(t *testing.T, w *world, got *coaching.Invitation) {
				// The other coach keeps them.
				list, _ := w.svc.ListClients(as(w.otherCoach), coaching.Page{})
				if !slices.Equal(userIDs(list), []int64{w.otherClient.ID}) {
					t.Errorf("other coach's clients %v", userIDs(list))
				}
			}},
		{name: "an invited client of another coach is invited", users: 6, pending: []string{"shared@example.com"},
			setup: func(t *testing.T, w *world) {
				if _, err := w.svc.InviteClient(as(w.otherCoach), coaching.Invite{Email: "shared@example.com"}); err != nil {
					t.Fatal(err)
				}
			},
			in: email("shared@example.com")},
		{name: "inviting a linked client again changes nothing", in: email("client@EXAMPLE.com"), users: 5},
		{name: "inviting again keeps the first invitation", users: 5, pending: []string{"other.client@example.com"},
			setup: func(t *testing.T, w *world) {
				if _, err := w.svc.InviteClient(as(w.coach), coaching.Invite{Email: "other.client@example.com"}); err != nil {
					t.Fatal(err)
				}
			},
			in: email("Other.Client@example.com")},
		{name: "another coach's email is invited like anyone's", in: email("other.coach@example.com"), users: 5,
			pending: []string{"other.coach@example.com"}},
		{name: "an admin's email is invited like anyone's", in: email("admin@example.com"), users: 5,
			pending: []string{"admin@example.com"}},
		{name: "a disabled client is invited like anyone", in: email("gone@example.com"), users: 6,
			pending: []string{"gone@example.com"},
			setup: func(t *testing.T, w *world) {
				MustUser(t, w.db, "gone@example.com", app.RoleClient, coaching.StatusDisabled)
			}},
		{name: "the coach's own email is refused", in: email("Coach@Example.com"), users: 5,
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
			mustClients(t, w, w.coach, w.client.ID) // an invitation links nobody
			if got := mustPending(t, w, w.coach); !slices.Equal(got, c.pending) {
				t.Errorf("pending %q, want %q", got, c.pending)
			}
			if err != nil {
				if got != nil {
					t.Errorf("refused invite returned %+v", got)
				}
				return
			}
			if want, _ := coaching.NormalizeEmail(c.in(w).Email); got.Email != want || got.CoachID != by.ID {
				t.Errorf("answer %+v, want the email %q", got, want)
			}
			if c.check != nil {
				c.check(t, w, got)
			}
		})
	}
}

// mustClients fails unless coach's clients are exactly want.
func mustClients(t *testing.T, w *world, coach *coaching.User, want ...int64) {
	t.Helper()
	list, err := w.svc.ListClients(as(coach), coaching.Page{})
	MustCode(t, err, "")
	if got := userIDs(list); !slices.Equal(got, sortedIDs(want...)) {
		t.Errorf("%s's clients %v, want %v", coach.Email, got, sortedIDs(want...))
	}
}

// mustPending returns the emails of coach's pending invitations, sorted.
func mustPending(t *testing.T, w *world, coach *coaching.User) []string {
	t.Helper()
	list, err := w.svc.SentInvitations(as(coach), coaching.Page{})
	MustCode(t, err, "")
	var out []string
	for _, inv := range list {
		out = append(out, inv.Email)
	}
	slices.Sort(out)
	return out
}

// TestInviteClientAnswersAlike invites an email nobody has, a client's, a
// coach's, an admin's and a disabled person's: the answers differ only in
// the email, so that an invitation tells nothing of who has an account.
func TestInviteClientAnswersAlike(t *testing.T) {
	t.Parallel()
	w := MustWorld(t)
	MustUser(t, w.db, "gone@example.com", app.RoleClient, coaching.StatusDisabled)
	var first *coaching.Invitation
	for _, e := range []string{"nobody@example.com", "other.client@example.com", "other.coach@example.com",
		"admin@example.com", "gone@example.com"} {
		got, err := w.svc.InviteClient(as(w.coach), coaching.Invite{Email: e, Name: "Same"})
		MustCode(t, err, "")
		if got.Email != e {
			t.Errorf("answer's email %q, want %q", got.Email, e)
		}
		alike := *got
		alike.Email = ""
		if first == nil {
			first = &alike
		} else if alike != *first {
			t.Errorf("%s: answer %+v, want %+v as for an email nobody has", e, alike, *first)
		}
	}
}

// TestInviteClientIsIdempotent invites one new address three times.
func TestInviteClientIsIdempotent(t *testing.T) {
	t.Parallel()
	w := MustWorld(t)
	for _, e := range []string{"new@example.com", "NEW@example.com", "new@EXAMPLE.com"} {
		_, err := w.svc.InviteClient(as(w.coach), coaching.Invite{Email: e})
		MustCode(t, err, "")
	}
	if got := mustPending(t, w, w.coach); !slices.Equal(got, []string{"new@example.com"}) {
		t.Fatalf("pending %q, want the first invitation only", got)
	}
	all, err := w.db.ListUsers(context.Background(), coaching.UserFilter{Page: coaching.Page{Limit: 200}})
	if err != nil || len(all) != 6 {
		t.Fatalf("%d users (%v), want one invited", len(all), err)
	}
}

// TestInvitedClientSignsIn follows an invitation to the first sign-in: the
// client becomes active, finds the invitation, and is the coach's once
// they accept it.
func TestInvitedClientSignsIn(t *testing.T) {
	t.Parallel()
	w := MustWorld(t)
	_, err := w.svc.InviteClient(as(w.coach), coaching.Invite{Email: "New@example.com", Name: "From coach"})
	MustCode(t, err, "")
	u, err := w.svc.SignIn(context.Background(), coaching.Identity{Issuer: issuer, Subject: "s-new",
		Email: "new@example.com", EmailVerified: true, Name: "From provider"})
	MustCode(t, err, "")
	if u.Role != app.RoleClient || u.Status != coaching.StatusActive {
		t.Fatalf("signed in as %+v, want the invited client active", u)
	}
	coaches, err := w.svc.ListCoaches(as(u), coaching.Page{})
	if err != nil || len(coaches) != 0 {
		t.Fatalf("coaches before accepting: %v %v", userIDs(coaches), err)
	}
	got, err := w.svc.ReceivedInvitations(as(u), coaching.Page{})
	MustCode(t, err, "")
	if len(got) != 1 || got[0].CoachID != w.coach.ID || got[0].Coach.Email != w.coach.Email || got[0].Name != "From coach" {
		t.Fatalf("received %+v", got)
	}
	if _, err := w.svc.AcceptInvitation(as(u), w.coach.ID); err != nil {
		t.Fatal(err)
	}
	coaches, err = w.svc.ListCoaches(as(u), coaching.Page{})
	MustCode(t, err, "")
	if !slices.Equal(userIDs(coaches), []int64{w.coach.ID}) {
		t.Fatalf("coaches %v", userIDs(coaches))
	}
	MustBook(t, w, w.coach, u, tomorrow)
}
