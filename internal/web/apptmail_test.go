package web_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/mail"
	"rapport/internal/mail/mailtest"
	"rapport/internal/store/storetest"
)

// invitation is an appointment email as it arrived, with its calendar
// invitation read back through golang-ical.
type invitation struct {
	subject, text string
	method        string // the text/calendar part's method parameter
	cal           *ics.Calendar
	event         *ics.VEvent
}

func (i *invitation) prop(p ics.ComponentProperty) *ics.IANAProperty { return i.event.GetProperty(p) }

// readInvitations waits for total emails to address and reads the n
// appointment emails among them (the others are the invitation to work
// with the coach), each one's calendar part and invite.ics attachment,
// the oldest first; event is the calendar's first VEVENT.
func readInvitations(t *testing.T, mp *mailtest.Mailpit, address string, total, n int) []*invitation {
	t.Helper()
	list := mp.MustWait(t, address, total, 15*time.Second)
	var out []*invitation
	for _, s := range slices.Backward(list) {
		if strings.Contains(s.Subject, "invites you") {
			continue
		}
		parts := mailtest.Parts(t, mp.Raw(t, s.ID))
		calParts, files := mailtest.PartsOf(parts, "text/calendar"), mailtest.PartsOf(parts, "application/ics")
		if len(calParts) != 1 || len(files) != 1 || files[0].FileName != "invite.ics" || files[0].Disposition != "attachment" ||
			crlf(files[0].Body) != crlf(calParts[0].Body) || len(mailtest.PartsOf(parts, "text/plain")) != 1 || len(mailtest.PartsOf(parts, "text/html")) != 1 {
			t.Fatalf("%q: parts %+v", s.Subject, parts)
		}
		cal, err := ics.ParseCalendar(strings.NewReader(calParts[0].Body))
		if err != nil || len(cal.Events()) == 0 {
			t.Fatalf("%q: the invitation does not parse: %v\n%s", s.Subject, err, calParts[0].Body)
		}
		inv := &invitation{subject: s.Subject, text: mailtest.PartsOf(parts, "text/plain")[0].Body,
			method: calParts[0].Params["method"], cal: cal, event: cal.Events()[0]}
		for _, p := range cal.CalendarProperties {
			if p.IANAToken == "METHOD" && p.Value != inv.method {
				t.Fatalf("%q: METHOD %s in a part of method %s", s.Subject, p.Value, inv.method)
			}
		}
		out = append(out, inv)
	}
	if len(out) != n {
		t.Fatalf("%d emails to %s, want %d", len(out), address, n)
	}
	return out
}

