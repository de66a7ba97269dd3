package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/store/storetest"
)

// BenchmarkCalendarFeed is a whole feed request (every middleware, the
// token's lookup, the appointments' query, the iCalendar) for a person
// with 500 appointments in the feed's window. The issue asks for under
// 10 ms.
func BenchmarkCalendarFeed(b *testing.B) {
	for _, d := range storetest.Dialects {
		b.Run(d, func(b *testing.B) {
			e := newBenchEnv(b, d)
			path := mustFeedOf500(b, e)
			h := e.handler
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
				if rec.Code != 200 || !strings.Contains(rec.Body.String(), "END:VCALENDAR") {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}

// mustFeedOf500 gives a coach 500 appointments from 10 days back, and
// returns the path of the coach's feed.
func mustFeedOf500(b *testing.B, e *env) string {
	ctx := context.Background()
	coach, _ := e.svc.DevSignIn(ctx, "coach@example.com", "Coach", app.RoleCoach)
	client, _ := e.svc.DevSignIn(ctx, "client@example.com", "Client", app.RoleClient)
	start := time.Now().UTC().Add(-10 * 24 * time.Hour).Truncate(time.Hour)
	err := e.db.InTx(ctx, func(q coaching.Records) error {
		for i := range 500 {
			a := &coaching.Appointment{CoachID: coach.ID, ClientID: client.ID, Title: fmt.Sprintf("Session %d", i),
				StartsAt: start.Add(time.Duration(i) * 13 * time.Hour), Duration: time.Hour, Status: coaching.ApptScheduled,
				RoomID: coaching.RandomRoomID(), CreatedAt: start, UpdatedAt: start}
			if err := q.CreateAppointment(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	token, err := e.svc.CalendarToken(app.WithActor(ctx, coach.Actor()))
	if err != nil {
		b.Fatal(err)
	}
	f, err := e.svc.CalendarFeed(ctx, token)
	if err != nil || len(f.Appointments) != 500 {
		b.Fatalf("the feed holds %d appointments: %v", len(f.Appointments), err)
	}
	return "/calendar/" + token + ".ics"
}
