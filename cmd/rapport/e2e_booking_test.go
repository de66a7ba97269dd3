package main

import (
	"strings"

	"github.com/chromedp/chromedp"
)

// selfBookingE2E: the coach opens Saturdays on the availability page and
// adds a session type; the client finds it under Book a session, picks a
// time and lands on the appointment, booked, then moves it to another
// time; the coach's open dashboard shows each change without a reload.
func selfBookingE2E(coach, client *person) {
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
}
