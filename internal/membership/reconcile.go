package membership

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

// User is a user as reconciliation sees them.
type User struct {
	ID       int64
	Email    string
	Name     string
	Role     app.Role
	Status   coaching.UserStatus
	Pinned   bool // an admin pinned their role by hand: never changed
	SignedIn bool // they have signed in at least once
}

// Record is what the practice knows of a person in a community, kept
// between runs.
type Record struct {
	Email      string
	Community  Community
	Status     Status
	Joined     time.Time
	AccessEnds *time.Time // the end of a cancelled member's paid period, where shown
	// LeftAt is the day a sync first saw them cancelled or gone (the grace
	// period's start when Skool shows no end of access).
	LeftAt     *time.Time
	GraceUntil *time.Time // a cancelled coach stays a coach until then
	LastSeen   time.Time  // the last run that found them in the list
	Gone       bool       // no longer in the list at all
}

// Input is what a run knows.
type Input struct {
	Coaches, Clients []Member // the lists read now
	Users            []User   // today's users
	Records          []Record // today's records
	Now              time.Time
	GraceDays        int
	// LastGood is how many members each community had in the last run that
	// changed something; Threshold (SKOOL_SAFETY_THRESHOLD) is the share
	// of that below which a run stops (a failed sign-in or a changed page
	// must not demote).
	LastGood  map[Community]int
	Threshold float64
}

// Plan is what a run changes.
type Plan struct {
	// Stopped says why the run changes nothing (the safety stop); "" when
	// it goes ahead.
	Stopped string
	Users   []UserChange
	Records []Record // new or changed records
	Events  []Event
}

// UserChange is a user's new role and status; ID 0 is a user to prepare
// by email (status invited).
type UserChange struct {
	ID         int64
	Email      string
	Name       string
	FromRole   app.Role
	ToRole     app.Role
	FromStatus coaching.UserStatus
	ToStatus   coaching.UserStatus
	Why        string
}

// Event is one change for the history: who, what, from, to, why.
type Event struct {
	UserID int64 // 0 for a user prepared in this run
	Email  string
	What   string // "role", "status", "membership:coaches", "membership:clients"
	From   string
	To     string
	Why    string
}

// Reconcile turns the member lists and today's users into a plan. It is a
// pure function: the same input gives the same plan.
func Reconcile(in Input) Plan {
	if why := safetyStop(in); why != "" {
		return Plan{Stopped: why}
	}
	today := day(in.Now)
	records := indexRecords(in.Records)
	var plan Plan
	lists := map[Community]map[string]Member{Coaches: index(in.Coaches), Clients: index(in.Clients)}
	next := map[string]map[Community]Record{}
	for _, c := range []Community{Coaches, Clients} {
		for email, rec := range nextRecords(c, lists[c], records, in.Now, in.GraceDays) {
			if next[email] == nil {
				next[email] = map[Community]Record{}
			}
			next[email][c] = rec
			if old, ok := records[email][c]; !ok || !sameRecord(old, rec) {
				plan.Records = append(plan.Records, rec)
				if !ok || old.Status != rec.Status || old.Gone != rec.Gone {
					plan.Events = append(plan.Events, Event{Email: email, What: "membership:" + string(c),
						From: recordState(old, ok), To: recordState(rec, true), Why: "the " + string(c) + "' community list"})
				}
			}
		}
	}
	users := indexUsers(in.Users)
	for _, email := range sortedKeys(next) {
		role, status, why := standing(next[email], today)
		u, known := users[email]
		change, ok := userChange(u, known, email, nameOf(lists, email), role, status, why)
		if !ok {
			continue
		}
		plan.Users = append(plan.Users, change)
		plan.Events = append(plan.Events, changeEvents(change)...)
	}
	for i := range plan.Events {
		if u, ok := users[strings.ToLower(plan.Events[i].Email)]; ok {
			plan.Events[i].UserID = u.ID
		}
	}
	return plan
}

// safetyStop says why a run must change nothing: a community read empty,
// or with far fewer members than the last good run.
func safetyStop(in Input) string {
	for _, c := range []Community{Coaches, Clients} {
		n := len(in.Coaches)
		if c == Clients {
			n = len(in.Clients)
		}
		last := in.LastGood[c]
		switch {
		case n == 0 && last > 0:
			return fmt.Sprintf("the %s' community read empty (the last good run had %d members): nothing was changed", c, last)
		case last > 0 && float64(n) < in.Threshold*float64(last):
			return fmt.Sprintf("the %s' community read %d members, under %.0f%% of the last good run's %d: nothing was changed",
				c, n, in.Threshold*100, last)
		}
	}
	return ""
}

// nextRecords is each person's record in community c after this run: the
// people in the list, and those who were and are gone.
func nextRecords(c Community, list map[string]Member, records map[string]map[Community]Record, now time.Time, graceDays int) map[string]Record {
	out := map[string]Record{}
	for email, m := range list {
		old, had := records[email][c]
		rec := Record{Email: email, Community: c, Status: m.Status, Joined: m.Joined, AccessEnds: m.AccessEnds, LastSeen: now}
		if m.Status == Churned {
			rec.Gone = true
		}
		rec.LeftAt = leftAt(old, had, m.Status != Active, now)
		out[email] = withGrace(rec, graceDays)
	}
	for email, byC := range records {
		old, ok := byC[c]
		if !ok || list[email].Email != "" {
			continue
		}
		rec := old
		rec.Gone = true
		rec.LeftAt = leftAt(old, true, true, now)
		out[email] = withGrace(rec, graceDays)
	}
	return out
}

