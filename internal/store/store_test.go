package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/store"
	"rapport/internal/store/storetest"
)

// each runs the test on every dialect, with a fresh database.
func each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			fn(t, storetest.MustOpen(t, d))
		})
	}
}

var t0 = time.Date(2030, 5, 6, 9, 30, 0, 123456000, time.UTC)

func mustUser(t testing.TB, q coaching.Records, email string, role app.Role) *coaching.User {
	t.Helper()
	u := &coaching.User{Email: email, Name: "N " + email, Role: role, Status: coaching.StatusActive, CreatedAt: t0, UpdatedAt: t0}
	if err := q.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

func mustAppt(t testing.TB, q coaching.Records, coach, client *coaching.User, start time.Time, room string) *coaching.Appointment {
	t.Helper()
	a := &coaching.Appointment{CoachID: coach.ID, ClientID: client.ID, Title: "Session", StartsAt: start,
		Duration: time.Hour, Status: coaching.ApptScheduled, RoomID: room, CreatedAt: t0, UpdatedAt: t0}
	if err := q.CreateAppointment(context.Background(), a); err != nil {
		t.Fatalf("create appointment: %v", err)
	}
	return a
}

func TestUsers(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u := mustUser(t, db, "Ann@Example.com", app.RoleCoach)
		got, err := db.UserByEmail(ctx, "ann@EXAMPLE.com")
		if err != nil || got.ID != u.ID || got.Email != "Ann@Example.com" {
			t.Fatalf("by email: %+v, %v", got, err)
		}
		if !got.CreatedAt.Equal(t0) {
			t.Errorf("created_at = %v, want %v (microseconds kept)", got.CreatedAt, t0)
		}
		dup := &coaching.User{Email: "ANN@example.COM", Role: app.RoleClient, Status: coaching.StatusActive, CreatedAt: t0, UpdatedAt: t0}
		if err := db.CreateUser(ctx, dup); app.ErrorCode(err) != app.ECONFLICT {
			t.Errorf("duplicate email: %v, want ECONFLICT", err)
		}
		if _, err := db.UserByID(ctx, 999); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("missing user: %v, want ENOTFOUND", err)
		}
		got.OIDCIssuer, got.OIDCSubject, got.SessionVersion = "https://issuer", "sub-1", 3
		if err := db.UpdateUser(ctx, got); err != nil {
			t.Fatal(err)
		}
		bySub, err := db.UserBySubject(ctx, "https://issuer", "sub-1")
		if err != nil || bySub.ID != u.ID || bySub.SessionVersion != 3 {
			t.Fatalf("by subject: %+v, %v", bySub, err)
		}
		if err := db.UpdateUser(ctx, &coaching.User{ID: 999, Role: app.RoleClient, Status: coaching.StatusActive}); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("update missing: %v", err)
		}
	})
}

func TestUserConstraintsBecomeInvalid(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		bad := &coaching.User{Email: "x@example.com", Role: "wizard", Status: coaching.StatusActive, CreatedAt: t0, UpdatedAt: t0}
		err := db.CreateUser(context.Background(), bad)
		if app.ErrorCode(err) != app.EINVALID {
			t.Fatalf("bad role: %v, want EINVALID", err)
		}
	})
}

func TestListUsers(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for i := range 5 {
			mustUser(t, db, fmt.Sprintf("c%d@example.com", i), app.RoleClient)
		}
		mustUser(t, db, "coach_x@example.com", app.RoleCoach)
		clients, err := db.ListUsers(ctx, coaching.UserFilter{Role: app.RoleClient, Page: coaching.Page{Limit: 3, Offset: 1}})
		if err != nil || len(clients) != 3 || clients[0].Email != "c1@example.com" {
			t.Fatalf("page of clients: %v %v", clients, err)
		}
		found, err := db.ListUsers(ctx, coaching.UserFilter{Query: "H_X", Page: coaching.Page{Limit: 10}})
		if err != nil || len(found) != 1 || found[0].Role != app.RoleCoach {
			t.Fatalf("query with underscore: %v %v", found, err)
		}
	})
}

func TestCoachClients(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		coach := mustUser(t, db, "coach@example.com", app.RoleCoach)
		client := mustUser(t, db, "client@example.com", app.RoleClient)
		for range 2 { // linking twice is harmless
			if err := db.LinkCoachClient(ctx, coach.ID, client.ID, t0); err != nil {
				t.Fatal(err)
			}
		}
		if ok, err := db.IsCoachOf(ctx, coach.ID, client.ID); !ok || err != nil {
			t.Fatalf("is coach of: %v %v", ok, err)
		}
		if ok, _ := db.IsCoachOf(ctx, client.ID, coach.ID); ok {
			t.Fatal("link is one-way")
		}
		cs, _ := db.ListClients(ctx, coach.ID, coaching.Page{Limit: 10})
		ks, _ := db.ListCoaches(ctx, client.ID, coaching.Page{Limit: 10})
		if len(cs) != 1 || cs[0].ID != client.ID || len(ks) != 1 || ks[0].ID != coach.ID {
			t.Fatalf("clients %v coaches %v", cs, ks)
		}
		if err := db.LinkCoachClient(ctx, coach.ID, 999, t0); app.ErrorCode(err) != app.EINVALID {
			t.Fatalf("link to a missing user: %v, want EINVALID", err)
		}
	})
}

