package coaching_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/mail"
)

// TestDueReminders: a reminder is due from exactly its time until the
// session starts, never for a cancelled one or once it has started, not
// when its time came before the last change (booked or moved inside the
// offset), and several due at once come nearest first.
func TestDueReminders(t *testing.T) {
	start := time.Date(2030, 3, 10, 15, 0, 0, 0, time.UTC)
	booked := start.Add(-7 * 24 * time.Hour)
	def := (*coaching.Availability)(nil).ReminderOffsets()
	ny, _ := time.LoadLocation("America/New_York")
	// 10 March 2030 is the spring-forward day in New York: 02:00 EST
	// jumps to 03:00 EDT. A session at 10:00 EDT that day is 23 hours of
	// wall clock after 10:00 EST the day before, yet its 24 h reminder is
	// 24 real hours before it, at 09:00 EST.
	dstStart := time.Date(2030, 3, 10, 10, 0, 0, 0, ny)
	for _, c := range []struct {
		name    string
		start   time.Time
		status  coaching.AppointmentStatus
		changed time.Time
		now     time.Time
		want    []time.Duration
	}{
		{"a second before the day's", start, coaching.ApptScheduled, booked, start.Add(-24*time.Hour - time.Second), nil},
		{"exactly at the day's", start, coaching.ApptScheduled, booked, start.Add(-24 * time.Hour), []time.Duration{24 * time.Hour}},
		{"between the two", start, coaching.ApptScheduled, booked, start.Add(-2 * time.Hour), []time.Duration{24 * time.Hour}},
		{"exactly at the hour's", start, coaching.ApptScheduled, booked, start.Add(-time.Hour), []time.Duration{time.Hour, 24 * time.Hour}},
		{"a second before the start", start, coaching.ApptScheduled, booked, start.Add(-time.Second), []time.Duration{time.Hour, 24 * time.Hour}},
		{"at the start", start, coaching.ApptScheduled, booked, start, nil},
		{"started", start, coaching.ApptScheduled, booked, start.Add(time.Minute), nil},
		{"cancelled", start, coaching.ApptCancelled, booked, start.Add(-time.Hour), nil},
		{"completed", start, coaching.ApptCompleted, booked, start.Add(-time.Hour), nil},
		{"booked three hours before", start, coaching.ApptScheduled, start.Add(-3 * time.Hour), start.Add(-2 * time.Hour), nil},
		{"booked three hours before, the hour's", start, coaching.ApptScheduled, start.Add(-3 * time.Hour), start.Add(-time.Hour), []time.Duration{time.Hour}},
		{"changed exactly at the day's", start, coaching.ApptScheduled, start.Add(-24 * time.Hour), start.Add(-24 * time.Hour), []time.Duration{24 * time.Hour}},
		{"moved after the day's", start, coaching.ApptScheduled, start.Add(-20 * time.Hour), start.Add(-19 * time.Hour), nil},
		{"DST day, a second before", dstStart, coaching.ApptScheduled, booked, time.Date(2030, 3, 9, 8, 59, 59, 0, ny), nil},
		{"DST day, 24 real hours before", dstStart, coaching.ApptScheduled, booked, time.Date(2030, 3, 9, 9, 0, 0, 0, ny), []time.Duration{24 * time.Hour}},
		{"DST day, the hour's", dstStart, coaching.ApptScheduled, booked, time.Date(2030, 3, 10, 9, 0, 0, 0, ny), []time.Duration{time.Hour, 24 * time.Hour}},
	} {
		t.Run(c.name, func(t *testing.T) {
			appt := &coaching.Appointment{StartsAt: c.start.UTC(), Duration: time.Hour, Status: c.status, UpdatedAt: c.changed}
			if got := coaching.DueReminders(appt, def, c.now); !slices.Equal(got, c.want) {
				t.Errorf("due at %s: %v, want %v", c.now, got, c.want)
			}
		})
	}
}