// TestBookingEmailsCarryInvitations: a client books a slot through the
// API, moves it across New York's change to summer time and cancels it;
// the coach and the client each receive three emails at Mailpit (booked,
// moved, cancelled), each with a calendar invitation under one UID at a
// rising SEQUENCE, its times in the recipient's zone (the client's
// profile's; the coach has none, so their availability's), METHOD:CANCEL
// and STATUS:CANCELLED for the cancellation; nothing is queued or sent
// twice.
func TestBookingEmailsCarryInvitations(t *testing.T) {
	mp := mailtest.MustMailpit(t)
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			clock := app.NewFixedClock(time.Date(2030, 3, 4, 12, 0, 0, 0, time.UTC))
			e, w, coachAddr, clientAddr := mailPractice(t, d, mp, clock)
			if res := w.client.api("PUT", "/api/v1/profile", map[string]any{"data": map[string]any{"timezone": "Europe/Berlin"}}); res.StatusCode != http.StatusOK {
				t.Fatalf("profile: %d %s", res.StatusCode, res.body)
			}
			typeID := openPractice(t, w)
			before := time.Date(2030, 3, 8, 15, 0, 0, 0, time.UTC) // 10:00 EST, 16:00 CET
			after := time.Date(2030, 3, 11, 14, 0, 0, 0, time.UTC) // 10:00 EDT, 15:00 CET
			free := w.slots(t, w.client, typeID).Slots
			if !slices.ContainsFunc(free, before.Equal) || !slices.ContainsFunc(free, after.Equal) {
				t.Fatalf("%s or %s is not free: %v", before, after, free)
			}
			res := w.client.api("POST", "/api/v1/coaches/"+itoa(w.coachID)+"/bookings", map[string]any{"session_type_id": typeID, "starts_at": before})
			if res.StatusCode != http.StatusCreated {
				t.Fatalf("book: %d %s", res.StatusCode, res.body)
			}
			var appt struct{ ID int64 }
			res.json(t, &appt)
			id := itoa(appt.ID)
			if res := w.client.api("POST", "/api/v1/appointments/"+id+"/move", map[string]any{"starts_at": after}); res.StatusCode != http.StatusOK {
				t.Fatalf("move: %d %s", res.StatusCode, res.body)
			}
			if res := w.client.api("DELETE", "/api/v1/appointments/"+id, map[string]any{"reason": "A trip <came> up"}); res.StatusCode != http.StatusOK {
				t.Fatalf("cancel: %d %s", res.StatusCode, res.body)
			}

			uid := coaching.AppointmentUID(appt.ID, "127.0.0.1")
			for _, who := range []struct {
				address, zone string
				emails        int       // the client's invitation to work with the coach too
				local         [2]string // DTSTART before and after the move, in the zone
			}{
				{coachAddr, "America/New_York", 3, [2]string{"20300308T100000", "20300311T100000"}},
				{clientAddr, "Europe/Berlin", 4, [2]string{"20300308T160000", "20300311T150000"}},
			} {
				got := readInvitations(t, mp, who.address, who.emails, 3)
				for i, want := range []struct {
					subject, method, status string
					local                   string
					start                   time.Time
				}{
					{"Booked: ", "REQUEST", "CONFIRMED", who.local[0], before},
					{"Moved: ", "REQUEST", "CONFIRMED", who.local[1], after},
					{"Cancelled: ", "CANCEL", "CANCELLED", who.local[1], after},
				} {
					inv := got[i]
					if len(inv.cal.Events()) != 1 {
						t.Errorf("%s email %d: %d events", who.zone, i, len(inv.cal.Events()))
					}
					if !strings.HasPrefix(inv.subject, want.subject) || inv.method != want.method {
						t.Errorf("%s email %d: %q, method %q; want %q..., %s", who.zone, i, inv.subject, inv.method, want.subject, want.method)
					}
					if inv.event.Id() != uid || inv.prop(ics.ComponentPropertySequence).Value != itoa(int64(i)) ||
						inv.prop(ics.ComponentPropertyStatus).Value != want.status {
						t.Errorf("%s email %d: UID %s, SEQUENCE %s, STATUS %s; want %s, %d, %s", who.zone, i, inv.event.Id(),
							inv.prop(ics.ComponentPropertySequence).Value, inv.prop(ics.ComponentPropertyStatus).Value, uid, i, want.status)
					}
					start := inv.prop(ics.ComponentPropertyDtStart)
					at, err := inv.event.GetStartAt()
					if start.Value != want.local || start.ICalParameters["TZID"][0] != who.zone || err != nil || !at.Equal(want.start) {
						t.Errorf("%s email %d: DTSTART %+v = %s (%v), want %s in %s = %s", who.zone, i, start.BaseProperty, at, err, want.local, who.zone, want.start)
					}
					if end, err := inv.event.GetEndAt(); err != nil || !end.Equal(want.start.Add(time.Hour)) {
						t.Errorf("%s email %d: DTEND %s (%v)", who.zone, i, end, err)
					}
					if len(inv.cal.Timezones()) != 1 || inv.cal.Timezones()[0].GetProperty(ics.ComponentPropertyTzid).Value != who.zone {
						t.Errorf("%s email %d: VTIMEZONE %+v", who.zone, i, inv.cal.Timezones())
					}
					org, att := inv.prop(ics.ComponentPropertyOrganizer), inv.event.Attendees()
					if !strings.EqualFold(org.Value, "mailto:"+coachAddr) || !strings.Contains(org.ICalParameters["CN"][0], "Bright Path") ||
						len(att) != 1 || !strings.EqualFold(att[0].Email(), clientAddr) {
						t.Errorf("%s email %d: ORGANIZER %+v, ATTENDEE %+v", who.zone, i, org.BaseProperty, att)
					}
					room := inv.prop(ics.ComponentPropertyUrl)
					if room == nil || !strings.HasPrefix(room.Value, "http://127.0.0.1:8080/rooms/") || inv.prop(ics.ComponentPropertyLocation).Value != room.Value {
						t.Errorf("%s email %d: URL %+v", who.zone, i, room)
					}
				}
				if !strings.Contains(got[2].text, "A trip <came> up") || !strings.Contains(got[0].text, "("+who.zone+")") {
					t.Errorf("%s: the cancellation's text:\n%s\nthe booking's:\n%s", who.zone, got[2].text, got[0].text)
				}
			}

			queued, err := e.db.RecentMail(t.Context(), 100)
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, m := range queued {
				if strings.HasPrefix(m.Key, "appointment-") {
					keys = append(keys, m.Key)
				}
			}
			slices.Sort(keys)
			var want []string
			for seq, kind := range []string{coaching.MailBooked, coaching.MailChanged, coaching.MailCancelled} {
				for _, to := range []string{"coach", "client"} {
					want = append(want, coaching.AppointmentMailKey(kind, appt.ID, to, seq))
				}
			}
			slices.Sort(want)
			if !slices.Equal(keys, want) {
				t.Errorf("outbox keys %v, want %v", keys, want)
			}
			waitAllSent(t, e)
			for a, n := range map[string]int{coachAddr: 3, clientAddr: 4} {
				if got := len(mp.Search(t, a)); got != n {
					t.Errorf("%d emails to %s, want %d", got, a, n)
				}
			}
		})
	}
}

