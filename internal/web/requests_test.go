package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/mail/mailtest"
	"rapport/internal/store/storetest"
)

// requestType offers, as w's coach, an hour's session type that clients
// request, and returns its ID.
func requestType(t *testing.T, w *world) int64 {
	t.Helper()
	res := w.coach.api("POST", "/api/v1/session-types", map[string]any{"name": "Deep dive", "duration_minutes": 60, "confirm": "request"})
	var st struct {
		ID      int64
		Confirm string
	}
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("session type: %d %s", res.StatusCode, res.body)
	}
	if res.json(t, &st); st.Confirm != "request" {
		t.Fatalf("session type: %s", res.body)
	}
	return st.ID
}

// apptAnswer is an appointment as the API answers it.
type apptAnswer struct {
	ID           int64
	Status       string
	CancelReason string    `json:"cancel_reason"`
	StartsAt     time.Time `json:"starts_at"`
}

// request books pick of typeID as c and wants a request.
func (w *world) request(t *testing.T, c *client, typeID int64, pick time.Time) apptAnswer {
	t.Helper()
	res := c.api("POST", "/api/v1/coaches/"+itoa(w.coachID)+"/bookings", map[string]any{"session_type_id": typeID, "starts_at": pick})
	var a apptAnswer
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("request: %d %s", res.StatusCode, res.body)
	}
	if res.json(t, &a); a.Status != "requested" || !a.StartsAt.Equal(pick) {
		t.Fatalf("request: %s", res.body)
	}
	return a
}

// TestSessionTypeConfirmSetting: the confirm setting of a session type
// through the API (instant by default, request when asked, anything else
// refused naming it) and the availability page's form.
func TestSessionTypeConfirmSetting(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		res := w.coach.api("POST", "/api/v1/session-types", map[string]any{"name": "Hour", "duration_minutes": 60, "confirm": "maybe"})
		if code, fields := res.errorBody(t); res.StatusCode != http.StatusBadRequest || code != "invalid" || fields["confirm"] == "" {
			t.Fatalf("a confirm of maybe: %d %s", res.StatusCode, res.body)
		}
		res = w.coach.api("POST", "/api/v1/session-types", map[string]any{"name": "Hour", "duration_minutes": 60})
		if res.StatusCode != http.StatusCreated || !strings.Contains(string(res.body), `"confirm":"instant"`) {
			t.Fatalf("a type without confirm: %d %s", res.StatusCode, res.body)
		}
		res = w.coach.form("POST", "/session-types", url.Values{"name": {"Deep dive"}, "duration_minutes": {"90"}, "confirm": {"request"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("the form: %d %s", res.StatusCode, res.body)
		}
		res = w.coach.get("/api/v1/session-types")
		if !strings.Contains(string(res.body), `"confirm":"request"`) {
			t.Fatalf("list: %s", res.body)
		}
		page := w.coach.get("/availability")
		if !strings.Contains(string(page.body), `name="confirm"`) || !strings.Contains(string(page.body), `data-confirm="request"`) {
			t.Fatalf("the availability page has no confirm setting:\n%s", page.body)
		}
	})
}

