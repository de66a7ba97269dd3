package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/store"
	"rapport/internal/store/storetest"
)

// BenchmarkListCoachAppointments lists one page of 50 upcoming appointments
// of a coach who has 1,000, with their coach and client, as the dashboard
// and the API do.
func BenchmarkListCoachAppointments(b *testing.B) {
	for _, d := range storetest.Dialects {
		b.Run(d, func(b *testing.B) {
			db := openBench(b, d)
			ctx := context.Background()
			coach := &coaching.User{Email: "coach@example.com", Role: app.RoleCoach, Status: coaching.StatusActive, CreatedAt: t0, UpdatedAt: t0}
			db.CreateUser(ctx, coach)
			var clients []*coaching.User
			for i := range 20 {
				c := &coaching.User{Email: fmt.Sprintf("c%d@example.com", i), Role: app.RoleClient, Status: coaching.StatusActive, CreatedAt: t0, UpdatedAt: t0}
				db.CreateUser(ctx, c)
				clients = append(clients, c)
			}
			err := db.InTx(ctx, func(q coaching.Records) error {
				for i := range 1000 {
					a := &coaching.Appointment{CoachID: coach.ID, ClientID: clients[i%20].ID, Title: "Session",
						StartsAt: t0.Add(time.Duration(i) * 90 * time.Minute), Duration: time.Hour, Status: coaching.ApptScheduled,
						RoomID: fmt.Sprintf("room-%028d", i), CreatedAt: t0, UpdatedAt: t0}
					if err := q.CreateAppointment(ctx, a); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			f := coaching.AppointmentFilter{CoachID: coach.ID, From: t0.Add(200 * 90 * time.Minute), Page: coaching.Page{Limit: 50}}
			b.ReportAllocs()
			for b.Loop() {
				list, err := db.ListAppointments(ctx, f)
				if err != nil || len(list) != 50 {
					b.Fatalf("%d, %v", len(list), err)
				}
			}
		})
	}
}

func openBench(b *testing.B, dialect string) *store.DB { return storetest.MustOpen(b, dialect) }
