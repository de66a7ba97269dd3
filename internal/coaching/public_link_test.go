package coaching_test

import (
	"context"
	"strings"
	"testing"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

func TestValidSlug(t *testing.T) {
	for _, tc := range []struct {
		slug string
		ok   bool
	}{
		{"ann", true}, {"ann-lee-2", true}, {"a1b", true}, {"2nd-coach", true}, {strings.Repeat("a", 40), true},
		{"an", false}, {strings.Repeat("a", 41), false}, {"123", false}, {"12-34", false},
		{"Ann", false}, {"ann lee", false}, {"ann_lee", false}, {"-ann", false}, {"ann-", false},
		{"anné", false}, {"ann/lee", false}, {"", false},
	} {
		t.Run(tc.slug, func(t *testing.T) {
			err := coaching.ValidSlug(tc.slug)
			if tc.ok {
				MustCode(t, err, "")
				return
			}
			MustField(t, err, app.EINVALID, "slug")
		})
	}
}

func TestSlugFromName(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"Ann Lee", "ann-lee"},
		{"  José  Müller-Ørsted ", "jose-muller-orsted"},
		{"Dr. Zoë O'Brien, PhD", "dr-zoe-o-brien-phd"},
		{"Li", "coach-li"},
		{"007", "coach-007"},
		{"", "coach"},
		{"李小龍", "coach"},
		{strings.Repeat("abcdefghi ", 6), "abcdefghi-abcdefghi-abcdefghi-abcdefghi"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			got := coaching.SlugFromName(tc.name)
			if got != tc.want {
				t.Fatalf("SlugFromName(%q) = %q, want %q", tc.name, got, tc.want)
			}
			MustCode(t, coaching.ValidSlug(got), "")
		})
	}
}

