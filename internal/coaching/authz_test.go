package coaching_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

// actors are the callers of the authorization matrix, by name.
var actors = []struct {
	name string
	get  func(w *world) *coaching.User
}{
	{"coach", func(w *world) *coaching.User { return w.coach }},
	{"other coach", func(w *world) *coaching.User { return w.otherCoach }},
	{"client", func(w *world) *coaching.User { return w.client }},
	{"other client", func(w *world) *coaching.User { return w.otherClient }},
	{"admin", func(w *world) *coaching.User { return w.admin }},
	{"anonymous", func(w *world) *coaching.User { return nil }},
}

// matrixWorld is a world with one appointment of the coach and the client
// (appt) and one of the other pair (otherAppt).
type matrixWorld struct {
	*world
	appt, otherAppt *coaching.Appointment
}

// MustMatrixWorld makes a fresh world with both appointments booked.
func MustMatrixWorld(t *testing.T) *matrixWorld {
	t.Helper()
	w := MustWorld(t)
	return &matrixWorld{
		world:     w,
		appt:      MustBook(t, w, w.coach, w.client, tomorrow),
		otherAppt: MustBook(t, w, w.otherCoach, w.otherClient, tomorrow),
	}
}

// TestAuthorizationMatrix calls every guarded operation as every actor and
// checks the exact code: ENOTFOUND for what the actor may not see,
// EFORBIDDEN for what they see but may not do, EUNAUTHORIZED for anonymous.
// Each cell gets a fresh world, so that no call depends on another. After a
// refusal, check confirms that nothing changed.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	const (
		ok = ""
		NF = app.ENOTFOUND
		FB = app.EFORBIDDEN
		UA = app.EUNAUTHORIZED
	)
	type op struct {
		name string
		call func(t *testing.T, ctx context.Context, w *matrixWorld) error
		// want is the code for each actor, in the order of actors.
		want [6]string
		// unchanged checks, after a refusal, that nothing was written.
		unchanged func(t *testing.T, w *matrixWorld)
	}
	apptUnchanged := func(t *testing.T, w *matrixWorld) {
		got := MustGetAppointment(t, w.world, w.appt.ID)
		if got.Status != coaching.ApptScheduled || got.Title != "Session" || !got.StartsAt.Equal(tomorrow) {
			t.Errorf("appointment changed: %+v", got)
		}
	}
	usersUnchanged := func(t *testing.T, w *matrixWorld) {
		all, err := w.db.ListUsers(context.Background(), coaching.UserFilter{Page: coaching.Page{Limit: 200}})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 5 {
			t.Errorf("%d users, want the 5 of the cast", len(all))
		}
		c := MustGetUser(t, w.world, w.client.ID)
		if c.Name != w.client.Name || c.Role != app.RoleClient || c.Status != coaching.StatusActive {
			t.Errorf("client changed: %+v", c)
		}
	}
	stillLinked := func(t *testing.T, w *matrixWorld) {
		if ok, err := w.db.IsCoachOf(context.Background(), w.coach.ID, w.client.ID); !ok || err != nil {
			t.Errorf("the coach's link to the client: %v %v", ok, err)
		}
		if a := MustGetAppointment(t, w.world, w.appt.ID); a.Status != coaching.ApptScheduled {
			t.Errorf("appointment %s", a.Status)
		}
	}
	ops := []op{
		{name: "Appointment", want: [6]string{ok, NF, ok, NF, ok, UA},
			call: func(t *testing.T, ctx context.Context, w *matrixWorld) error {
				a, err := w.svc.Appointment(ctx, w.appt.ID)
				if err == nil && a.ID != w.appt.ID {
					t.Errorf("got appointment %d, want %d", a.ID, w.appt.ID)
				}
				return err
			}},
		{name: "Appointment missing", want: [6]string{NF, NF, NF, NF, NF, UA},
			call: func(t *testing.T, ctx context.Context, w *matrixWorld) error {
				_, err := w.svc.Appointment(ctx, 9999)
				return err
			}},
		{name: "Room", want: [6]string{ok, NF, ok, NF, NF, UA},
			call: func(t *testing.T, ctx context.Context, w *matrixWorld) error {
				_, err := w.svc.Room(ctx, w.appt.RoomID)
				return err
			}},
		{name: "CallSessions", want: [6]string{ok, NF, ok, NF, ok, UA},
			call: func(t *testing.T, ctx context.Context, w *matrixWorld) error {
				_, err := w.svc.CallSessions(ctx, w.appt.ID)
				return err
			}},
		{name: "ListAppointments", want: [6]string{ok, ok, ok, ok, ok, UA},
			call: func(t *testing.T, ctx context.Context, w *matrixWorld) error {
				_, err := w.svc.ListAppointments(ctx, coaching.AppointmentFilter{})
				return err
			}},
		{name: "UpdateAppointment", want: [6]string{ok, NF, FB, NF, ok, UA}, unchanged: apptUnchanged,
			call: func(t *testing.T, ctx context.Context, w *matrixWorld) error {
				_, err := w.svc.UpdateAppointment(ctx, w.appt.ID, coaching.AppointmentChange{
					Title: ptr("Moved"), StartsAt: ptr(tomorrow.Add(24 * time.Hour))})
				return err
			}},
		{name: "UpdateAppointment missing", want: [6]string{NF, NF, NF, NF, NF, UA},
			call: func(t *testing.T, ctx context.Context, w *matrixWorld) error {
				_, err := w.svc.UpdateAppointment(ctx, 9999, coaching.AppointmentChange{Title: ptr("Moved")})
				return err
			}},
		{name: "CancelAppointment", want: [6]string{ok, NF, ok, NF, ok, UA}, unchanged: apptUnchanged,
			call: func(t *testing.T, ctx context.Context, w *matrixWorld) error {
				_, err := w.svc.CancelAppointment(ctx, w.appt.ID, "reason")
				return err
			}},
		{name: "CancelAppointment missing", want: [6]string{NF, NF, NF, NF, NF, UA},
			call: func(t *testing.T, ctx context.Context, w *matrixWorld) error {
				_, err := w.svc.CancelAppointment(ctx, 9999, "reason")
				return err
			}},
		{name: "Profile of the client", want: [6]string{ok, NF, ok, NF, ok, UA},
			call: func(t *testing.T, ctx context.Context, w *matrixWorld) error {
				_, err := w.svc.Profile(ctx, w.client.ID)
				return err
			}},
		{name: "Client", want: [6]string{ok, NF, ok, NF, ok, UA},
			call: func(t *testing.T, ctx context.Context, w *matrixWorld) error {
				_, err := w.svc.Client(ctx, w.client.ID)
				return err
			}},
		{name: "ListClients", want: [6]string{ok, ok, FB, FB, ok, UA},
			call: func(t *testing.T, ctx context.Context, w *matrixWorld) error {
				_, err := w.svc.ListClients(ctx, coaching.Page{})
				return err
			}},
		{name: "InviteClient", want: [6]string{ok, ok, FB, FB, FB, UA}, unchanged: usersUnchanged,
			call: func(t *testing.T, ctx context.Context, w *matrixWorld) error {
				_, err := w.svc.InviteClient(ctx, coaching.Invite{Email: "new@example.com"})
				return err
			}},
		{name: "AcceptInvitation", want: [6]string{FB, FB, NF, NF, FB, UA},
			call: func(t *testing.T, ctx context.Context, w *matrixWorld) error {
				_, err := w.svc.AcceptInvitation(ctx, w.coach.ID)
				return err
			}},
		{name: "Coach", want: [6]string{FB, FB, ok, NF, FB, UA},
			call: func(t *testing.T, ctx context.Context, w *matrixWorld) error {
				_, err := w.svc.Coach(ctx, w.coach.ID)
				return err
			}},
		{name: "EndCoaching", want: [6]string{FB, FB, ok, NF, FB, UA}, unchanged: stillLinked,
			call: func(t *testing.T, ctx context.Context, w *matrixWorld) error {
				_, err := w.svc.EndCoaching(ctx, w.coach.ID, "")
				return err
			}},
		{name: "ListUsers", want: [6]string{FB, FB, FB, FB, ok, UA},
			call: func(t *testing.T, ctx context.Context, w *matrixWorld) error {
				_, err := w.svc.ListUsers(ctx, coaching.UserFilter{})
				return err
			}},
		{name: "UpdateUser", want: [6]string{FB, FB, FB, FB, ok, UA}, unchanged: usersUnchanged,
			call: func(t *testing.T, ctx context.Context, w *matrixWorld) error {
				_, err := w.svc.UpdateUser(ctx, w.client.ID, coaching.UserChange{
					Role: ptr(app.RoleCoach), Status: ptr(coaching.StatusDisabled)})
				return err
			}},
		{name: "UserByEmail", want: [6]string{FB, FB, FB, FB, ok, UA},
			call: func(t *testing.T, ctx context.Context, w *matrixWorld) error {
				_, err := w.svc.UserByEmail(ctx, w.client.Email)
				return err
			}},
		{name: "CreateUser", want: [6]string{FB, FB, FB, FB, ok, UA}, unchanged: usersUnchanged,
			call: func(t *testing.T, ctx context.Context, w *matrixWorld) error {
				_, err := w.svc.CreateUser(ctx, coaching.NewUser{Email: "new@example.com", Role: app.RoleCoach})
				return err
			}},
		{name: "PutProfile", want: [6]string{ok, ok, ok, ok, ok, UA},
			call: func(t *testing.T, ctx context.Context, w *matrixWorld) error {
				_, err := w.svc.PutProfile(ctx, map[string]any{"bio": "hello"})
				return err
			}},
		{name: "Me", want: [6]string{ok, ok, ok, ok, ok, UA},
			call: func(t *testing.T, ctx context.Context, w *matrixWorld) error {
				_, err := w.svc.Me(ctx)
				return err
			}},
	}
	for _, o := range ops {
		t.Run(o.name, func(t *testing.T) {
			t.Parallel()
			for i, a := range actors {
				t.Run(a.name, func(t *testing.T) {
					w := MustMatrixWorld(t)
					err := o.call(t, as(a.get(w.world)), w)
					MustCode(t, err, o.want[i])
					if err != nil && o.unchanged != nil {
						o.unchanged(t, w)
					}
				})
			}
		})
	}
}

