package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rapport/internal/coaching"
)

// TestTheAISummaryAndTranscriptOnTheAppointmentPage: the coach reads the
// AI's summary and shares it; the client reads it only once shared, and
// cannot share it; both read what was said in the call; an admin reads
// neither.
func TestTheAISummaryAndTranscriptOnTheAppointmentPage(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		ctx := context.Background()
		cs, err := e.db.OpenCallSession(ctx, w.apptID, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		appt, _ := e.db.AppointmentByID(ctx, w.apptID)
		for _, l := range []*coaching.TranscriptLine{{SpeakerID: appt.CoachID, Body: "what would help most"}, {SpeakerID: 0, Body: "Tell me more."}} {
			l.SessionID, l.CreatedAt = cs.ID, time.Now()
			if err := e.db.AddTranscriptLine(ctx, l); err != nil {
				t.Fatal(err)
			}
		}
		const summary = "Sleep is the focus.\nAction items:\n- a bedtime routine"
		if err := e.db.PutSummary(ctx, &coaching.Summary{AppointmentID: w.apptID, Body: summary, WrittenAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		page := "/appointments/" + itoa(w.apptID)
		has := func(c *client, texts ...string) []bool {
			res := c.get(page)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d", page, res.StatusCode)
			}
			var out []bool
			for _, s := range texts {
				out = append(out, strings.Contains(string(res.body), s))
			}
			return out
		}
		if got := has(w.coach, "Sleep is the focus.", "data-share-summary", "what would help most", "Tell me more."); !got[0] || !got[1] || !got[2] || !got[3] {
			t.Fatalf("the coach's page shows summary, share, transcript: %v", got)
		}
		if got := has(w.client, "Sleep is the focus.", "what would help most"); got[0] || !got[1] {
			t.Fatalf("the client's page before sharing shows summary, transcript: %v", got)
		}
		if got := has(w.admin, "Sleep is the focus.", "what would help most"); got[0] || got[1] {
			t.Fatalf("an admin's page shows summary, transcript: %v", got)
		}
		if res := w.client.form("POST", page+"/summary", url.Values{"shared": {"true"}}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("the client shared the summary: %d", res.StatusCode)
		}
		if res := w.coach.form("POST", page+"/summary", url.Values{"shared": {"true"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("the coach's share: %d %s", res.StatusCode, res.body)
		}
		if got := has(w.client, "Sleep is the focus.", "data-share-summary"); !got[0] || got[1] {
			t.Fatalf("the client's page after sharing shows summary, share: %v", got)
		}
	})
}
