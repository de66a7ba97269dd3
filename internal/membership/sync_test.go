package membership_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"rapport/internal/alert"
	"rapport/internal/alert/alerttest"
	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/membership"
	"rapport/internal/store/storetest"
)

// listScraper is a scraper of fixed lists (the browser scraper has its
// own tests against a stand-in site).
type listScraper struct {
	lists map[membership.Community][]membership.Member
	err   error
	reads []membership.Community
}

func (s *listScraper) Members(_ context.Context, c membership.Community, progress func(int, int)) ([]membership.Member, error) {
	s.reads = append(s.reads, c)
	progress(len(s.lists[c]), len(s.lists[c]))
	return s.lists[c], s.err
}

func (s *listScraper) Close() error { return nil }

// TestASyncRunsOnTheRealStore: a first run prepares everyone; a dry run
// writes nothing but its record; a read that fails is recorded and
// changes nothing; a run that reads far fewer members is stopped.
func TestASyncRunsOnTheRealStore(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	ctx := context.Background()
	m := func(email string) membership.Member {
		return membership.Member{Email: email, Name: email, Status: membership.Active, Joined: time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC)}
	}
	sc := &listScraper{lists: map[membership.Community][]membership.Member{
		membership.Coaches: {m("carla@example.com")},
		membership.Clients: {m("cleo@example.com"), m("nia@example.com"), m("omar@example.com"), m("pia@example.com"), m("quin@example.com")},
	}}
	mail := alerttest.NewSMTP(t)
	s := &membership.Syncer{Scraper: sc, Store: db, GraceDays: 7, Threshold: 0.8, Lease: db, Holder: "test",
		Notify: alert.Email{Addr: mail.Addr, From: "rapport@example.com", To: []string{"ops@example.com"}}}

	dry, err := s.Run(ctx, membership.Options{DryRun: true})
	if err != nil || dry.Run.Outcome != membership.DryRun || len(dry.Plan.Users) != 6 {
		t.Fatalf("dry run %+v %v", dry, err)
	}
	if _, err := db.UserByEmail(ctx, "carla@example.com"); app.ErrorCode(err) != app.ENOTFOUND {
		t.Fatalf("a dry run wrote a user: %v", err)
	}
	rep, err := s.Run(ctx, membership.Options{})
	if err != nil || rep.Run.Outcome != membership.OK || rep.Run.Changes != 6 {
		t.Fatalf("first run %+v %v", rep.Run, err)
	}
	if u, err := db.UserByEmail(ctx, "carla@example.com"); err != nil || u.Role != app.RoleCoach || u.Status != coaching.StatusInvited {
		t.Fatalf("the coach %+v %v", u, err)
	}

	sc.err = errors.New("sign-in refused")
	if _, err := s.Run(ctx, membership.Options{}); err == nil {
		t.Fatal("a failed read was not an error")
	}
	sc.err = nil

	sc.lists[membership.Clients] = sc.lists[membership.Clients][:2] // a changed page: 2 of 5
	rep, err = s.Run(ctx, membership.Options{})
	if !errors.Is(err, membership.ErrStopped) || rep.Run.Outcome != membership.Stopped {
		t.Fatalf("a run reading 2 of 5 clients: %+v %v", rep.Run, err)
	}
	if u, _ := db.UserByEmail(ctx, "pia@example.com"); u.Status != coaching.StatusInvited {
		t.Fatalf("the safety stop let a change through: %+v", u)
	}
	if m := mail.Mail(); len(m) != 1 || !strings.Contains(m[0].Data, "Subject: Skool sync stopped") || !strings.Contains(m[0].Data, "under 80%") {
		t.Fatalf("the operators were not told of the stop: %+v", m)
	}
	// Another run holding the lease (another node) keeps this one out.
	if ok, _ := db.AcquireLease(ctx, "skool-sync running", "other-node", time.Now().Add(time.Hour), time.Now()); !ok {
		t.Fatal("the lease was not free after the runs")
	}
	if _, err := s.Run(ctx, membership.Options{}); !errors.Is(err, membership.ErrBusy) {
		t.Fatalf("a run while another node's runs: %v", err)
	}
	if err := db.ReleaseLease(ctx, "skool-sync running", "other-node"); err != nil {
		t.Fatal(err)
	}
	runs, _ := db.MembershipRuns(ctx, 10)
	want := []membership.Outcome{membership.Stopped, membership.Failed, membership.OK, membership.DryRun}
	for i, r := range runs {
		if r.Outcome != want[i] {
			t.Fatalf("run %d: %s, want %s (%+v)", i, r.Outcome, want[i], runs)
		}
	}

	// Only the clients' community: the coaches' stays as last read.
	sc.lists[membership.Clients] = append(sc.lists[membership.Clients], m("pia@example.com"), m("quin@example.com"), m("omar@example.com"))
	sc.reads = nil
	if rep, err := s.Run(ctx, membership.Options{Only: membership.Clients}); err != nil || rep.Run.Coaches != 1 || len(sc.reads) != 1 {
		t.Fatalf("a run of the clients only: %+v %v, read %v", rep, err, sc.reads)
	}
}