// TestListingsShowOnlyWhatTheActorMaySee checks the contents of the lists
// for each actor, including filters that try to reach further.
func TestListingsShowOnlyWhatTheActorMaySee(t *testing.T) {
	t.Parallel()
	w := MustMatrixWorld(t)
	// A third, cancelled appointment of the coach, listed like the others.
	late := MustBook(t, w.world, w.coach, w.client, tomorrow.Add(48*time.Hour))
	MustCancel(t, w.world, w.coach, late.ID)

	appts := []struct {
		name   string
		by     *coaching.User
		filter coaching.AppointmentFilter
		want   []int64 // in list order
	}{
		{"coach sees their own", w.coach, coaching.AppointmentFilter{}, []int64{w.appt.ID, late.ID}},
		{"other coach sees theirs", w.otherCoach, coaching.AppointmentFilter{}, []int64{w.otherAppt.ID}},
		{"client sees their own", w.client, coaching.AppointmentFilter{}, []int64{w.appt.ID, late.ID}},
		{"other client sees theirs", w.otherClient, coaching.AppointmentFilter{}, []int64{w.otherAppt.ID}},
		{"admin sees all", w.admin, coaching.AppointmentFilter{}, []int64{w.appt.ID, w.otherAppt.ID, late.ID}},
		{"a coach naming another coach still sees their own", w.coach,
			coaching.AppointmentFilter{CoachID: w.otherCoach.ID}, []int64{w.appt.ID, late.ID}},
		{"a coach naming another coach's client sees nothing", w.coach,
			coaching.AppointmentFilter{ClientID: w.otherClient.ID}, nil},
		{"a client naming another client still sees their own", w.client,
			coaching.AppointmentFilter{ClientID: w.otherClient.ID}, []int64{w.appt.ID, late.ID}},
		{"a client naming another coach sees nothing", w.client,
			coaching.AppointmentFilter{CoachID: w.otherCoach.ID}, nil},
		{"a coach's status filter narrows", w.coach,
			coaching.AppointmentFilter{Status: coaching.ApptCancelled}, []int64{late.ID}},
		{"an admin's coach filter narrows", w.admin,
			coaching.AppointmentFilter{CoachID: w.otherCoach.ID}, []int64{w.otherAppt.ID}},
		{"newest first", w.admin, coaching.AppointmentFilter{Desc: true, Page: coaching.Page{Limit: 1}}, []int64{late.ID}},
	}
	for _, c := range appts {
		t.Run("appointments/"+c.name, func(t *testing.T) {
			list, err := w.svc.ListAppointments(as(c.by), c.filter)
			MustCode(t, err, "")
			if got := apptIDs(list); !slices.Equal(got, c.want) {
				t.Errorf("appointments %v, want %v", got, c.want)
			}
		})
	}

	clients := []struct {
		name string
		by   *coaching.User
		want []int64
	}{
		{"coach lists their client", w.coach, []int64{w.client.ID}},
		{"other coach lists theirs", w.otherCoach, []int64{w.otherClient.ID}},
		{"admin lists every client", w.admin, []int64{w.client.ID, w.otherClient.ID}},
	}
	for _, c := range clients {
		t.Run("clients/"+c.name, func(t *testing.T) {
			list, err := w.svc.ListClients(as(c.by), coaching.Page{})
			MustCode(t, err, "")
			if got := userIDs(list); !slices.Equal(got, sortedIDs(c.want...)) {
				t.Errorf("clients %v, want %v", got, c.want)
			}
		})
	}

	coaches := []struct {
		name string
		by   *coaching.User
		want []int64
	}{
		{"client lists their coach", w.client, []int64{w.coach.ID}},
		{"other client lists theirs", w.otherClient, []int64{w.otherCoach.ID}},
		{"a coach has no coaches", w.coach, nil},
	}
	for _, c := range coaches {
		t.Run("coaches/"+c.name, func(t *testing.T) {
			list, err := w.svc.ListCoaches(as(c.by), coaching.Page{})
			MustCode(t, err, "")
			if got := userIDs(list); !slices.Equal(got, sortedIDs(c.want...)) {
				t.Errorf("coaches %v, want %v", got, c.want)
			}
		})
	}

	t.Run("users/admin lists everyone", func(t *testing.T) {
		list, err := w.svc.ListUsers(as(w.admin), coaching.UserFilter{})
		MustCode(t, err, "")
		want := sortedIDs(w.admin.ID, w.coach.ID, w.otherCoach.ID, w.client.ID, w.otherClient.ID)
		if got := userIDs(list); !slices.Equal(got, want) {
			t.Errorf("users %v, want %v", got, want)
		}
	})
	t.Run("users/admin filters by role", func(t *testing.T) {
		list, err := w.svc.ListUsers(as(w.admin), coaching.UserFilter{Role: app.RoleCoach})
		MustCode(t, err, "")
		if got, want := userIDs(list), sortedIDs(w.coach.ID, w.otherCoach.ID); !slices.Equal(got, want) {
			t.Errorf("coaches %v, want %v", got, want)
		}
	})
}

// TestListAppointmentsPages checks that pages are clamped and follow on.
func TestListAppointmentsPages(t *testing.T) {
	t.Parallel()
	w := MustWorld(t)
	var all []int64
	for i := range 5 {
		all = append(all, MustBook(t, w, w.coach, w.client, tomorrow.Add(time.Duration(i)*time.Hour)).ID)
	}
	cases := []struct {
		name string
		page coaching.Page
		want []int64
	}{
		{"no limit means the default", coaching.Page{}, all},
		{"a limit over the maximum is clamped", coaching.Page{Limit: 100000}, all},
		{"a first page", coaching.Page{Limit: 2}, all[:2]},
		{"a second page", coaching.Page{Limit: 2, Offset: 2}, all[2:4]},
		{"a negative offset is the start", coaching.Page{Limit: 2, Offset: -5}, all[:2]},
		{"past the end is empty", coaching.Page{Limit: 2, Offset: 10}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			list, err := w.svc.ListAppointments(as(w.client), coaching.AppointmentFilter{Page: c.page})
			MustCode(t, err, "")
			if got := apptIDs(list); !slices.Equal(got, c.want) {
				t.Errorf("page %+v: %v, want %v", c.page, got, c.want)
			}
		})
	}
}