// TestReminderOffsetsValidate: a coach's reminders are positive, at most
// three, at most a week ahead, and none twice; an empty list is none, and
// no list the defaults.
func TestReminderOffsetsValidate(t *testing.T) {
	for _, c := range []struct {
		name    string
		minutes []int
		bad     bool
	}{
		{"defaults", nil, false},
		{"none", []int{}, false},
		{"three", []int{10080, 120, 5}, false},
		{"four", []int{1440, 120, 60, 5}, true},
		{"zero", []int{0}, true},
		{"negative", []int{-60}, true},
		{"over a week", []int{10081}, true},
		{"twice", []int{60, 60}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			av := coaching.DefaultAvailability("Europe/Paris")
			av.ReminderMinutes = c.minutes
			err := av.Validate()
			if c.bad {
				MustField(t, err, app.EINVALID, "reminder_minutes")
			} else if err != nil {
				t.Fatal(err)
			}
		})
	}
	av := coaching.Availability{ReminderMinutes: []int{60, 1440, 15}}
	if got, want := av.ReminderOffsets(), []time.Duration{24 * time.Hour, time.Hour, 15 * time.Minute}; !slices.Equal(got, want) {
		t.Errorf("offsets %v, want %v", got, want)
	}
	if got := (&coaching.Availability{ReminderMinutes: []int{}}).ReminderOffsets(); len(got) != 0 {
		t.Errorf("no reminders: %v", got)
	}
}

// reminderWorld is a world whose practice has an address, so that the
// reminders carry links.
func reminderWorld(t *testing.T) *world {
	t.Helper()
	w := MustWorld(t)
	w.svc.Practice = coaching.Practice{Name: "Bright Path", URL: "https://coach.example.com"}
	w.svc.CalendarKey = []byte("test key")
	return w
}

// mustRemind runs the reminder loop's work at the world's clock and checks
// how many emails it queued.
func mustRemind(t *testing.T, w *world, want int) {
	t.Helper()
	n, err := w.svc.SendDueReminders(context.Background())
	if err != nil || n != want {
		t.Fatalf("at %s: queued %d reminders (%v), want %d", w.clock.Now(), n, err, want)
	}
}

// reminders are the queued reminder emails by key.
func reminders(t *testing.T, w *world) map[string]*mail.Queued {
	t.Helper()
	list, err := w.db.RecentMail(context.Background(), 500)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*mail.Queued{}
	for _, m := range list {
		if strings.HasPrefix(m.Key, coaching.MailReminder+":") {
			out[m.Key] = m
		}
	}
	return out
}

// TestSendDueReminders: the day's reminder goes to both people exactly at
// its time, once however often the loop runs; the hour's at its own; each
// in the person's zone, with the room's link, no invitation, and the
// person's one-click unsubscribe link as List-Unsubscribe.
func TestSendDueReminders(t *testing.T) {
	t.Parallel()
	w := reminderWorld(t)
	if _, err := w.svc.PutProfile(as(w.client), map[string]any{"timezone": "America/New_York"}); err != nil {
		t.Fatal(err)
	}
	start := now.Add(48 * time.Hour)
	appt := MustBook(t, w, w.coach, w.client, start)
	w.clock.Advance(24*time.Hour - time.Second)
	mustRemind(t, w, 0)
	w.clock.Advance(time.Second)
	mustRemind(t, w, 2)
	mustRemind(t, w, 0)
	got := reminders(t, w)
	client := got[coaching.ReminderMailKey(appt.ID, "client", 24*time.Hour, appt.Sequence)]
	coach := got[coaching.ReminderMailKey(appt.ID, "coach", 24*time.Hour, appt.Sequence)]
	if len(got) != 2 || client == nil || coach == nil {
		t.Fatalf("after the day's reminder: %v", got)
	}
	if client.To != w.client.Email || client.Calendar != "" || !strings.Contains(client.Text, "starts in 24 hours") ||
		!strings.Contains(client.Text, "https://coach.example.com/rooms/"+appt.RoomID) ||
		!strings.Contains(client.Text, "(America/New_York)") || !strings.HasPrefix(client.Subject, "Reminder: Session with ") {
		t.Errorf("the client's reminder: %+v", client)
	}
	if !strings.HasPrefix(client.Unsubscribe, "https://coach.example.com/unsubscribe/") ||
		!strings.Contains(client.Text, client.Unsubscribe) || !strings.Contains(client.HTML, client.Unsubscribe) ||
		client.Unsubscribe == coach.Unsubscribe {
		t.Errorf("unsubscribe links: client %q, coach %q", client.Unsubscribe, coach.Unsubscribe)
	}
	if !strings.Contains(coach.Text, "(UTC)") {
		t.Errorf("the coach's reminder is not in UTC (no zone set): %s", coach.Text)
	}

	w.clock.Advance(23 * time.Hour)
	mustRemind(t, w, 2)
	if len(reminders(t, w)) != 4 {
		t.Errorf("after the hour's reminder: %v", reminders(t, w))
	}
	w.clock.Advance(time.Hour)
	mustRemind(t, w, 0)
}

