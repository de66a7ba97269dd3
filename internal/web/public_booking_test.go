package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"rapport/internal/app"
	"rapport/internal/auth/oidctest"
	"rapport/internal/coaching"
	"rapport/internal/store/storetest"
)

// slotRE finds the free times a slots page offers.
var slotRE = regexp.MustCompile(`data-slot="([^"]+)"`)

// slotsOn returns the free times of a page, in order.
func slotsOn(page []byte) []string {
	var out []string
	for _, m := range slotRE.FindAllSubmatch(page, -1) {
		out = append(out, string(m[1]))
	}
	return out
}

// publicTypes has coach (signed in) offer a public and a clients-only
// session type, and returns their IDs and the coach's slug.
func publicTypes(t *testing.T, coach *client) (slug string, public, private int64) {
	t.Helper()
	var st struct{ ID int64 }
	for _, tc := range []struct {
		name, audience string
		id             *int64
	}{{"Intro call", "public", &public}, {"Follow-up", "clients", &private}} {
		res := coach.api("POST", "/api/v1/session-types", map[string]any{"name": tc.name, "duration_minutes": 60, "audience": tc.audience})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("session type %s: %d %s", tc.name, res.StatusCode, res.body)
		}
		res.json(t, &st)
		*tc.id = st.ID
	}
	var link struct{ Slug, URL string }
	coach.get("/api/v1/public-link").json(t, &link)
	if link.Slug == "" || !strings.HasSuffix(link.URL, "/book/"+link.Slug) {
		t.Fatalf("public link: %+v", link)
	}
	return link.Slug, public, private
}

// TestPublicBookingPage: anyone sees a coach's public session types and
// their free times, and nothing else: not the clients-only type, not who
// has the taken times. A coach looking can't book; an unknown slug is 404.
func TestPublicBookingPage(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		slug, public, private := publicTypes(t, w.coach)
		anon := e.anon()

		page := anon.get("/book/" + slug)
		body := string(page.body)
		if page.StatusCode != http.StatusOK || !strings.Contains(body, "Intro call") || strings.Contains(body, "Follow-up") ||
			!strings.Contains(body, "Name coach@example.com") {
			t.Fatalf("public page: %d\n%s", page.StatusCode, body)
		}
		slots := anon.get("/book/" + slug + "?type=" + itoa(public))
		free := slotsOn(slots.body)
		if slots.StatusCode != http.StatusOK || len(free) < 2 {
			t.Fatalf("public slots: %d %d times\n%s", slots.StatusCode, len(free), slots.body)
		}
		// The client takes the first free time through their own booking.
		res := w.client.api("POST", "/api/v1/coaches/"+itoa(w.coachID)+"/bookings", map[string]any{"session_type_id": private, "starts_at": free[0]})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("client books %s: %d %s", free[0], res.StatusCode, res.body)
		}
		slots = anon.get("/book/" + slug + "?type=" + itoa(public))
		if now := slotsOn(slots.body); len(now) == 0 || now[0] == free[0] {
			t.Fatalf("the taken time %s is still offered: %v", free[0], now[:min(3, len(now))])
		}
		for _, secret := range []string{"client@example.com", "Name client", "Follow-up"} {
			if strings.Contains(string(slots.body), secret) {
				t.Fatalf("the public slots page shows %q:\n%s", secret, slots.body)
			}
		}
		var api struct {
			Name  string
			Slug  string
			Types []struct{ ID int64 } `json:"session_types"`
		}
		res = anon.get("/api/v1/public/coaches/" + slug)
		res.json(t, &api)
		if api.Slug != slug || len(api.Types) != 1 || api.Types[0].ID != public || strings.Contains(string(res.body), `"email"`) {
			t.Fatalf("public coach JSON: %s", res.body)
		}
		for path, want := range map[string]int{
			"/book/" + slug + "?type=" + itoa(private):                                http.StatusNotFound,
			"/api/v1/public/coaches/" + slug + "/slots?session_type=" + itoa(private): http.StatusNotFound,
			"/api/v1/public/coaches/" + slug + "/slots?session_type=" + itoa(public):  http.StatusOK,
			"/book/no-such-coach":                  http.StatusNotFound,
			"/book/" + itoa(w.coachID):             http.StatusNotFound,
			"/api/v1/public/coaches/no-such-coach": http.StatusNotFound,
			"/book/" + slug + "?type=" + itoa(public) + "&at=" + url.QueryEscape(free[1]): http.StatusOK,
		} {
			if res := anon.get(path); res.StatusCode != want {
				t.Fatalf("GET %s: %d, want %d\n%s", path, res.StatusCode, want, res.body)
			}
		}
		confirm := "/book/" + slug + "?type=" + itoa(public) + "&at=" + url.QueryEscape(free[1])
		if body := string(anon.get(confirm).body); !strings.Contains(body, "Sign in to book this time") ||
			!strings.Contains(body, "/signin?next="+url.QueryEscape(confirm)) {
			t.Fatalf("the signed-out confirm page offers no sign-in:\n%s", body)
		}
		var other struct{ Slug string }
		w.otherCoach.get("/api/v1/public-link").json(t, &other)
		if res := anon.get("/book/" + other.Slug); res.StatusCode != http.StatusNotFound || strings.Contains(string(res.body), "Name of") {
			t.Fatalf("a coach without public types, to a visitor: %d\n%s", res.StatusCode, res.body)
		}
		if res := w.otherCoach.get("/book/" + other.Slug); res.StatusCode != http.StatusOK || !strings.Contains(string(res.body), "no sessions open to new people") {
			t.Fatalf("a coach without public types, to themself: %d\n%s", res.StatusCode, res.body)
		}
		staff := string(w.coach.get(confirm).body)
		if !strings.Contains(staff, "data-staff-note") || strings.Contains(staff, "data-book-confirm") {
			t.Fatalf("the coach's confirm page:\n%s", staff)
		}
		form := url.Values{"type": {itoa(public)}, "starts_at": {free[1]}}
		if res := w.coach.form("POST", "/book/"+slug, form); res.StatusCode != http.StatusForbidden {
			t.Fatalf("the coach books through their own link: %d %s", res.StatusCode, res.body)
		}
	})
}