// leftAt is the day a person first was seen cancelled or gone; nil while
// active.
func leftAt(old Record, had, left bool, now time.Time) *time.Time {
	switch {
	case !left:
		return nil
	case had && old.LeftAt != nil:
		return old.LeftAt
	}
	d := day(now)
	return &d
}

// withGrace sets when a record's grace period ends: GraceDays after the
// end of paid access where Skool shows it, else after the day it left.
func withGrace(rec Record, graceDays int) Record {
	rec.GraceUntil = nil
	if rec.Status == Active && !rec.Gone {
		return rec
	}
	start := rec.LeftAt
	if rec.AccessEnds != nil {
		start = rec.AccessEnds
	}
	if start != nil {
		until := day(*start).AddDate(0, 0, graceDays)
		rec.GraceUntil = &until
	}
	return rec
}

// standing is the role and status a person's records give today.
func standing(recs map[Community]Record, today time.Time) (app.Role, coaching.UserStatus, string) {
	coach, isCoach := recs[Coaches]
	client, isClient := recs[Clients]
	switch {
	case isCoach && coach.Status == Active && !coach.Gone:
		return app.RoleCoach, coaching.StatusActive, "active in the coaches' community"
	case isCoach && coach.GraceUntil != nil && today.Before(*coach.GraceUntil):
		return app.RoleCoach, coaching.StatusActive, "left the coaches' community; a coach until " + coach.GraceUntil.Format("2006-01-02")
	case isClient && hasAccess(client, today):
		why := "active in the clients' community"
		if isCoach {
			why = "the coaches' grace period is over; " + why
		}
		return app.RoleClient, coaching.StatusActive, why
	}
	return "", coaching.StatusDisabled, "in neither community"
}

// hasAccess reports whether a client-community record gives access today:
// active, or cancelled with paid access not yet ended.
func hasAccess(r Record, today time.Time) bool {
	if r.Gone {
		return false
	}
	return r.Status == Active || (r.Status == Cancelled && r.AccessEnds != nil && today.Before(day(*r.AccessEnds).AddDate(0, 0, 1)))
}

// userChange is what changes for a user, if anything: admins and pinned
// users never change; a user not there yet is prepared when they have
// access; a user who loses access keeps their role, disabled; one who comes
// back is active again (invited if they never signed in).
func userChange(u User, known bool, email, name string, role app.Role, status coaching.UserStatus, why string) (UserChange, bool) {
	if known && (u.Role == app.RoleAdmin || u.Pinned) {
		return UserChange{}, false
	}
	if !known {
		if status == coaching.StatusDisabled {
			return UserChange{}, false // no access: nobody to prepare
		}
		return UserChange{Email: email, Name: name, ToRole: role, ToStatus: coaching.StatusInvited, Why: why}, true
	}
	c := UserChange{ID: u.ID, Email: u.Email, Name: u.Name, FromRole: u.Role, ToRole: u.Role, FromStatus: u.Status, ToStatus: u.Status, Why: why}
	if status == coaching.StatusDisabled {
		c.ToStatus = coaching.StatusDisabled
	} else {
		c.ToRole = role
		if u.Status == coaching.StatusDisabled {
			c.ToStatus = coaching.StatusActive
			if !u.SignedIn {
				c.ToStatus = coaching.StatusInvited
			}
		}
	}
	return c, c.ToRole != c.FromRole || c.ToStatus != c.FromStatus
}

func changeEvents(c UserChange) []Event {
	var out []Event
	if c.ID == 0 {
		return append(out, Event{Email: c.Email, What: "user", From: "", To: string(c.ToRole) + ", invited", Why: c.Why})
	}
	if c.FromRole != c.ToRole {
		out = append(out, Event{Email: c.Email, What: "role", From: string(c.FromRole), To: string(c.ToRole), Why: c.Why})
	}
	if c.FromStatus != c.ToStatus {
		out = append(out, Event{Email: c.Email, What: "status", From: string(c.FromStatus), To: string(c.ToStatus), Why: c.Why})
	}
	return out
}

func recordState(r Record, ok bool) string {
	switch {
	case !ok:
		return ""
	case r.Gone:
		return "gone"
	}
	return string(r.Status)
}

func sameRecord(a, b Record) bool {
	return a.Status == b.Status && a.Gone == b.Gone && a.Joined.Equal(b.Joined) && sameTime(a.AccessEnds, b.AccessEnds) &&
		sameTime(a.LeftAt, b.LeftAt) && sameTime(a.GraceUntil, b.GraceUntil) && a.LastSeen.Equal(b.LastSeen)
}

func sameTime(a, b *time.Time) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
}

func index(list []Member) map[string]Member {
	out := make(map[string]Member, len(list))
	for _, m := range list {
		m.Email = strings.ToLower(strings.TrimSpace(m.Email))
		if m.Email != "" {
			out[m.Email] = m
		}
	}
	return out
}

func indexUsers(list []User) map[string]User {
	out := make(map[string]User, len(list))
	for _, u := range list {
		out[strings.ToLower(u.Email)] = u
	}
	return out
}

func indexRecords(list []Record) map[string]map[Community]Record {
	out := map[string]map[Community]Record{}
	for _, r := range list {
		email := strings.ToLower(r.Email)
		r.Email = email
		if out[email] == nil {
			out[email] = map[Community]Record{}
		}
		out[email][r.Community] = r
	}
	return out
}

func nameOf(lists map[Community]map[string]Member, email string) string {
	if m, ok := lists[Coaches][email]; ok && m.Name != "" {
		return m.Name
	}
	return lists[Clients][email].Name
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// day is the UTC midnight of a time: grace periods count whole days.
func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