// TestRemindersOfAMovedAppointment: a moved appointment gets fresh
// reminders for its new time (a new sequence), while the reminders of its
// old time are not sent again; a cancelled one gets none.
func TestRemindersOfAMovedAppointment(t *testing.T) {
	t.Parallel()
	w := reminderWorld(t)
	start := now.Add(30 * time.Hour)
	appt := MustBook(t, w, w.coach, w.client, start)
	w.clock.Advance(6 * time.Hour) // the day's reminder is due
	mustRemind(t, w, 2)
	later := start.Add(48 * time.Hour)
	moved, err := w.svc.UpdateAppointment(as(w.coach), appt.ID, coaching.AppointmentChange{StartsAt: &later})
	if err != nil {
		t.Fatal(err)
	}
	mustRemind(t, w, 0)
	w.clock.Advance(48 * time.Hour) // a day before the new time
	mustRemind(t, w, 2)
	if got := reminders(t, w); got[coaching.ReminderMailKey(appt.ID, "client", 24*time.Hour, moved.Sequence)] == nil {
		t.Errorf("no fresh reminder at sequence %d: %v", moved.Sequence, got)
	}
	MustCancel(t, w, w.client, appt.ID)
	w.clock.Advance(23 * time.Hour) // the hour's time of the cancelled session
	mustRemind(t, w, 0)
}

// TestRemindersAfterAPause: reminders whose time passed while no server
// ran go once, only the nearest, if the session has not started; none
// once it has.
func TestRemindersAfterAPause(t *testing.T) {
	t.Parallel()
	w := reminderWorld(t)
	first := MustBook(t, w, w.coach, w.client, now.Add(48*time.Hour))
	second := MustBook(t, w, w.coach, w.client, now.Add(49*time.Hour+30*time.Minute))
	w.clock.Advance(48*time.Hour + 45*time.Minute) // first started; second in 45 minutes
	mustRemind(t, w, 2)
	got := reminders(t, w)
	if len(got) != 2 || got[coaching.ReminderMailKey(second.ID, "client", time.Hour, second.Sequence)] == nil {
		t.Fatalf("after the pause: %v", got)
	}
	for k := range got {
		if strings.Contains(k, "/client/1440m") || strings.Contains(k, ":"+strconv.FormatInt(first.ID, 10)+"/") {
			t.Errorf("sent %s", k)
		}
	}
	if !strings.Contains(got[coaching.ReminderMailKey(second.ID, "client", time.Hour, second.Sequence)].Text, "starts in 45 minutes") {
		t.Errorf("the late reminder does not say how soon")
	}
	mustRemind(t, w, 0)
}