// TestPublicLinkChange: the coach's page shows their link with Copy; a
// malformed or taken slug is named beside the field; a new one works and
// the old one is 404.
func TestPublicLinkChange(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		old, _, _ := publicTypes(t, w.coach)
		page := string(w.coach.get("/availability").body)
		if !strings.Contains(page, e.srv.URL+"/book/"+old) || !strings.Contains(page, `data-copy="public-url"`) {
			t.Fatalf("the availability page lacks the public link %s:\n%s", old, page)
		}
		var other struct{ Slug string }
		w.otherCoach.get("/api/v1/public-link").json(t, &other)
		for _, tc := range []struct {
			slug, want string
			status     int
		}{
			{"my practice", "lowercase letters", http.StatusBadRequest},
			{"12345", "with at least one letter", http.StatusBadRequest},
			{other.Slug, "is taken", http.StatusConflict},
		} {
			res := w.coach.form("POST", "/availability/public-link", url.Values{"slug": {tc.slug}})
			if res.StatusCode != tc.status || !strings.Contains(string(res.body), tc.want) {
				t.Fatalf("slug %q: %d, want %d saying %q\n%s", tc.slug, res.StatusCode, tc.status, tc.want, res.body)
			}
		}
		if res := w.client.form("POST", "/availability/public-link", url.Values{"slug": {"client-link"}}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("a client sets a public link: %d", res.StatusCode)
		}
		res := w.coach.form("POST", "/availability/public-link", url.Values{"slug": {"my-practice"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("change: %d %s", res.StatusCode, res.body)
		}
		if res := e.anon().get("/book/" + old); res.StatusCode != http.StatusNotFound {
			t.Fatalf("the old link: %d, want 404", res.StatusCode)
		}
		if res := e.anon().get("/book/my-practice"); res.StatusCode != http.StatusOK {
			t.Fatalf("the new link: %d", res.StatusCode)
		}
		res = w.coach.api("PUT", "/api/v1/public-link", map[string]string{"slug": other.Slug})
		if code, fields := res.errorBody(t); res.StatusCode != http.StatusConflict || code != app.ECONFLICT || fields["slug"] != "is taken" {
			t.Fatalf("PUT a taken slug: %d %s", res.StatusCode, res.body)
		}
	})
}

