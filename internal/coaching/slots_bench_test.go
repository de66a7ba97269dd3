package coaching_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/store/storetest"
)

// BenchmarkFreeSlotsOf is a client asking for the free slots of a coach
// with 1,000 scheduled appointments within a 60-day horizon, on both
// databases: the availability and the busy times read from the store,
// then FreeSlots.
func BenchmarkFreeSlotsOf(b *testing.B) {
	for _, d := range storetest.Dialects {
		b.Run(d, func(b *testing.B) {
			db := storetest.MustOpen(b, d)
			ctx := context.Background()
			clock := app.NewFixedClock(time.Date(2030, 10, 1, 6, 0, 0, 0, time.UTC))
			svc := coaching.NewService(db, clock)
			user := func(email string, role app.Role) *coaching.User {
				u := &coaching.User{Email: email, Role: role, Status: coaching.StatusActive, CreatedAt: clock.Now(), UpdatedAt: clock.Now()}
				if err := db.CreateUser(ctx, u); err != nil {
					b.Fatal(err)
				}
				return u
			}
			coach, client := user("coach@example.com", app.RoleCoach), user("client@example.com", app.RoleClient)
			if err := db.LinkCoachClient(ctx, coach.ID, client.ID, clock.Now()); err != nil {
				b.Fatal(err)
			}
			av := coaching.Availability{TimeZone: "America/New_York", Horizon: 60, BufferBefore: 10, BufferAfter: 10, MinNotice: 60}
			for day := range 7 {
				av.Weekly[day] = []coaching.Range{{Start: 8 * 60, End: 20 * 60}}
			}
			if err := db.PutAvailability(ctx, coach.ID, &av, clock.Now()); err != nil {
				b.Fatal(err)
			}
			st := &coaching.SessionType{CoachID: coach.ID, Name: "Half hour", Duration: 30 * time.Minute, Audience: coaching.AudienceClients, CreatedAt: clock.Now()}
			if err := db.CreateSessionType(ctx, st); err != nil {
				b.Fatal(err)
			}
			for i := range 1000 { // 1,000 appointments: 60 days, 17 a day, every 40 minutes from 08:00 New York
				start := time.Date(2030, 10, 2+i%60, 12, 0, 0, 0, time.UTC).Add(time.Duration(i/60) * 40 * time.Minute)
				a := &coaching.Appointment{CoachID: coach.ID, ClientID: client.ID, Title: "Busy", StartsAt: start, Duration: 30 * time.Minute,
					Status: coaching.ApptScheduled, RoomID: fmt.Sprintf("bench-room-%024d", i), CreatedAt: clock.Now(), UpdatedAt: clock.Now()}
				if err := db.CreateAppointment(ctx, a); err != nil {
					b.Fatal(err)
				}
			}
			asClient := app.WithActor(ctx, &app.Actor{UserID: client.ID, Role: app.RoleClient})
			var n int
			b.ReportAllocs()
			for b.Loop() {
				slots, err := svc.FreeSlotsOf(asClient, coach.ID, st.ID)
				if err != nil {
					b.Fatal(err)
				}
				n = len(slots.Starts)
			}
			b.ReportMetric(float64(n), "slots")
		})
	}
}
