package coaching_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"rapport/internal/calendar"
	"rapport/internal/coaching"
)

// TestEndCoachingEmails: a client who ends the work with their coach
// cancels a single appointment and a series of three; each person gets one
// email for the single appointment (CANCEL of its UID) and one for the
// series (CANCEL of the series' UID, every occurrence an EXDATE), not one
// per occurrence.
func TestEndCoachingEmails(t *testing.T) {
	t.Parallel()
	w := MustWorld(t)
	w.svc.Practice = coaching.Practice{Name: "Bright Path", URL: "https://coach.example.com"}
	w.svc.Invites = calendar.Inviter{UIDDomain: "coach.example.com"}.Write
	ctx := context.Background()
	start := now.Add(72 * time.Hour).Truncate(time.Hour)
	single, err := w.svc.Book(as(w.coach), coaching.Booking{ClientID: w.client.ID, Title: "Kickoff", StartsAt: start, Duration: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	series, err := w.svc.BookSeries(as(w.coach), coaching.Booking{ClientID: w.client.ID, Title: "Weekly", StartsAt: start.Add(24 * time.Hour),
		Duration: time.Hour}, coaching.Repeat{EveryWeeks: 1, Count: 3, Zone: "Europe/Paris"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.EndCoaching(as(w.client), w.coach.ID, "moving on"); err != nil {
		t.Fatal(err)
	}
	list, err := w.db.RecentMail(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]string{}
	for _, m := range list {
		byKey[m.Key] = m.Calendar
	}
	if len(list) != 8 { // booked and cancelled, single and series, to two people
		t.Errorf("%d emails queued, want 8: %v", len(list), byKey)
	}
	for _, to := range []string{"coach", "client"} {
		one := byKey[coaching.AppointmentMailKey(coaching.MailCancelled, single.ID, to, 1)]
		if !strings.Contains(one, "METHOD:CANCEL") || !strings.Contains(one, coaching.AppointmentUID(single.ID, "coach.example.com")) {
			t.Errorf("the single appointment's cancellation to the %s:\n%s", to, one)
		}
		all := byKey[coaching.SeriesMailKey(coaching.MailSeriesCancelled, series[0].SeriesID, to, 1)]
		if !strings.Contains(all, "METHOD:CANCEL") || !strings.Contains(all, "UID:"+coaching.SeriesUID(series[0].SeriesID, "coach.example.com")) ||
			strings.Count(all, "EXDATE;TZID=Europe/Paris:") != 3 || strings.Contains(all, "RECURRENCE-ID") {
			t.Errorf("the series' cancellation to the %s:\n%s", to, all)
		}
	}
}
