package outbox_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/mail/mailtest"
)

// TestReminderArrivesWithOneClickUnsubscribe: a reminder the service
// queues a day before a session arrives at a real SMTP server (Mailpit)
// with List-Unsubscribe naming the person's link and
// List-Unsubscribe-Post asking for one click (RFC 8058), the link in its
// body too, and no calendar invitation.
func TestReminderArrivesWithOneClickUnsubscribe(t *testing.T) {
	t.Parallel()
	r := mustRig(t, "sqlite")
	ctx := context.Background()
	coach := mustPerson(t, r, mailtest.Recipient("coach"), app.RoleCoach)
	client := mustPerson(t, r, mailtest.Recipient("client"), app.RoleClient)
	appt := &coaching.Appointment{CoachID: coach.ID, ClientID: client.ID, Title: "Kickoff", StartsAt: t0.Add(48 * time.Hour),
		Duration: time.Hour, Status: coaching.ApptScheduled, RoomID: coaching.RandomRoomID(), CreatedAt: t0, UpdatedAt: t0}
	if err := r.db.CreateAppointment(ctx, appt); err != nil {
		t.Fatal(err)
	}
	svc := coaching.NewService(r.db, r.clock)
	svc.Practice = coaching.Practice{Name: "Bright Path", URL: "https://coach.example.com"}
	svc.CalendarKey = []byte("test key")
	r.clock.Advance(24 * time.Hour)
	if n, err := svc.SendDueReminders(ctx); err != nil || n != 2 {
		t.Fatalf("queued %d reminders: %v", n, err)
	}
	mustRound(t, r.sender(r.mp.SMTP, "node-a"), 2)

	got := r.mp.MustWait(t, client.Email, 1, 5*time.Second)
	h := r.mp.Headers(t, got[0].ID)
	unsub := h["List-Unsubscribe"]
	if len(unsub) != 1 || !strings.HasPrefix(unsub[0], "<https://coach.example.com/unsubscribe/") || !strings.HasSuffix(unsub[0], ">") {
		t.Fatalf("List-Unsubscribe %q", unsub)
	}
	if post := h["List-Unsubscribe-Post"]; len(post) != 1 || post[0] != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post %q", post)
	}
	link := strings.Trim(unsub[0], "<>")
	msg := r.mp.Message(t, got[0].ID)
	if !strings.HasPrefix(msg.Subject, "Reminder: Kickoff with ") || !strings.Contains(msg.Text, link) ||
		!strings.Contains(msg.HTML, link) || !strings.Contains(msg.Text, "starts in 24 hours") {
		t.Errorf("the reminder: %q\n%s", msg.Subject, msg.Text)
	}
	if cal := mailtest.PartsOf(mailtest.Parts(t, r.mp.Raw(t, got[0].ID)), "text/calendar"); len(cal) != 0 {
		t.Errorf("a reminder carries an invitation: %d parts", len(cal))
	}
	coachMail := r.mp.MustWait(t, coach.Email, 1, 5*time.Second)
	if other := r.mp.Headers(t, coachMail[0].ID)["List-Unsubscribe"]; len(other) != 1 || other[0] == unsub[0] {
		t.Errorf("the coach's List-Unsubscribe %q is not theirs", other)
	}
}

// mustPerson creates a user with the address email.
func mustPerson(t *testing.T, r *rig, email string, role app.Role) *coaching.User {
	t.Helper()
	u := &coaching.User{Email: email, Name: "Name of " + strings.SplitN(email, "-", 2)[0], Role: role,
		Status: coaching.StatusActive, CreatedAt: t0, UpdatedAt: t0}
	if err := r.db.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}
