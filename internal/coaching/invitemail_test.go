package coaching_test

import (
	"context"
	"strings"
	"testing"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

// TestInvitationQueuesOneEmail: an invitation queues its email to the
// address in the same transaction, whoever has the address (nobody, a
// client, another coach), once per coach and address; a refused
// invitation queues nothing.
func TestInvitationQueuesOneEmail(t *testing.T) {
	t.Parallel()
	w := MustWorld(t)
	w.svc.Practice = coaching.Practice{Name: "Bright Path", URL: "https://coach.example.com"}
	ctx := context.Background()
	invite := func(email, name string) {
		t.Helper()
		if _, err := w.svc.InviteClient(as(w.coach), coaching.Invite{Email: email, Name: name}); err != nil {
			t.Fatalf("invite %s: %v", email, err)
		}
	}
	invite("New.Person@Example.com", "Pat <b>")
	invite("new.person@example.com", "Again")
	invite(w.otherCoach.Email, "")
	invite(w.otherClient.Email, "")
	_, err := w.svc.InviteClient(as(w.coach), coaching.Invite{Email: w.coach.Email})
	MustField(t, err, app.EINVALID, "email")

	list, err := w.db.RecentMail(ctx, 10)
	if err != nil || len(list) != 3 {
		t.Fatalf("outbox: %+v %v", list, err)
	}
	to := map[string]bool{}
	for _, m := range list {
		to[strings.ToLower(m.To)] = true
	}
	for _, want := range []string{"new.person@example.com", w.otherCoach.Email, w.otherClient.Email} {
		if !to[want] {
			t.Errorf("no email to %s: %v", want, to)
		}
	}
	m := list[2]
	if m.Key != coaching.InvitationMailKey(w.coach.ID, "new.person@example.com") || m.ToName != "Pat <b>" {
		t.Errorf("first email %+v", m)
	}
	if want := w.coach.Name + " invites you to work with them on Bright Path"; m.Subject != want {
		t.Errorf("subject %q, want %q", m.Subject, want)
	}
	if !strings.Contains(m.Text, "https://coach.example.com/signin") || !strings.Contains(m.Text, "Hello Pat <b>,") {
		t.Errorf("text:\n%s", m.Text)
	}
	if !strings.Contains(m.HTML, `<a href="https://coach.example.com/signin">`) || !strings.Contains(m.HTML, "Pat &lt;b&gt;") {
		t.Errorf("html:\n%s", m.HTML)
	}
}