// TestPublicLinkSignUp: with sign-up by invitation, a stranger who picks a
// time on a coach's public link signs in through the provider, comes back
// to that time admitted as the coach's client, and books it. The same
// stranger through a crafted return path to a clients-only type is refused
// and nothing is written; a time taken meanwhile gives the free times.
func TestPublicLinkSignUp(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			e, p := oidcEnvWith(t, d, oidctest.New("rapport-client", "s3cret"), nil)
			ctx := context.Background()
			coach, err := e.svc.CreateUser(app.WithActor(ctx, app.Operator), coaching.NewUser{Email: "cora@example.com", Name: "Cora Coach", Role: app.RoleCoach})
			if err != nil {
				t.Fatal(err)
			}
			asCoach := app.WithActor(ctx, coach.Actor())
			slug, _ := e.svc.MyPublicSlug(asCoach)
			public, err := e.svc.CreateSessionType(asCoach, coaching.NewSessionType{Name: "Intro call", Minutes: 60, Audience: coaching.AudiencePublic})
			if err != nil {
				t.Fatal(err)
			}
			private, _ := e.svc.CreateSessionType(asCoach, coaching.NewSessionType{Name: "Follow-up", Minutes: 60})
			if slug != "cora-coach" {
				t.Fatalf("slug %q, want cora-coach", slug)
			}

			// A crafted return path to the clients-only type admits nobody.
			p.SignInAs(oidctest.User{Subject: "mallory", Email: "mallory@stranger.example", EmailVerified: true})
			for _, next := range []string{"/book/" + slug + "?type=" + itoa(private.ID), "/book/nobody-here?type=" + itoa(public.ID)} {
				res := signInWith(t, e.anon(), url.QueryEscape(next))
				if res.StatusCode != http.StatusForbidden || !strings.Contains(string(res.body), "ask your coach to invite you") {
					t.Fatalf("crafted %s: %d %s", next, res.StatusCode, res.body)
				}
			}
			if _, err := e.db.UserByEmail(ctx, "mallory@stranger.example"); app.ErrorCode(err) != app.ENOTFOUND {
				t.Fatalf("a refused stranger left a user: %v", err)
			}

			// Through the link, for the public type: admitted, back at the time, booked.
			c := e.anon()
			free := slotsOn(c.get("/book/" + slug + "?type=" + itoa(public.ID)).body)
			if len(free) < 2 {
				t.Fatal("no free times on the public link")
			}
			confirm := "/book/" + slug + "?type=" + itoa(public.ID) + "&at=" + url.QueryEscape(free[0])
			if !strings.Contains(string(c.get(confirm).body), "/signin?next="+url.QueryEscape(confirm)) {
				t.Fatal("the confirm page's sign-in does not come back to it")
			}
			p.SignInAs(oidctest.User{Subject: "sam", Email: "sam@stranger.example", EmailVerified: true, Name: "Sam New"})
			res := signInWith(t, c, url.QueryEscape(confirm))
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != confirm {
				t.Fatalf("callback: %d to %s\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
			}
			sam, err := e.db.UserByEmail(ctx, "sam@stranger.example")
			if err != nil || sam.Role != app.RoleClient {
				t.Fatalf("admitted: %+v %v", sam, err)
			}
			if ok, _ := e.db.IsCoachOf(ctx, coach.ID, sam.ID); ok {
				t.Fatal("the admitted stranger is the coach's client before booking")
			}
			if body := string(c.get(confirm).body); !strings.Contains(body, "data-book-confirm") {
				t.Fatalf("the confirm page after sign-in:\n%s", body)
			}
			res = c.form("POST", "/book/"+slug, url.Values{"type": {itoa(public.ID)}, "starts_at": {free[0]}})
			loc := res.Header.Get("Location")
			if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/appointments/") {
				t.Fatalf("book: %d %s %s", res.StatusCode, loc, res.body)
			}
			if ok, _ := e.db.IsCoachOf(ctx, coach.ID, sam.ID); !ok {
				t.Fatal("the stranger who booked is not the coach's client")
			}
			var appt struct {
				Coach, Client struct{ ID int64 }
				StartsAt      string `json:"starts_at"`
				Title         string
			}
			c.get("/api/v1"+strings.TrimSuffix(loc, "?flash=booked")).json(t, &appt)
			if appt.Coach.ID != coach.ID || appt.Client.ID != sam.ID || appt.StartsAt != free[0] || appt.Title != "Intro call" {
				t.Fatalf("booked %+v, want %s with the coach", appt, free[0])
			}

			// Another newcomer who wanted the same time gets the free times now.
			p.SignInAs(oidctest.User{Subject: "tess", Email: "tess@stranger.example", EmailVerified: true})
			late := e.anon()
			if res := signInWith(t, late, url.QueryEscape(confirm)); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("tess signs in: %d %s", res.StatusCode, res.body)
			}
			if body := string(late.get(confirm).body); !strings.Contains(body, "no longer free") {
				t.Fatalf("the confirm page of a taken time:\n%s", body)
			}
			res = late.form("POST", "/book/"+slug, url.Values{"type": {itoa(public.ID)}, "starts_at": {free[0]}})
			if res.StatusCode != http.StatusConflict || !strings.Contains(string(res.body), "just taken") || !strings.Contains(string(res.body), free[1]) {
				t.Fatalf("a taken time: %d\n%s", res.StatusCode, res.body)
			}
		})
	}
}

// TestPublicBookingRace: newcomers who take the same time through the
// public link at once (each becoming the coach's client in the same
// transaction): exactly one gets it, the others 409 with the free times.
func TestPublicBookingRace(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		coach := e.signIn("coach@example.com", app.RoleCoach)
		slug, public, _ := publicTypes(t, coach)
		const racers = 4
		people := make([]*client, racers)
		for i := range people {
			people[i] = e.signIn(fmt.Sprintf("new%d@example.com", i), app.RoleClient)
		}
		free := slotsOn(e.anon().get("/book/" + slug + "?type=" + itoa(public)).body)
		for round := range 3 {
			statuses := make([]int, racers)
			var wg sync.WaitGroup
			for i, c := range people {
				wg.Add(1)
				go func() {
					defer wg.Done()
					statuses[i] = c.api("POST", "/api/v1/public/coaches/"+slug+"/bookings",
						map[string]any{"session_type_id": public, "starts_at": free[round]}).StatusCode
				}()
			}
			wg.Wait()
			if n := slices.Index(statuses, http.StatusCreated); n < 0 || slices.Index(statuses[n+1:], http.StatusCreated) >= 0 ||
				len(slices.DeleteFunc(slices.Clone(statuses), func(s int) bool { return s == http.StatusCreated || s == http.StatusConflict })) > 0 {
				t.Fatalf("round %d: statuses %v, want one 201 and the rest 409", round, statuses)
			}
		}
	})
}
