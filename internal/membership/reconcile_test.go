package membership

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

func date(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr(t time.Time) *time.Time { return &t }

// summary writes a plan's user changes as "email role/status" lines, and
// the stop, for comparing.
func summary(p Plan) string {
	if p.Stopped != "" {
		return "stopped"
	}
	var out []string
	for _, c := range p.Users {
		id := "new"
		if c.ID != 0 {
			id = fmt.Sprint(c.ID)
		}
		out = append(out, fmt.Sprintf("%s(%s) %s/%s", c.Email, id, c.ToRole, c.ToStatus))
	}
	return strings.Join(out, "; ")
}

// TestReconcile is every rule, one row each.
func TestReconcile(t *testing.T) {
	now := date("2030-01-10").Add(3 * time.Hour)
	coachU := User{ID: 1, Email: "carla@example.com", Role: app.RoleCoach, Status: coaching.StatusActive, SignedIn: true}
	clientU := User{ID: 2, Email: "cleo@example.com", Role: app.RoleClient, Status: coaching.StatusActive, SignedIn: true}
	coachRec := Record{Email: "carla@example.com", Community: Coaches, Status: Active, LastSeen: now.AddDate(0, 0, -1)}
	clientRec := Record{Email: "cleo@example.com", Community: Clients, Status: Active, LastSeen: now.AddDate(0, 0, -1)}
	active := func(email string) Member { return Member{Email: email, Name: "N", Status: Active} }
	for _, tc := range []struct {
		name    string
		in      Input
		want    string
		reasons []string // substrings of the changes' reasons, in order
	}{
		{"nothing changed: no change", Input{Coaches: []Member{active("carla@example.com")}, Clients: []Member{active("cleo@example.com")},
			Users: []User{coachU, clientU}, Records: []Record{coachRec, clientRec}}, "", nil},
		{"a client who joins the coaches' community becomes a coach (it supersedes)",
			Input{Coaches: []Member{active("carla@example.com"), active("cleo@example.com")}, Clients: []Member{active("cleo@example.com")},
				Users: []User{coachU, clientU}, Records: []Record{coachRec, clientRec}},
			"cleo@example.com(2) coach/active", []string{"active in the coaches' community"}},
		{"a coach cancelled with access to the 5th stays a coach for seven days after (to the 11th)",
			Input{Coaches: []Member{{Email: "carla@example.com", Status: Cancelled, AccessEnds: ptr(date("2030-01-04"))}},
				Clients: []Member{active("cleo@example.com")}, Users: []User{coachU, clientU}, Records: []Record{coachRec, clientRec}},
			"", nil},
		{"on the day the grace period ends, the coach loses the role",
			Input{Coaches: []Member{{Email: "carla@example.com", Status: Cancelled, AccessEnds: ptr(date("2030-01-03"))}},
				Clients: []Member{active("cleo@example.com")}, Users: []User{coachU, clientU}, Records: []Record{coachRec, clientRec}},
			"carla@example.com(1) coach/disabled", []string{"in neither community"}},
		{"a cancelled coach still active as a client becomes a client after the grace period",
			Input{Coaches: []Member{{Email: "carla@example.com", Status: Cancelled, AccessEnds: ptr(date("2030-01-01"))}},
				Clients: []Member{active("Carla@Example.com"), active("cleo@example.com")}, Users: []User{coachU, clientU}, Records: []Record{coachRec, clientRec}},
			"carla@example.com(1) client/active", []string{"grace period is over"}},
		{"a coach gone from the list without a date: grace from the day it is first seen gone",
			Input{Clients: []Member{active("cleo@example.com")}, Coaches: []Member{active("other@example.com")},
				Users: []User{coachU, clientU}, Records: []Record{coachRec, clientRec}},
			"other@example.com(new) coach/invited", nil},
		{"seen gone eight days ago: the grace period is over",
			Input{Clients: []Member{active("cleo@example.com")}, Coaches: []Member{active("other@example.com")},
				Users: []User{coachU, clientU}, Records: []Record{{Email: "carla@example.com", Community: Coaches, Status: Active, Gone: true,
					LeftAt: ptr(date("2030-01-02")), LastSeen: date("2030-01-01")}, clientRec}},
			"carla@example.com(1) coach/disabled; other@example.com(new) coach/invited", nil},
		{"a client in neither community loses access, role kept",
			Input{Coaches: []Member{active("carla@example.com")}, Clients: []Member{active("x@example.com")}, Users: []User{coachU, clientU},
				Records: []Record{coachRec, clientRec}},
			"cleo@example.com(2) client/disabled; x@example.com(new) client/invited", nil},
		{"a client cancelled with paid access left keeps it",
			Input{Coaches: []Member{active("carla@example.com")}, Clients: []Member{{Email: "cleo@example.com", Status: Cancelled, AccessEnds: ptr(date("2030-01-20"))}},
				Users: []User{coachU, clientU}, Records: []Record{coachRec, clientRec}}, "", nil},
		{"a churned client loses access",
			Input{Coaches: []Member{active("carla@example.com")}, Clients: []Member{{Email: "cleo@example.com", Status: Churned}},
				Users: []User{coachU, clientU}, Records: []Record{coachRec, clientRec}}, "cleo@example.com(2) client/disabled", nil},
		{"a disabled client who rejoins comes back as they were",
			Input{Coaches: []Member{active("carla@example.com")}, Clients: []Member{active("cleo@example.com")},
				Users:   []User{coachU, {ID: 2, Email: "cleo@example.com", Role: app.RoleClient, Status: coaching.StatusDisabled, SignedIn: true}},
				Records: []Record{coachRec, {Email: "cleo@example.com", Community: Clients, Status: Active, Gone: true, LeftAt: ptr(date("2029-12-01"))}}},
			"cleo@example.com(2) client/active", nil},
		{"one who never signed in comes back invited",
			Input{Coaches: []Member{active("carla@example.com")}, Clients: []Member{active("cleo@example.com")},
				Users:   []User{coachU, {ID: 2, Email: "cleo@example.com", Role: app.RoleClient, Status: coaching.StatusDisabled}},
				Records: []Record{coachRec}}, "cleo@example.com(2) client/invited", nil},
		{"an admin is never changed",
			Input{Coaches: []Member{active("carla@example.com")}, Clients: []Member{active("boss@example.com")},
				Users: []User{coachU, {ID: 3, Email: "boss@example.com", Role: app.RoleAdmin, Status: coaching.StatusActive}}, Records: []Record{coachRec}}, "", nil},
		{"a pinned coach in neither community is not changed",
			Input{Coaches: []Member{active("x@example.com")}, Clients: []Member{active("cleo@example.com")},
				Users:   []User{{ID: 1, Email: "carla@example.com", Role: app.RoleCoach, Status: coaching.StatusActive, Pinned: true}, clientU},
				Records: []Record{coachRec, clientRec}}, "x@example.com(new) coach/invited", nil},
		{"a user who never was in Skool is left alone",
			Input{Coaches: []Member{active("carla@example.com")}, Clients: []Member{active("cleo@example.com")},
				Users:   []User{coachU, clientU, {ID: 9, Email: "invited-by-coach@example.com", Role: app.RoleClient, Status: coaching.StatusActive}},
				Records: []Record{coachRec, clientRec}}, "", nil},
		{"emails match without regard to case",
			Input{Coaches: []Member{active("CARLA@example.COM")}, Clients: []Member{active("Cleo@Example.com")},
				Users:   []User{{ID: 1, Email: "Carla@Example.com", Role: app.RoleClient, Status: coaching.StatusActive, SignedIn: true}, clientU},
				Records: []Record{clientRec}}, "Carla@Example.com(1) coach/active", nil},
		{"a community read empty stops the run",
			Input{Coaches: nil, Clients: []Member{active("cleo@example.com")}, Users: []User{coachU, clientU},
				LastGood: map[Community]int{Coaches: 1, Clients: 1}, Threshold: 0.8}, "stopped", nil},
		{"under 80% of the last good run stops it",
			Input{Coaches: []Member{active("carla@example.com")}, Clients: []Member{active("cleo@example.com")},
				Users: []User{coachU, clientU}, LastGood: map[Community]int{Coaches: 1, Clients: 2}, Threshold: 0.8}, "stopped", nil},
		{"80% or more goes ahead",
			Input{Coaches: []Member{active("carla@example.com")}, Clients: []Member{active("cleo@example.com"), active("x@example.com"), active("y@example.com"), active("z@example.com")},
				Users: []User{coachU, clientU}, Records: []Record{coachRec, clientRec}, LastGood: map[Community]int{Coaches: 1, Clients: 5}, Threshold: 0.8},
			"x@example.com(new) client/invited; y@example.com(new) client/invited; z@example.com(new) client/invited", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Now, tc.in.GraceDays = now, 7
			p := Reconcile(tc.in)
			if got := summary(p); got != tc.want {
				t.Fatalf("plan:\n  %s\nwant\n  %s\n(stop: %q)", got, tc.want, p.Stopped)
			}
			for i, r := range tc.reasons {
				if i >= len(p.Users) || !strings.Contains(p.Users[i].Why, r) {
					t.Fatalf("change %d's reason %q, want it to say %q", i, p.Users[i].Why, r)
				}
			}
		})
	}
}

