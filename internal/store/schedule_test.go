package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/store"
)

// TestSchedule: a coach's availability, session types and busy times, on
// both databases.
func TestSchedule(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		coach := mustUser(t, db, "coach@example.com", app.RoleCoach)
		client := mustUser(t, db, "client@example.com", app.RoleClient)
		if _, err := db.Availability(ctx, coach.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Fatalf("availability before any: %v", err)
		}
		av := coaching.DefaultAvailability("America/New_York")
		av.Overrides = []coaching.Override{{Date: "2030-12-24"}, {Date: "2030-12-31", Ranges: []coaching.Range{{Start: 600, End: 720}}}}
		av.BufferAfter, av.MaxPerDay = 10, 4
		if err := db.PutAvailability(ctx, coach.ID, &av, t0); err != nil {
			t.Fatal(err)
		}
		got, err := db.Availability(ctx, coach.ID)
		if err != nil || !reflect.DeepEqual(*got, av) {
			t.Fatalf("availability read back %+v (%v), want %+v", got, err, av)
		}
		st := &coaching.SessionType{CoachID: coach.ID, Name: "Intro", Duration: 30 * time.Minute, Audience: coaching.AudiencePublic,
			CallMode: coaching.CallModeP2P, CreatedAt: t0}
		if err := db.CreateSessionType(ctx, st); err != nil {
			t.Fatal(err)
		}
		one, err := db.SessionType(ctx, st.ID)
		if err != nil || one.Name != "Intro" || one.Duration != 30*time.Minute || one.Minutes != 30 || one.CallMode != coaching.CallModeP2P || !one.CreatedAt.Equal(t0) {
			t.Fatalf("session type %+v %v", one, err)
		}
		if ok, err := db.ArchiveSessionType(ctx, client.ID, st.ID); ok || err != nil {
			t.Fatalf("another's archive: %v %v", ok, err)
		}
		if ok, err := db.ArchiveSessionType(ctx, coach.ID, st.ID); !ok || err != nil {
			t.Fatalf("archive: %v %v", ok, err)
		}
		if list, err := db.SessionTypes(ctx, coach.ID); len(list) != 0 || err != nil {
			t.Fatalf("after the archive: %v %v", list, err)
		}
		mustAppt(t, db, coach, client, t0.Add(2*time.Hour), "room-busy-0000000000000000001")
		busy, err := db.CoachBusy(ctx, coach.ID, t0, t0.Add(24*time.Hour))
		if err != nil || len(busy) != 1 || !busy[0].Start.Equal(t0.Add(2*time.Hour)) || !busy[0].End.Equal(t0.Add(3*time.Hour)) {
			t.Fatalf("busy %+v %v", busy, err)
		}
	})
}