// mailPractice starts, on dialect with its time kept by clock, a practice
// ("Bright Path", PUBLIC_URL http://127.0.0.1:8080) whose emails go to
// Mailpit, with a coach and a client of addresses of their own who work
// together.
func mailPractice(t *testing.T, dialect string, mp *mailtest.Mailpit, clock app.Clock) (e *env, w *world, coachAddr, clientAddr string) {
	t.Helper()
	host, port, _ := net.SplitHostPort(mp.SMTP)
	cfg := mustConfig(t, map[string]string{"SMTP_HOST": host, "SMTP_PORT": port, "MAIL_FROM": "hello@rapport.test",
		"PRACTICE_NAME": "Bright Path", "PUBLIC_URL": "http://127.0.0.1:8080"})
	e = buildAt(t, dialect, cfg, nil, clock)
	e.t = t
	e.srv = httptest.NewServer(e.handler)
	t.Cleanup(e.srv.Close)
	coachAddr, clientAddr = mailtest.Recipient("coach"), mailtest.Recipient("client")
	w = &world{coach: e.signIn(coachAddr, app.RoleCoach), client: e.signIn(clientAddr, app.RoleClient)}
	w.coachID = w.coach.id()
	w.clientID = e.inviteAndAccept(w.coach, w.client, clientAddr)
	return e, w, coachAddr, clientAddr
}

// waitAllSent waits until the sender has marked every queued email sent:
// from then on it sends nothing again, so what Mailpit holds is final.
func waitAllSent(t *testing.T, e *env) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		list, err := e.db.RecentMail(t.Context(), 500)
		if err != nil {
			t.Fatal(err)
		}
		unsent := slices.IndexFunc(list, func(m *mail.Queued) bool { return m.SentAt == nil })
		if unsent < 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("email %q still unsent after 15 s", list[unsent].Key)
		}
	}
}

// crlf gives every line of s the CRLF ending iCalendar's have.
func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}