func TestProfiles(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u := mustUser(t, db, "p@example.com", app.RoleClient)
		if _, err := db.Profile(ctx, u.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Fatalf("no profile yet: %v", err)
		}
		for _, bio := range []string{"first", "second"} {
			p := &coaching.Profile{UserID: u.ID, Data: map[string]any{"bio": bio, "n": 2.5}, UpdatedAt: t0}
			if err := db.PutProfile(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		p, err := db.Profile(ctx, u.ID)
		if err != nil || p.Data["bio"] != "second" || p.Data["n"] != 2.5 {
			t.Fatalf("profile: %+v %v", p, err)
		}
	})
}

func TestAppointments(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		coach := mustUser(t, db, "coach@example.com", app.RoleCoach)
		client := mustUser(t, db, "client@example.com", app.RoleClient)
		a := mustAppt(t, db, coach, client, t0, "room-aaaaaaaaaaaaaaaaaaaaaaaaaaaa")
		mustAppt(t, db, coach, client, t0.Add(2*time.Hour), "room-bbbbbbbbbbbbbbbbbbbbbbbbbbbb")

		got, err := db.AppointmentByRoom(ctx, a.RoomID)
		if err != nil || got.ID != a.ID || got.Duration != time.Hour || got.Coach.Email != coach.Email || got.Client.ID != client.ID {
			t.Fatalf("by room: %+v %v", got, err)
		}
		dup := *a
		if err := db.CreateAppointment(ctx, &dup); app.ErrorCode(err) != app.ECONFLICT {
			t.Fatalf("duplicate room: %v, want ECONFLICT", err)
		}
		over, err := db.CoachOverlaps(ctx, coach.ID, t0.Add(30*time.Minute), t0.Add(150*time.Minute), 0)
		if err != nil || len(over) != 2 {
			t.Fatalf("overlaps: %d %v", len(over), err)
		}
		touching, _ := db.CoachOverlaps(ctx, coach.ID, t0.Add(time.Hour), t0.Add(2*time.Hour), 0)
		if len(touching) != 0 {
			t.Fatalf("back-to-back counts as overlap: %v", touching)
		}
		self, _ := db.CoachOverlaps(ctx, coach.ID, t0, t0.Add(time.Hour), a.ID)
		if len(self) != 0 {
			t.Fatal("an appointment overlaps itself")
		}
		got.Status, got.CancelReason = coaching.ApptCancelled, "ill"
		if err := db.UpdateAppointment(ctx, got); err != nil {
			t.Fatal(err)
		}
		after, _ := db.CoachOverlaps(ctx, coach.ID, t0, t0.Add(time.Hour), 0)
		if len(after) != 0 {
			t.Fatal("a cancelled appointment still blocks the slot")
		}
		list, err := db.ListAppointments(ctx, coaching.AppointmentFilter{ClientID: client.ID, Desc: true, Page: coaching.Page{Limit: 10}})
		if err != nil || len(list) != 2 || list[0].StartsAt.Before(list[1].StartsAt) {
			t.Fatalf("list desc: %v %v", list, err)
		}
		sched, _ := db.ListAppointments(ctx, coaching.AppointmentFilter{Status: coaching.ApptScheduled, From: t0, Page: coaching.Page{Limit: 10}})
		if len(sched) != 1 {
			t.Fatalf("scheduled from t0: %d", len(sched))
		}
	})
}

// TestAppointmentCallMode: the call mode is written on create and update and
// read back by every query, the server's default ("") included.
func TestAppointmentCallMode(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		coach := mustUser(t, db, "coach@example.com", app.RoleCoach)
		client := mustUser(t, db, "client@example.com", app.RoleClient)
		a := &coaching.Appointment{CoachID: coach.ID, ClientID: client.ID, Title: "Session", StartsAt: t0,
			Duration: time.Hour, Status: coaching.ApptScheduled, RoomID: "room-cccccccccccccccccccccccccccc",
			CallMode: coaching.CallModeP2P, CreatedAt: t0, UpdatedAt: t0}
		if err := db.CreateAppointment(ctx, a); err != nil {
			t.Fatal(err)
		}
		mustCallMode(t, db, a, coaching.CallModeP2P)
		for _, mode := range []coaching.CallMode{coaching.CallModeSFU, coaching.CallModeDefault} {
			a.CallMode = mode
			if err := db.UpdateAppointment(ctx, a); err != nil {
				t.Fatal(err)
			}
			mustCallMode(t, db, a, mode)
		}
		old := mustAppt(t, db, coach, client, t0.Add(2*time.Hour), "room-dddddddddddddddddddddddddddd")
		mustCallMode(t, db, old, coaching.CallModeDefault)
	})
}