// TestReminderChoices: a person who turned reminders off gets none while
// the other person gets theirs; one who turned booking emails off gets no
// booking, change or cancellation email, decided when it is queued.
func TestReminderChoices(t *testing.T) {
	t.Parallel()
	w := reminderWorld(t)
	if got, err := w.svc.EmailChoices(as(w.client)); err != nil || got != coaching.DefaultEmailChoices() {
		t.Fatalf("choices before any: %+v %v", got, err)
	}
	if _, err := w.svc.SetEmailChoices(as(w.client), coaching.EmailChoices{Bookings: false, Reminders: false}); err != nil {
		t.Fatal(err)
	}
	appt := MustBook(t, w, w.coach, w.client, now.Add(48*time.Hour))
	list, err := w.db.RecentMail(context.Background(), 10)
	if err != nil || len(list) != 1 || list[0].To != w.coach.Email {
		t.Fatalf("booking emails with the client's off: %d %v", len(list), err)
	}
	w.clock.Advance(24 * time.Hour)
	mustRemind(t, w, 1)
	if got := reminders(t, w); got[coaching.ReminderMailKey(appt.ID, "coach", 24*time.Hour, appt.Sequence)] == nil || len(got) != 1 {
		t.Errorf("reminders with the client's off: %v", got)
	}
	if _, err := w.svc.SetEmailChoices(as(w.client), coaching.DefaultEmailChoices()); err != nil {
		t.Fatal(err)
	}
	mustRemind(t, w, 0) // the day's was handled: turning them on again sends no late copy
	if _, err := w.svc.EmailChoices(context.Background()); app.ErrorCode(err) != app.EUNAUTHORIZED {
		t.Errorf("choices of nobody: %v", err)
	}

	// The coach's reminders off: the client's still go.
	if _, err := w.svc.SetEmailChoices(as(w.coach), coaching.EmailChoices{Bookings: true}); err != nil {
		t.Fatal(err)
	}
	second := MustBook(t, w, w.coach, w.client, w.clock.Now().Add(48*time.Hour))
	w.clock.Advance(24 * time.Hour)
	mustRemind(t, w, 1)
	if got := reminders(t, w); got[coaching.ReminderMailKey(second.ID, "client", 24*time.Hour, second.Sequence)] == nil ||
		got[coaching.ReminderMailKey(second.ID, "coach", 24*time.Hour, second.Sequence)] != nil {
		t.Errorf("reminders with the coach's off: %v", got)
	}
}

// TestCoachReminderSettings: a coach with no reminders gets none sent for
// their sessions; one with their own offsets gets those.
func TestCoachReminderSettings(t *testing.T) {
	t.Parallel()
	w := reminderWorld(t)
	av := coaching.DefaultAvailability("UTC")
	av.ReminderMinutes = []int{}
	if err := w.svc.SetAvailability(as(w.coach), &av); err != nil {
		t.Fatal(err)
	}
	MustBook(t, w, w.coach, w.client, now.Add(48*time.Hour))
	w.clock.Advance(47*time.Hour + 59*time.Minute)
	mustRemind(t, w, 0)

	av.ReminderMinutes = []int{180}
	if err := w.svc.SetAvailability(as(w.otherCoach), &av); err != nil {
		t.Fatal(err)
	}
	appt := MustBook(t, w, w.otherCoach, w.otherClient, w.clock.Now().Add(5*time.Hour))
	w.clock.Advance(2 * time.Hour)
	mustRemind(t, w, 2)
	if got := reminders(t, w); got[coaching.ReminderMailKey(appt.ID, "client", 3*time.Hour, appt.Sequence)] == nil {
		t.Errorf("the three hours' reminder: %v", got)
	}
}

// TestUnsubscribeReminders: the token in a reminder turns that person's
// reminders off, and only theirs; looking at it changes nothing; an
// unknown token is not found.
func TestUnsubscribeReminders(t *testing.T) {
	t.Parallel()
	w := reminderWorld(t)
	appt := MustBook(t, w, w.coach, w.client, now.Add(48*time.Hour))
	w.clock.Advance(24 * time.Hour)
	mustRemind(t, w, 2)
	link := reminders(t, w)[coaching.ReminderMailKey(appt.ID, "client", 24*time.Hour, appt.Sequence)].Unsubscribe
	token := link[strings.LastIndexByte(link, '/')+1:]
	ctx := context.Background()
	who, err := w.svc.UnsubscribeTarget(ctx, token)
	if err != nil || who.Email != w.client.Email || !who.Reminders {
		t.Fatalf("target: %+v %v", who, err)
	}
	if c, _ := w.svc.EmailChoices(as(w.client)); !c.Reminders {
		t.Fatal("looking at the link turned reminders off")
	}
	for range 2 {
		if err := w.svc.UnsubscribeReminders(ctx, token); err != nil {
			t.Fatal(err)
		}
	}
	if c, _ := w.svc.EmailChoices(as(w.client)); c.Reminders || !c.Bookings {
		t.Errorf("the client's choices after unsubscribing: %+v", c)
	}
	if c, _ := w.svc.EmailChoices(as(w.coach)); !c.Reminders {
		t.Errorf("the coach's reminders went off too")
	}
	w.clock.Advance(23 * time.Hour)
	mustRemind(t, w, 1)
	for _, bad := range []string{"", "nope", token + "x", strings.Repeat("a", 200)} {
		MustCode(t, w.svc.UnsubscribeReminders(ctx, bad), app.ENOTFOUND)
		_, err := w.svc.UnsubscribeTarget(ctx, bad)
		MustCode(t, err, app.ENOTFOUND)
	}
}

