package membership_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"rapport/internal/alert"
	"rapport/internal/alert/alerttest"
	"rapport/internal/membership"
	"rapport/internal/store/storetest"
)

// countingRunner records its runs and fails as told.
type countingRunner struct {
	mu   sync.Mutex
	runs []time.Time
	errs []error // for the next runs, in order
	now  *time.Time
}

func (r *countingRunner) Run(context.Context, membership.Options) (*membership.Report, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.runs = append(r.runs, *r.now)
	if len(r.errs) > 0 {
		err := r.errs[0]
		r.errs = r.errs[1:]
		return &membership.Report{}, err
	}
	return &membership.Report{}, nil
}

// at3 is the next 03:00 UTC after t.
func at3(t time.Time) time.Time {
	next := time.Date(t.Year(), t.Month(), t.Day(), 3, 0, 0, 0, time.UTC)
	if !next.After(t) {
		next = next.AddDate(0, 0, 1)
	}
	return next
}

// TestTheNightlySync with a fake clock: it runs at 03:00 and not before,
// once a day across two nodes sharing the database, retries a failure
// with backoff, and tells the operators (by email to a stand-in SMTP
// server, and a webhook) when it still fails; a safety stop (which the
// syncer tells of) is not retried.
func TestTheNightlySync(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	mail := alerttest.NewSMTP(t)
	var hooks []string
	var hookMu sync.Mutex
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		hookMu.Lock()
		hooks = append(hooks, string(b))
		hookMu.Unlock()
	}))
	defer hook.Close()
	notify := alert.All{alert.Email{Addr: mail.Addr, From: "rapport@example.com", To: []string{"ops@example.com"}}, alert.Webhook{URL: hook.URL}}
	now := time.Date(2030, 5, 1, 12, 0, 0, 0, time.UTC)
	runner := &countingRunner{now: &now}
	node := func(name string) *membership.Scheduler {
		return &membership.Scheduler{Runner: runner, Lease: db, Holder: name, Next: at3, Retries: 2, Backoff: 10 * time.Minute,
			Notify: notify, NoRetry: func(err error) bool { return strings.Contains(err.Error(), "captcha") }}
	}
	a, b := node("a"), node("b")
	ctx := context.Background()
	tick := func(d time.Duration) {
		now = now.Add(d)
		a.Tick(ctx, now)
		b.Tick(ctx, now)
	}
	tick(0)
	if !a.Due().Equal(time.Date(2030, 5, 2, 3, 0, 0, 0, time.UTC)) {
		t.Fatalf("due at %v", a.Due())
	}
	tick(14*time.Hour + 59*time.Minute) // 02:59
	if len(runner.runs) != 0 {
		t.Fatal("it ran before 03:00")
	}
	tick(time.Minute) // 03:00: both nodes are due; one runs
	if len(runner.runs) != 1 {
		t.Fatalf("%d runs at 03:00 across two nodes, want 1", len(runner.runs))
	}
	tick(time.Hour)
	if len(runner.runs) != 1 {
		t.Fatal("it ran again the same night")
	}

	// The next night it fails twice, then works: retried after 10 and 20 minutes.
	runner.errs = []error{errors.New("navigation timed out"), errors.New("navigation timed out")}
	tick(23 * time.Hour) // 03:00 on the 3rd
	tick(10 * time.Minute)
	tick(20 * time.Minute)
	if len(runner.runs) != 4 || !runner.runs[3].Equal(time.Date(2030, 5, 3, 3, 30, 0, 0, time.UTC)) {
		t.Fatalf("runs %v", runner.runs)
	}
	if len(mail.Mail()) != 0 {
		t.Fatal("the operators were told of a failure that a retry fixed")
	}

	// A failure that outlasts the retries is told, and so is the safety stop.
	runner.errs = []error{errors.New("sign-in failed"), errors.New("sign-in failed"), errors.New("sign-in failed"), membership.ErrStopped}
	tick(23*time.Hour + 30*time.Minute) // 03:00 on the 4th
	tick(10 * time.Minute)
	tick(20 * time.Minute)
	waitMail(t, mail, 1)
	if m := mail.Mail()[0]; !strings.Contains(m.Data, "Subject: Skool sync failed") || !strings.Contains(m.Data, "sign-in failed") {
		t.Fatalf("the failure's mail %q", m.Data)
	}
	tick(23*time.Hour + 30*time.Minute) // the 5th: the safety stop (the syncer tells of it), not retried
	tick(10 * time.Minute)
	if got := len(runner.runs); got != 8 {
		t.Fatalf("%d runs; the safety stop was retried", got)
	}

	// A challenge is told at once, never retried into a lock-out.
	before := len(runner.runs)
	runner.errs = []error{errors.New("a captcha needs a human")}
	tick(24 * time.Hour)
	tick(10 * time.Minute)
	if len(runner.runs) != before+1 {
		t.Fatalf("a challenge was retried: %d runs", len(runner.runs)-before)
	}
	waitMail(t, mail, 2)
	hookMu.Lock()
	defer hookMu.Unlock()
	if len(hooks) != 2 || !strings.Contains(hooks[1], "captcha") {
		t.Fatalf("webhooks %q", hooks)
	}
}

func waitMail(t *testing.T, s *alerttest.SMTP, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(s.Mail()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d mails, want %d", len(s.Mail()), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
