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
		if err != nil || one.Name != "Intro" || one.Duration != 30*time.Minute || one.Minutes != 30 || one.CallMode != coaching.CallModeP2P ||
			!one.CreatedAt.Equal(t0) || one.Confirm != coaching.ConfirmInstant {
			t.Fatalf("session type %+v %v", one, err)
		}
		asks := &coaching.SessionType{CoachID: coach.ID, Name: "Deep dive", Duration: time.Hour, Audience: coaching.AudienceClients,
			Confirm: coaching.ConfirmRequest, CreatedAt: t0}
		if err := db.CreateSessionType(ctx, asks); err != nil {
			t.Fatal(err)
		}
		if list, err := db.SessionTypes(ctx, coach.ID); err != nil || len(list) != 2 || list[0].Confirm != coaching.ConfirmRequest {
			t.Fatalf("session types %+v %v", list, err)
		}
		bad := &coaching.SessionType{CoachID: coach.ID, Name: "Bad", Duration: time.Hour, Audience: coaching.AudienceClients, Confirm: "maybe", CreatedAt: t0}
		if err := db.CreateSessionType(ctx, bad); app.ErrorCode(err) != app.EINVALID {
			t.Fatalf("a confirm of maybe: %v", err)
		}
		if ok, err := db.ArchiveSessionType(ctx, coach.ID, asks.ID); !ok || err != nil {
			t.Fatalf("archive: %v %v", ok, err)
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

// TestRequestedHoldsItsSlot: a requested appointment is stored and read
// back as requested, counts among the coach's busy times (marked as a
// request) and overlaps; once accepted it is scheduled at a higher
// sequence, and once cancelled it holds nothing. On both databases.
func TestRequestedHoldsItsSlot(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		coach := mustUser(t, db, "coach@example.com", app.RoleCoach)
		client := mustUser(t, db, "client@example.com", app.RoleClient)
		sched := mustAppt(t, db, coach, client, t0.Add(2*time.Hour), "room-held-0000000000000000001")
		req := &coaching.Appointment{CoachID: coach.ID, ClientID: client.ID, Title: "Asked", StartsAt: t0.Add(5 * time.Hour),
			Duration: time.Hour, Status: coaching.ApptRequested, RoomID: "room-held-0000000000000000002", CreatedAt: t0, UpdatedAt: t0}
		if err := db.CreateAppointment(ctx, req); err != nil {
			t.Fatal(err)
		}
		got, err := db.AppointmentByID(ctx, req.ID)
		if err != nil || got.Status != coaching.ApptRequested || got.Sequence != 0 {
			t.Fatalf("read back %+v %v", got, err)
		}
		busy, err := db.CoachBusy(ctx, coach.ID, t0, t0.Add(24*time.Hour))
		if err != nil || len(busy) != 2 || busy[0].Requested || !busy[1].Requested || !busy[1].Start.Equal(req.StartsAt) {
			t.Fatalf("busy %+v %v", busy, err)
		}
		clash, err := db.CoachOverlaps(ctx, coach.ID, t0.Add(5*time.Hour+30*time.Minute), t0.Add(7*time.Hour), 0)
		if err != nil || len(clash) != 1 || clash[0].ID != req.ID {
			t.Fatalf("overlaps %+v %v", clash, err)
		}
		if list, err := db.ListAppointments(ctx, coaching.AppointmentFilter{Status: coaching.ApptRequested, Page: coaching.Page{Limit: 10}}); err != nil ||
			len(list) != 1 || list[0].ID != req.ID {
			t.Fatalf("requested list %+v %v", list, err)
		}
		got.Status = coaching.ApptScheduled
		if err := db.UpdateAppointment(ctx, got); err != nil || got.Sequence != 1 {
			t.Fatalf("accept: sequence %d, %v", got.Sequence, err)
		}
		got.Status = coaching.ApptCancelled
		if err := db.UpdateAppointment(ctx, got); err != nil {
			t.Fatal(err)
		}
		sched.Status = coaching.ApptCancelled
		if err := db.UpdateAppointment(ctx, sched); err != nil {
			t.Fatal(err)
		}
		if busy, err := db.CoachBusy(ctx, coach.ID, t0, t0.Add(24*time.Hour)); err != nil || len(busy) != 0 {
			t.Fatalf("busy after both were cancelled %+v %v", busy, err)
		}
		got.Status = "pending"
		if err := db.UpdateAppointment(ctx, got); app.ErrorCode(err) != app.EINVALID {
			t.Fatalf("an unknown status stored: %v", err)
		}
	})
}