// mustCallMode checks the call mode a's row reads back with, by ID, by
// room and in a list.
func mustCallMode(t *testing.T, db *store.DB, a *coaching.Appointment, want coaching.CallMode) {
	t.Helper()
	ctx := context.Background()
	byID, err := db.AppointmentByID(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	byRoom, err := db.AppointmentByRoom(ctx, a.RoomID)
	if err != nil {
		t.Fatal(err)
	}
	list, err := db.ListAppointments(ctx, coaching.AppointmentFilter{From: a.StartsAt, To: a.StartsAt.Add(time.Second), Page: coaching.Page{Limit: 10}})
	if err != nil || len(list) != 1 {
		t.Fatalf("list: %v %v, want the one appointment", list, err)
	}
	for how, got := range map[string]coaching.CallMode{"by ID": byID.CallMode, "by room": byRoom.CallMode, "in a list": list[0].CallMode} {
		if got != want {
			t.Errorf("%s: call mode %q, want %q", how, got, want)
		}
	}
}

func TestCallSessions(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		coach := mustUser(t, db, "coach@example.com", app.RoleCoach)
		client := mustUser(t, db, "client@example.com", app.RoleClient)
		a := mustAppt(t, db, coach, client, t0, "room-aaaaaaaaaaaaaaaaaaaaaaaaaaaa")
		s, err := db.OpenCallSession(ctx, a.ID, t0)
		if err != nil || s.StartedAt != nil || s.EndedAt != nil {
			t.Fatalf("open: %+v %v", s, err)
		}
		again, err := db.OpenCallSession(ctx, a.ID, t0.Add(time.Minute))
		if err != nil || again.ID != s.ID || !again.OpenedAt.Equal(t0) {
			t.Fatalf("second open made another session: %+v %v", again, err)
		}
		start := t0.Add(2 * time.Minute)
		for _, at := range []time.Time{start, start.Add(time.Hour)} { // a start is set once
			if err := db.StartCallSession(ctx, s.ID, at); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.TouchCallSession(ctx, s.ID, start.Add(40*time.Minute)); err != nil {
			t.Fatal(err)
		}
		stale, _ := db.StaleCallSessions(ctx, start.Add(41*time.Minute))
		fresh, _ := db.StaleCallSessions(ctx, start.Add(39*time.Minute))
		if len(stale) != 1 || len(fresh) != 0 {
			t.Fatalf("stale %d, fresh %d", len(stale), len(fresh))
		}
		kept, err := db.EndCallSession(ctx, s.ID, start.Add(42*time.Minute+5*time.Second))
		if err != nil || !kept {
			t.Fatal(kept, err)
		}
		list, err := db.ListCallSessions(ctx, a.ID)
		if err != nil || len(list) != 1 || list[0].EndedAt == nil || list[0].Duration != 42*time.Minute+5*time.Second || !list[0].StartedAt.Equal(start) {
			t.Fatalf("sessions: %+v %v", list[0], err)
		}
		next, _ := db.OpenCallSession(ctx, a.ID, t0.Add(3*time.Hour))
		if next.ID == s.ID {
			t.Fatal("an ended session was reopened")
		}
		if kept, err := db.EndCallSession(ctx, next.ID, t0.Add(4*time.Hour)); err != nil || kept {
			t.Fatalf("a session that never started was kept: %v %v", kept, err)
		}
		if _, err := db.CallSessionByID(ctx, next.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Fatalf("empty session still there: %v", err)
		}
		if _, err := db.EndCallSession(ctx, 999, t0); app.ErrorCode(err) != app.ENOTFOUND {
			t.Fatalf("end missing: %v", err)
		}
	})
}

func TestInTxRollsBack(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := db.InTx(ctx, func(q coaching.Records) error {
			mustUser(t, q, "gone@example.com", app.RoleClient)
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx error: %v", err)
		}
		if _, err := db.UserByEmail(ctx, "gone@example.com"); app.ErrorCode(err) != app.ENOTFOUND {
			t.Fatalf("rolled-back user is there: %v", err)
		}
	})
}

func TestMigrateDownAndUp(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		known, err := db.Migrations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		last := known[len(known)-1]
		m, err := db.MigrateDown(ctx)
		if err != nil || m == nil || m.Version != last.Version {
			t.Fatalf("down: %+v %v, want the last, %d", m, err, last.Version)
		}
		for m != nil {
			if m, err = db.MigrateDown(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.UserByID(ctx, 1); err == nil {
			t.Fatal("users table survived the down migrations")
		}
		done, err := db.Migrate(ctx)
		if err != nil || len(done) != len(known) {
			t.Fatalf("up again: %v %v", done, err)
		}
		again, err := db.Migrate(ctx)
		if err != nil || len(again) != 0 {
			t.Fatalf("second up applied %d", len(again))
		}
		all, _ := db.Migrations(ctx)
		if len(all) == 0 || all[0].AppliedAt == nil {
			t.Fatal("status does not show the applied migration")
		}
	})
}

func TestMigrateRefusesANewerSchema(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.InTx(ctx, func(q coaching.Records) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', ?)`, db.Dialect.Time(t0)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Migrate(ctx); err == nil || !strings.Contains(err.Error(), "newer Rapport") {
			t.Fatalf("migrate over a newer schema: %v", err)
		}
	})
}