// TestPublicSlug: a coach's slug is made from their name at first need,
// numbered when taken; the coach changes it, and the old one stops working.
func TestPublicSlug(t *testing.T) {
	w := MustWorld(t)
	ctx := context.Background()
	ann := MustUser(t, w.db, "ann@example.com", app.RoleCoach, coaching.StatusActive)
	twin := MustUser(t, w.db, "ann.two@example.com", app.RoleCoach, coaching.StatusActive)
	for _, u := range []*coaching.User{ann, twin} {
		u.Name = "Ann Lee"
		if err := w.db.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	first, err := w.svc.MyPublicSlug(as(ann))
	MustCode(t, err, "")
	second, err := w.svc.MyPublicSlug(as(twin))
	MustCode(t, err, "")
	again, _ := w.svc.MyPublicSlug(as(ann))
	if first != "ann-lee" || second != "ann-lee-2" || again != first {
		t.Fatalf("slugs %q, %q, then %q; want ann-lee, ann-lee-2, ann-lee", first, second, again)
	}
	_, err = w.svc.MyPublicSlug(as(w.client))
	MustCode(t, err, app.EFORBIDDEN)

	_, err = w.svc.SetPublicSlug(as(ann), "ann lee")
	MustField(t, err, app.EINVALID, "slug")
	_, err = w.svc.SetPublicSlug(as(ann), "ann-lee-2")
	MustField(t, err, app.ECONFLICT, "slug")
	_, err = w.svc.SetPublicSlug(as(w.client), "a-client")
	MustCode(t, err, app.EFORBIDDEN)
	got, err := w.svc.SetPublicSlug(as(ann), "  Ann-Coaching ")
	if err != nil || got != "ann-coaching" {
		t.Fatalf("change: %q %v", got, err)
	}
	_, err = w.svc.PublicPage(ctx, "ann-lee")
	MustCode(t, err, app.ENOTFOUND)
	_, err = w.svc.PublicPage(ctx, "ann-coaching") // nothing open to new people: it says nothing of Ann
	MustCode(t, err, app.ENOTFOUND)
	page, err := w.svc.PublicPage(as(ann), "ann-coaching") // but to Ann herself
	if err != nil || page.ID != ann.ID || page.Name != "Ann Lee" {
		t.Fatalf("page of the new slug: %+v %v", page, err)
	}
	if s, _ := w.svc.SetPublicSlug(as(twin), "ann-lee"); s != "ann-lee" {
		t.Fatalf("the freed slug could not be taken: %q", s)
	}
}

// publicWorld is the world with the coach's public link, a public and a
// clients-only session type of theirs, and a public one of the other coach.
type publicWorld struct {
	*world
	slug                   string
	public, private, other *coaching.SessionType
}

func mustPublicWorld(t *testing.T) *publicWorld {
	t.Helper()
	w := &publicWorld{world: MustWorld(t)}
	var err error
	w.slug, err = w.svc.MyPublicSlug(as(w.coach))
	MustCode(t, err, "")
	mk := func(coach *coaching.User, name, audience string) *coaching.SessionType {
		st, err := w.svc.CreateSessionType(as(coach), coaching.NewSessionType{Name: name, Minutes: 60, Audience: audience})
		MustCode(t, err, "")
		return st
	}
	w.public = mk(w.coach, "Intro", coaching.AudiencePublic)
	w.private = mk(w.coach, "Follow-up", coaching.AudienceClients)
	w.other = mk(w.otherCoach, "Other intro", coaching.AudiencePublic)
	return w
}

func TestAdmitsThrough(t *testing.T) {
	coach := &coaching.User{ID: 1, Role: app.RoleCoach, Status: coaching.StatusActive}
	public := &coaching.SessionType{CoachID: 1, Audience: coaching.AudiencePublic}
	id := coaching.Identity{}
	for _, tc := range []struct {
		name   string
		policy coaching.Signup
		coach  *coaching.User
		st     *coaching.SessionType
		want   bool
	}{
		{"PublicTypeOfTheCoach", coaching.Signup{}, coach, public, true},
		{"NoLink", coaching.Signup{}, nil, nil, false},
		{"NoLinkOpenSignup", coaching.Signup{Open: true}, nil, nil, true},
		{"ClientsOnlyType", coaching.Signup{}, coach, &coaching.SessionType{CoachID: 1, Audience: coaching.AudienceClients}, false},
		{"AnotherCoachsType", coaching.Signup{}, coach, &coaching.SessionType{CoachID: 2, Audience: coaching.AudiencePublic}, false},
		{"DisabledCoach", coaching.Signup{}, &coaching.User{ID: 1, Role: app.RoleCoach, Status: coaching.StatusDisabled}, public, false},
		{"NoLongerCoach", coaching.Signup{}, &coaching.User{ID: 1, Role: app.RoleClient, Status: coaching.StatusActive}, public, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.policy.AdmitsThrough(id, "new@example.com", tc.coach, tc.st); got != tc.want {
				t.Fatalf("AdmitsThrough = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestSignInThroughPublicLink: with sign-up by invitation, a stranger who
// comes through the coach's link for a public type is admitted as the
// coach's client; through anything else, nobody is written.
func TestSignInThroughPublicLink(t *testing.T) {
	w := mustPublicWorld(t)
	w.svc.Signup = coaching.Signup{}
	ctx := context.Background()
	stranger := func(n string) coaching.Identity {
		return coaching.Identity{Issuer: "iss", Subject: n, Email: n + "@stranger.example", EmailVerified: true, Name: "Stranger " + n}
	}
	for _, tc := range []struct {
		name string
		via  *coaching.PublicLink
	}{
		{"NoLink", nil},
		{"ClientsOnlyType", &coaching.PublicLink{Slug: w.slug, TypeID: w.private.ID}},
		{"AnotherCoachsType", &coaching.PublicLink{Slug: w.slug, TypeID: w.other.ID}},
		{"UnknownSlug", &coaching.PublicLink{Slug: "nobody-here", TypeID: w.public.ID}},
		{"MalformedSlug", &coaching.PublicLink{Slug: "../1", TypeID: w.public.ID}},
		{"UnknownType", &coaching.PublicLink{Slug: w.slug, TypeID: 9999}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := stranger(strings.ToLower(tc.name))
			_, err := w.svc.SignInThrough(ctx, id, tc.via)
			MustCode(t, err, app.EFORBIDDEN)
			if _, err := w.db.UserByEmail(ctx, id.Email); app.ErrorCode(err) != app.ENOTFOUND {
				t.Fatalf("a refused stranger left a user: %v", err)
			}
		})
	}
	t.Run("PublicType", func(t *testing.T) {
		u, err := w.svc.SignInThrough(ctx, stranger("welcome"), &coaching.PublicLink{Slug: w.slug, TypeID: w.public.ID})
		MustCode(t, err, "")
		if u.Role != app.RoleClient || u.Status != coaching.StatusActive || u.Name != "Stranger welcome" {
			t.Fatalf("admitted %+v", u)
		}
		// a client only once they book: signing in and leaving opens nothing else
		if ok, err := w.db.IsCoachOf(ctx, w.coach.ID, u.ID); err != nil || ok {
			t.Fatalf("the admitted stranger is the coach's client before booking: %v %v", ok, err)
		}
	})
	t.Run("DisabledCoach", func(t *testing.T) {
		w.coach.Status = coaching.StatusDisabled
		if err := w.db.UpdateUser(ctx, w.coach); err != nil {
			t.Fatal(err)
		}
		defer func() { w.coach.Status = coaching.StatusActive; w.db.UpdateUser(ctx, w.coach) }()
		_, err := w.svc.SignInThrough(ctx, stranger("late"), &coaching.PublicLink{Slug: w.slug, TypeID: w.public.ID})
		MustCode(t, err, app.EFORBIDDEN)
		_, err = w.svc.PublicPage(ctx, w.slug)
		MustCode(t, err, app.ENOTFOUND)
	})
}

// TestPublicPageAndSlots: anyone sees the coach's public types and their
// free times; a clients-only type is not found.
func TestPublicPageAndSlots(t *testing.T) {
	w := mustPublicWorld(t)
	anon := context.Background()
	page, err := w.svc.PublicPage(anon, w.slug)
	MustCode(t, err, "")
	if len(page.Types) != 1 || page.Types[0].ID != w.public.ID || page.Name != w.coach.Name {
		t.Fatalf("public page: %+v", page)
	}
	_, err = w.svc.PublicPage(anon, "no-such-coach")
	MustCode(t, err, app.ENOTFOUND)
	slots, err := w.svc.PublicSlots(anon, coaching.PublicLink{Slug: w.slug, TypeID: w.public.ID})
	if err != nil || len(slots.Starts) == 0 || slots.Type.ID != w.public.ID {
		t.Fatalf("public slots: %+v %v", slots, err)
	}
	for _, typeID := range []int64{w.private.ID, w.other.ID} {
		_, err = w.svc.PublicSlots(anon, coaching.PublicLink{Slug: w.slug, TypeID: typeID})
		MustCode(t, err, app.ENOTFOUND)
	}
	other, _ := w.svc.MyPublicSlug(as(w.otherCoach))
	if page, _ := w.svc.PublicPage(anon, other); len(page.Types) != 1 || page.Types[0].ID != w.other.ID {
		t.Fatalf("the other coach's page: %+v", page)
	}
}

// TestBookPublic: a client who is not the coach's books through the link
// and becomes theirs; staff, strangers to the rules and taken slots are
// refused.
func TestBookPublic(t *testing.T) {
	w := mustPublicWorld(t)
	link := coaching.PublicLink{Slug: w.slug, TypeID: w.public.ID}
	slots, err := w.svc.PublicSlots(context.Background(), link)
	MustCode(t, err, "")
	start := slots.Starts[0]

	_, err = w.svc.BookPublic(context.Background(), link, start)
	MustCode(t, err, app.EUNAUTHORIZED)
	for _, staff := range []*coaching.User{w.coach, w.otherCoach, w.admin} {
		_, err = w.svc.BookPublic(as(staff), link, start)
		MustCode(t, err, app.EFORBIDDEN)
	}
	_, err = w.svc.BookPublic(as(w.otherClient), coaching.PublicLink{Slug: w.slug, TypeID: w.private.ID}, start)
	MustCode(t, err, app.ENOTFOUND)
	if ok, _ := w.db.IsCoachOf(context.Background(), w.coach.ID, w.otherClient.ID); ok {
		t.Fatal("a refused booking linked the client")
	}

	appt, err := w.svc.BookPublic(as(w.otherClient), link, start)
	MustCode(t, err, "")
	if appt.CoachID != w.coach.ID || appt.ClientID != w.otherClient.ID || !appt.StartsAt.Equal(start) || appt.Title != "Intro" {
		t.Fatalf("booked %+v", appt)
	}
	if ok, _ := w.db.IsCoachOf(context.Background(), w.coach.ID, w.otherClient.ID); !ok {
		t.Fatal("the client who booked through the link is not the coach's client")
	}
	_, err = w.svc.BookPublic(as(w.client), link, start)
	MustField(t, err, app.ECONFLICT, "starts_at")
	if n := len(MustAllAppointments(t, w.world)); n != 1 {
		t.Fatalf("%d appointments, want 1", n)
	}
}