// TestRequestHoldsItsSlotAndWaits: a requested slot is not offered to
// another client and is refused to them; the coach's dashboard lists the
// request with Accept and Decline, the client's says it waits for the
// coach; the room stays closed; only the coach may answer: the client is
// forbidden, another coach and a stranger find nothing; accepting twice,
// or accepting a declined one, is 409.
func TestRequestHoldsItsSlotAndWaits(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		third := e.signIn("third@example.com", app.RoleClient)
		e.inviteAndAccept(w.coach, third, "third@example.com")
		openPractice(t, w)
		typeID := requestType(t, w)
		pick := w.slots(t, w.client, typeID).Slots[3]
		a := w.request(t, w.client, typeID, pick)
		id := itoa(a.ID)
		if slices.ContainsFunc(w.slots(t, third, typeID).Slots, pick.Equal) {
			t.Fatal("the requested slot is offered to another client")
		}
		res := third.api("POST", "/api/v1/coaches/"+itoa(w.coachID)+"/bookings", map[string]any{"session_type_id": typeID, "starts_at": pick})
		if res.StatusCode != http.StatusConflict {
			t.Fatalf("another client taking the requested slot: %d %s", res.StatusCode, res.body)
		}
		dash := string(w.coach.get("/dashboard").body)
		if !strings.Contains(dash, "data-requests") || !strings.Contains(dash, `action="/appointments/`+id+`/accept"`) ||
			!strings.Contains(dash, `action="/appointments/`+id+`/decline"`) {
			t.Fatalf("the coach's dashboard shows no request:\n%s", dash)
		}
		if dash := string(w.client.get("/dashboard").body); !strings.Contains(dash, "Requested — waiting for Name coach@example.com") ||
			strings.Contains(dash, `/accept"`) {
			t.Fatalf("the client's dashboard:\n%s", dash)
		}
		var full struct {
			RoomID string `json:"room_id"`
		}
		w.client.get("/api/v1/appointments/"+id).json(t, &full)
		if res := w.client.get("/rooms/" + full.RoomID); res.StatusCode != http.StatusOK || !strings.Contains(string(res.body), "a request waiting for the coach") {
			t.Fatalf("a request's room page: %d\n%s", res.StatusCode, res.body)
		}
		if res := w.client.api("POST", "/rooms/"+full.RoomID+"/poll", nil); res.StatusCode != http.StatusForbidden || !strings.Contains(string(res.body), "requested") {
			t.Fatalf("joining a request's room: %d %s", res.StatusCode, res.body)
		}
		for _, c := range []struct {
			who  *client
			path string
			want int
		}{
			{w.client, "/accept", http.StatusForbidden},
			{w.client, "/decline", http.StatusForbidden},
			{w.otherCoach, "/accept", http.StatusNotFound},
			{w.otherClient, "/decline", http.StatusNotFound},
			{w.admin, "/accept", http.StatusForbidden},
			{w.anon, "/accept", http.StatusUnauthorized},
		} {
			if res := c.who.api("POST", "/api/v1/appointments/"+id+c.path, nil); res.StatusCode != c.want {
				t.Errorf("%s: %d %s, want %d", c.path, res.StatusCode, res.body, c.want)
			}
		}
		res = w.coach.api("POST", "/api/v1/appointments/"+id+"/accept", nil)
		var got apptAnswer
		if res.json(t, &got); res.StatusCode != http.StatusOK || got.Status != "scheduled" {
			t.Fatalf("accept: %d %s", res.StatusCode, res.body)
		}
		res = w.coach.api("POST", "/api/v1/appointments/"+id+"/accept", nil)
		if code, _ := res.errorBody(t); res.StatusCode != http.StatusConflict || code != "conflict" ||
			!strings.Contains(string(res.body), "not a request waiting") {
			t.Fatalf("accept twice: %d %s", res.StatusCode, res.body)
		}
		b := w.request(t, w.client, typeID, w.slots(t, w.client, typeID).Slots[0])
		if res := w.coach.api("POST", "/api/v1/appointments/"+itoa(b.ID)+"/decline", nil); res.StatusCode != http.StatusOK {
			t.Fatalf("decline without a body: %d %s", res.StatusCode, res.body)
		}
		if res := w.coach.api("POST", "/api/v1/appointments/"+itoa(b.ID)+"/accept", nil); res.StatusCode != http.StatusConflict {
			t.Fatalf("accept a declined request: %d %s", res.StatusCode, res.body)
		}
	})
}