// TestReconcileRemembersWhenSomeoneLeft: the grace period counts from the
// first run that saw a coach cancelled (Skool showing no end of access),
// not from each later run, and the history says each membership change
// once.
func TestReconcileRemembersWhenSomeoneLeft(t *testing.T) {
	coachU := User{ID: 1, Email: "carla@example.com", Role: app.RoleCoach, Status: coaching.StatusActive, SignedIn: true}
	records := []Record{{Email: "carla@example.com", Community: Coaches, Status: Active}}
	run := func(on string) Plan {
		p := Reconcile(Input{Coaches: []Member{{Email: "carla@example.com", Status: Cancelled}}, Clients: []Member{{Email: "x@example.com", Status: Active}},
			Users: []User{coachU, {ID: 5, Email: "x@example.com", Role: app.RoleClient, Status: coaching.StatusActive}}, Records: records, Now: date(on), GraceDays: 7})
		for _, r := range p.Records {
			for i := range records {
				if records[i].Email == r.Email && records[i].Community == r.Community {
					records[i] = r
				}
			}
		}
		return p
	}
	first := run("2030-03-01")
	if first.Events[0].Email != "carla@example.com" || first.Events[0].What != "membership:coaches" || first.Events[0].To != "cancelled" ||
		first.Events[0].UserID != 1 || first.Events[1].Email == "carla@example.com" {
		t.Fatalf("first run's events %+v", first.Events)
	}
	second := run("2030-03-05")
	if len(second.Users) != 0 {
		t.Fatalf("on the 5th the coach changed: %+v", second.Users)
	}
	for _, e := range second.Events {
		if e.Email == "carla@example.com" {
			t.Fatalf("the cancellation was told again: %+v", e)
		}
	}
	if last := run("2030-03-08"); summary(last) != "carla@example.com(1) coach/disabled" {
		t.Fatalf("on the 8th (seven days after the 1st): %s", summary(last))
	}
}
