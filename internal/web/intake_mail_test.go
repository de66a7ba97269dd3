package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/mail/mailtest"
	"rapport/internal/store/storetest"
)

// TestQuestionnaireEmails: a questionnaire the coach sends reaches the
// client at Mailpit, naming it and linking to where they fill it in; a
// booking of a session type that asks for one says so in the client's
// booking email, with the link, and the coach's booking email does not.
func TestQuestionnaireEmails(t *testing.T) {
	mp := mailtest.MustMailpit(t)
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			clock := app.NewFixedClock(time.Date(2030, 3, 4, 12, 0, 0, 0, time.UTC))
			e, w, coachAddr, clientAddr := mailPractice(t, d, mp, clock)
			typeID := openPractice(t, w)
			intakeQ := mustQuestionnaire(t, w.coach, "Before we start")
			sent := mustSendQuestionnaire(t, w.coach, intakeQ.ID, w.clientID)
			checkIn := mustQuestionnaire(t, w.coach, "Check-in <weekly>")
			if res := w.coach.form("POST", fmt.Sprintf("/questionnaires/%d/session-types", checkIn.ID), url.Values{"session_type_id": {itoa(typeID)}}); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("ask at booking: %d", res.StatusCode)
			}
			slot := w.slots(t, w.client, typeID).Slots[0]
			res := w.client.api("POST", "/api/v1/coaches/"+itoa(w.coachID)+"/bookings", map[string]any{"session_type_id": typeID, "starts_at": slot})
			if res.StatusCode != http.StatusCreated {
				t.Fatalf("book: %d %s", res.StatusCode, res.body)
			}
			var appt struct{ ID int64 }
			res.json(t, &appt)
			var asked struct{ Items []requestOut }
			w.client.get(fmt.Sprintf("/api/v1/questionnaire-requests?appointment_id=%d", appt.ID)).json(t, &asked)
			if len(asked.Items) != 1 {
				t.Fatalf("asked at booking: %+v", asked.Items)
			}
			waitAllSent(t, e)

			bySubject := map[string]*mailtest.Message{}
			for _, s := range mp.MustWait(t, clientAddr, 3, 15*time.Second) { // the invitation to work together too
				m := mp.Message(t, s.ID)
				m.Text = strings.ReplaceAll(m.Text, "\r\n", "\n")
				bySubject[s.Subject] = m
			}
			direct := bySubject["Name "+coachAddr+" asks you to fill in “Before we start”"]
			link := fmt.Sprintf("http://127.0.0.1:8080/questionnaire-requests/%d", sent.ID)
			if direct == nil || !strings.Contains(direct.Text, "“Before we start” (6 questions)") || !strings.Contains(direct.Text, "Fill it in on Bright Path:\n"+link) ||
				!strings.Contains(direct.HTML, `<a href="`+link+`">Fill it in on Bright Path</a>`) {
				t.Fatalf("the questionnaire's email: %+v (subjects %v)", direct, keysOf(bySubject))
			}
			var booked *mailtest.Message
			for subject, m := range bySubject {
				if strings.HasPrefix(subject, "Booked: ") {
					booked = m
				}
			}
			bookedLink := fmt.Sprintf("http://127.0.0.1:8080/questionnaire-requests/%d", asked.Items[0].ID)
			if booked == nil || !strings.Contains(booked.Text, "Before the session: fill in the questionnaire “Check-in <weekly>”\n"+bookedLink) ||
				!strings.Contains(booked.HTML, `<a href="`+bookedLink+`">fill in the questionnaire “Check-in &lt;weekly&gt;”</a>`) {
				t.Fatalf("the booking email: %+v", booked)
			}
			for _, s := range mp.MustWait(t, coachAddr, 1, 15*time.Second) {
				if m := mp.Message(t, s.ID); strings.Contains(m.Text, "questionnaire") {
					t.Errorf("the coach's email %q asks for the questionnaire", s.Subject)
				}
			}
		})
	}
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