// TestRequestEmailsAtMailpit: a client requests a slot through the API;
// both get the requested email at Mailpit, with no calendar part, the
// coach's with the link to answer; the coach accepts on the dashboard's
// form, and both get the confirmed email with a METHOD:REQUEST invitation
// at SEQUENCE 1 under the appointment's UID, read back with golang-ical; a
// second request declined through the API with a reason reaches the
// client only, with the reason and no calendar part.
func TestRequestEmailsAtMailpit(t *testing.T) {
	mp := mailtest.MustMailpit(t)
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			clock := app.NewFixedClock(time.Date(2030, 3, 4, 12, 0, 0, 0, time.UTC))
			e, w, coachAddr, clientAddr := mailPractice(t, d, mp, clock)
			openPractice(t, w)
			typeID := requestType(t, w)
			free := w.slots(t, w.client, typeID).Slots
			a := w.request(t, w.client, typeID, free[0])
			res := w.coach.form("POST", "/appointments/"+itoa(a.ID)+"/accept", url.Values{})
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/dashboard?flash=requestaccepted" {
				t.Fatalf("accept on the dashboard: %d %s", res.StatusCode, res.Header.Get("Location"))
			}
			b := w.request(t, w.client, typeID, free[4]) // clear of the first and its buffer
			res = w.coach.api("POST", "/api/v1/appointments/"+itoa(b.ID)+"/decline", map[string]any{"reason": "Away <that> week"})
			var declined apptAnswer
			if res.json(t, &declined); res.StatusCode != http.StatusOK || declined.Status != "cancelled" || declined.CancelReason != "Away <that> week" {
				t.Fatalf("decline: %d %s", res.StatusCode, res.body)
			}

			// The client: the invitation to work with the coach, two
			// requested, confirmed, declined; the coach: two requested,
			// confirmed (a decline is news to the client only).
			toClient := emailsBySubject(t, mp, clientAddr, 5)
			toCoach := emailsBySubject(t, mp, coachAddr, 3)
			queued, err := e.db.RecentMail(t.Context(), 100)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range queued {
				if m.Key == coaching.AppointmentMailKey(coaching.MailDeclined, b.ID, "coach", 1) {
					t.Errorf("a declined email was queued to the coach: %+v", m)
				}
			}
			for _, m := range []*arrived{toClient["Requested: "], toCoach["Request to accept or decline: "], toClient["Declined: "]} {
				if m == nil || m.calendar != "" {
					t.Fatalf("a request's email missing or with an invitation: %+v\nclient %v\ncoach %v", m, toClient, toCoach)
				}
			}
			if link := "http://127.0.0.1:8080/appointments/" + itoa(a.ID); !strings.Contains(toCoach["Request to accept or decline: "].text, link) {
				t.Errorf("the coach's request email lacks %s:\n%s", link, toCoach["Request to accept or decline: "].text)
			}
			if !strings.Contains(toClient["Declined: "].text, "Away <that> week") || toCoach["Declined: "] != nil {
				t.Errorf("the declined email: %+v; to the coach: %+v", toClient["Declined: "], toCoach["Declined: "])
			}
			for who, m := range map[string]*arrived{"client": toClient["Confirmed: "], "coach": toCoach["Confirmed: "]} {
				if m == nil || m.method != "REQUEST" {
					t.Fatalf("the %s's confirmed email: %+v", who, m)
				}
				cal, err := ics.ParseCalendar(strings.NewReader(m.calendar))
				if err != nil || len(cal.Events()) != 1 {
					t.Fatalf("the %s's invitation: %v\n%s", who, err, m.calendar)
				}
				ev := cal.Events()[0]
				start, err := ev.GetStartAt()
				if ev.Id() != coaching.AppointmentUID(a.ID, "127.0.0.1") || ev.GetProperty(ics.ComponentPropertySequence).Value != "1" ||
					ev.GetProperty(ics.ComponentPropertyStatus).Value != "CONFIRMED" || err != nil || !start.Equal(free[0]) {
					t.Errorf("the %s's invitation:\n%s", who, m.calendar)
				}
			}
		})
	}
}

// arrived is an email as it reached Mailpit: its text and calendar part.
type arrived struct {
	subject, text, calendar, method string
}

