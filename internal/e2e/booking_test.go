package e2e

import (
	"slices"
	"strconv"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/chromedp/chromedp"

	"rapport/internal/mail/mailtest"
)

// selfBookingE2E: the coach opens Saturdays on the availability page and
// adds a session type; the client finds it under Book a session, picks a
// time and lands on the appointment, booked, then moves it to another
// time and cancels it; the coach's open dashboard shows each change
// without a reload, and each step's email reaches both at Mailpit with
// its calendar invitation.
func selfBookingE2E(coach, client *person, mp *mailtest.Mailpit) {
	coach.open("/availability", 200)
	coach.do(chromedp.SetValue(chromedp.ID("hours_saturday"), "10:00-14:00"))
	coach.click(`form[data-availability] button[type=submit]`, 200)
	coach.wantText(".flash", "Saved")
	coach.do(chromedp.SendKeys(chromedp.ID("st_name"), "Deep dive"))
	coach.do(chromedp.SetValue(chromedp.ID("st_minutes"), "90"))
	coach.click(`form[data-new-type] button[type=submit]`, 200)
	coach.wantText("[data-session-types]", "Deep dive")
	coach.shot("availability")

	coach.open("/dashboard", 200)
	coach.waitFor(`document.body.dataset.events === "open"`)

	client.open("/book", 200)
	client.wantText("[data-book-types]", "Deep dive")
	client.shot("book")
	client.click(`[data-book-types] a`, 200)
	first := eval[string](client, `document.querySelector("[data-slots] button")?.dataset.slot ?? ""`)
	if first == "" {
		client.fatalf("no free time offered")
	}
	client.shot("book-slots")
	client.click(`[data-slots] button`, 200)
	if p := client.path(); !strings.HasPrefix(p, "/appointments/") {
		client.fatalf("after booking the browser is at %s", p)
	}
	client.wantText("main", "Deep dive")
	coach.waitFor(`Number(document.body.dataset.refreshed || 0) >= 1 && document.querySelector("main").innerText.includes("Deep dive")`)
	coach.shot("dashboard-booked-live")

	client.click(`[data-move]`, 200)
	second := eval[string](client, `[...document.querySelectorAll("[data-slots] button")].map(b => b.dataset.slot).find(s => s !== `+jsString(first)+`) ?? ""`)
	if second == "" {
		client.fatalf("no other time to move to")
	}
	client.click(`[data-slots] button[data-slot="`+second+`"]`, 200)
	client.wantText(".flash", "Moved")
	coach.waitFor(`Number(document.body.dataset.refreshed || 0) >= 2`)

	client.click(`a[href$="/cancel"]`, 200)
	client.do(chromedp.SendKeys(chromedp.ID("reason"), "Something came up"))
	client.click(`form[action$="/cancel"] button[type=submit]`, 200)
	client.wantText(".flash", "Appointment cancelled.")
	coach.waitFor(`Number(document.body.dataset.refreshed || 0) >= 3`)
	coach.shot("dashboard-cancelled-live")

	for _, to := range []string{client.email, coach.email} {
		wantBookingEmails(client, mp, to, first, second)
	}
}

// wantBookingEmails checks that the booking, the move and the cancellation
// of the Deep dive reached address, oldest first, each with its calendar
// invitation: one UID, SEQUENCE 0, 1, 2, REQUEST, REQUEST, CANCEL, and the
// start (RFC 3339) of each step.
func wantBookingEmails(p *person, mp *mailtest.Mailpit, address, first, second string) {
	list := bookingEmails(p, mp, address, 3)
	var uid string
	for i, want := range []struct {
		subject, method, start string
	}{{"Booked: ", "REQUEST", first}, {"Moved: ", "REQUEST", second}, {"Cancelled: ", "CANCEL", second}} {
		msg := list[len(list)-1-i]
		parts := mailtest.PartsOf(mailtest.Parts(p.t, mp.Raw(p.t, msg.ID)), "text/calendar")
		if !strings.HasPrefix(msg.Subject, want.subject) || len(parts) != 1 {
			p.fatalf("email %d to %s: %q with %d calendar parts", i, address, msg.Subject, len(parts))
		}
		cal, err := ics.ParseCalendar(strings.NewReader(parts[0].Body))
		if err != nil || len(cal.Events()) != 1 {
			p.fatalf("email %d to %s: the invitation does not parse (%v):\n%s", i, address, err, parts[0].Body)
		}
		ev := cal.Events()[0]
		start, err := ev.GetStartAt()
		at, _ := time.Parse(time.RFC3339, want.start)
		if parts[0].Params["method"] != want.method || ev.GetProperty(ics.ComponentPropertySequence).Value != strconv.Itoa(i) ||
			err != nil || !start.Equal(at) || (uid != "" && ev.Id() != uid) {
			p.fatalf("email %d to %s: method %s, SEQUENCE %s, UID %s, start %s (%v); want %s, %d, %s, %s", i, address,
				parts[0].Params["method"], ev.GetProperty(ics.ComponentPropertySequence).Value, ev.Id(), start, err, want.method, i, uid, at)
		}
		uid = ev.Id()
	}
}

// bookingEmails waits for n emails of the Deep dive's booking, moves and
// cancellation to address (reminders aside), the newest first.
func bookingEmails(p *person, mp *mailtest.Mailpit, address string, n int) []mailtest.Summary {
	deadline := time.Now().Add(20 * time.Second)
	for {
		list := slices.DeleteFunc(mp.Find(p.t, `to:`+address+` subject:"Deep dive"`), func(s mailtest.Summary) bool {
			return strings.HasPrefix(s.Subject, "Reminder: ")
		})
		switch {
		case len(list) > n:
			p.fatalf("%d Deep dive emails to %s, want %d", len(list), address, n)
		case len(list) == n:
			return list
		case time.Now().After(deadline):
			p.fatalf("%d Deep dive emails to %s after 20 s, want %d", len(list), address, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