// TestReminderLoopTakesTheLease: of two servers, the one holding the lease
// queues the reminders; the other does nothing until the lease runs out.
func TestReminderLoopTakesTheLease(t *testing.T) {
	t.Parallel()
	w := reminderWorld(t)
	MustBook(t, w, w.coach, w.client, now.Add(48*time.Hour))
	w.clock.Advance(24 * time.Hour)
	a := coaching.ReminderLoop(w.svc, w.db, "node-a", nil)
	b := coaching.ReminderLoop(w.svc, w.db, "node-b", nil)
	ctx := context.Background()
	if n, err := a.Round(ctx); err != nil || n != 2 {
		t.Fatalf("node a: %d %v", n, err)
	}
	if ok, err := w.db.AcquireLease(ctx, coaching.ReminderLease, "node-b", now.Add(time.Hour), w.clock.Now()); err != nil || ok {
		t.Fatalf("node b took a held lease: %v %v", ok, err)
	}
	if n, err := b.Round(ctx); err != nil || n != 0 {
		t.Fatalf("node b without the lease: %d %v", n, err)
	}
}

// TestUnsubscribeLinkAfterAKeyChange: when the server's key changes, the
// next reminder carries a new link that works, the old one is dead, and
// renewing the link keeps the person's choices.
func TestUnsubscribeLinkAfterAKeyChange(t *testing.T) {
	t.Parallel()
	w := reminderWorld(t)
	if _, err := w.svc.SetEmailChoices(as(w.client), coaching.EmailChoices{Bookings: false, Reminders: true}); err != nil {
		t.Fatal(err)
	}
	linkOf := func(appt *coaching.Appointment) string {
		t.Helper()
		m := reminders(t, w)[coaching.ReminderMailKey(appt.ID, "client", 24*time.Hour, appt.Sequence)]
		if m == nil {
			t.Fatalf("no reminder to the client of appointment %d", appt.ID)
		}
		return m.Unsubscribe[strings.LastIndexByte(m.Unsubscribe, '/')+1:]
	}
	first := MustBook(t, w, w.coach, w.client, now.Add(48*time.Hour))
	w.clock.Advance(24 * time.Hour)
	mustRemind(t, w, 2)
	old := linkOf(first)
	w.svc.CalendarKey = []byte("another key")
	second := MustBook(t, w, w.coach, w.client, w.clock.Now().Add(48*time.Hour))
	w.clock.Advance(24 * time.Hour)
	mustRemind(t, w, 2)
	renewed := linkOf(second)
	ctx := context.Background()
	if renewed == old {
		t.Fatal("the link did not change with the key")
	}
	MustCode(t, w.svc.UnsubscribeReminders(ctx, old), app.ENOTFOUND)
	if c, _ := w.svc.EmailChoices(as(w.client)); c.Bookings || !c.Reminders {
		t.Fatalf("renewing the link changed the choices: %+v", c)
	}
	if err := w.svc.UnsubscribeReminders(ctx, renewed); err != nil {
		t.Fatal(err)
	}
	if c, _ := w.svc.EmailChoices(as(w.client)); c.Reminders || c.Bookings {
		t.Errorf("after unsubscribing with the renewed link: %+v", c)
	}
}