// emailsBySubject waits for n emails to address and keys them by the
// start of their subject, up to and with its first ": ".
func emailsBySubject(t *testing.T, mp *mailtest.Mailpit, address string, n int) map[string]*arrived {
	t.Helper()
	out := map[string]*arrived{}
	for _, s := range mp.MustWait(t, address, n, 15*time.Second) {
		parts := mailtest.Parts(t, mp.Raw(t, s.ID))
		m := &arrived{subject: s.Subject}
		if text := mailtest.PartsOf(parts, "text/plain"); len(text) == 1 {
			m.text = text[0].Body
		}
		if cal := mailtest.PartsOf(parts, "text/calendar"); len(cal) == 1 {
			m.calendar, m.method = cal[0].Body, cal[0].Params["method"]
		}
		if head, _, ok := strings.Cut(s.Subject, ": "); ok {
			out[head+": "] = m
		}
	}
	return out
}

// TestAnsweringARequestIsLive: the client's open pages hear of the
// coach's answer (appointment.changed with the new status), accepted or
// declined; the decline on the appointment page's form takes the reason
// and returns there, where the client reads it; a stranger's form finds
// nothing.
func TestAnsweringARequestIsLive(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		openPractice(t, w)
		typeID := requestType(t, w)
		free := w.slots(t, w.client, typeID).Slots
		a, b := w.request(t, w.client, typeID, free[0]), w.request(t, w.client, typeID, free[4])
		events := e.app.Hub.Subscribe(w.clientID)
		defer events.Close()
		heard := func(id int64, status string) {
			t.Helper()
			select {
			case raw := <-events.C:
				var ev struct {
					Type string
					Data struct {
						ID     int64
						Status string
					}
				}
				json.Unmarshal(raw, &ev)
				if ev.Type != "appointment.changed" || ev.Data.ID != id || ev.Data.Status != status {
					t.Fatalf("the client heard %s, want %d %s", raw, id, status)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("the client's pages heard nothing of %d", id)
			}
		}
		if res := w.coach.api("POST", "/api/v1/appointments/"+itoa(a.ID)+"/accept", nil); res.StatusCode != http.StatusOK {
			t.Fatalf("accept: %d %s", res.StatusCode, res.body)
		}
		heard(a.ID, "scheduled")
		form := url.Values{"reason": {"Fully booked"}, "back": {"appointment"}}
		if res := w.otherCoach.form("POST", "/appointments/"+itoa(b.ID)+"/decline", form); res.StatusCode != http.StatusNotFound {
			t.Fatalf("another coach's decline: %d", res.StatusCode)
		}
		res := w.coach.form("POST", "/appointments/"+itoa(b.ID)+"/decline", form)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/appointments/"+itoa(b.ID)+"?flash=requestdeclined" {
			t.Fatalf("decline on the form: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		heard(b.ID, "cancelled")
		if page := string(w.client.get("/appointments/" + itoa(b.ID)).body); !strings.Contains(page, "Fully booked") {
			t.Fatalf("the client's page lacks the reason:\n%s", page)
		}
	})
}

// TestTwoClientsRequestTheSameSlotAtOnce: a request holds its slot under
// the same lock as a booking: of two clients who request one slot at the
// same moment, exactly one gets it, the other a 409.
func TestTwoClientsRequestTheSameSlotAtOnce(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		e.inviteAndAccept(w.coach, w.otherClient, "client2@example.com")
		openPractice(t, w)
		typeID := requestType(t, w)
		slots := w.slots(t, w.client, typeID).Slots
		for round := range 3 {
			pick := slots[round*4]
			var wg sync.WaitGroup
			codes := make([]int, 2)
			for i, c := range []*client{w.client, w.otherClient} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					codes[i] = c.api("POST", "/api/v1/coaches/"+itoa(w.coachID)+"/bookings", map[string]any{"session_type_id": typeID, "starts_at": pick}).StatusCode
				}()
			}
			wg.Wait()
			slices.Sort(codes)
			if codes[0] != http.StatusCreated || codes[1] != http.StatusConflict {
				t.Fatalf("round %d: %v, want one 201 and one 409", round, codes)
			}
		}
	})
}
