package audit_test

import (
	"context"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/audit"
	"rapport/internal/store/storetest"
)

// now is the tests' fixed time.
var now = time.Date(2030, 3, 4, 9, 0, 0, 0, time.UTC)

func as(id int64, role app.Role) context.Context {
	return app.WithActor(context.Background(), &app.Actor{UserID: id, Role: role})
}

// TestRecordNamesTheActor: the actor in the context is who did it; nobody,
// and the operator at the command line, are the system.
func TestRecordNamesTheActor(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	clock := app.NewFixedClock(now)
	for _, tc := range []struct {
		name string
		ctx  context.Context
		want int64
	}{
		{"person", as(7, app.RoleAdmin), 7},
		{"nobody", context.Background(), 0},
		{"operator", app.WithActor(context.Background(), app.Operator), 0},
	} {
		if err := audit.Record(tc.ctx, db, clock, audit.RoleChanged, 3, tc.name); err != nil {
			t.Fatal(err)
		}
		rows, err := db.AuditEntries(context.Background(), audit.Filter{Limit: 1})
		if err != nil || len(rows) != 1 || rows[0].ActorID != tc.want || rows[0].Detail != tc.name || !rows[0].At.Equal(now) {
			t.Errorf("%s: %+v %v, want actor %d", tc.name, rows, err, tc.want)
		}
	}
}

// TestOnlyAdminsReadTheLog: an admin reads it; a coach or a client is
// forbidden; nobody signed in is asked to; a filter that cannot be names
// its field; a page is bounded.
func TestOnlyAdminsReadTheLog(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	log := &audit.Log{Store: db}
	for i := range audit.MaxPage + 5 {
		if err := db.Record(context.Background(), &audit.Entry{At: now.Add(time.Duration(i) * time.Second), Action: audit.SignedIn}); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := log.List(as(1, app.RoleAdmin), audit.Filter{Limit: 1000})
	if err != nil || len(rows) != audit.MaxPage || !rows[0].At.Equal(now.Add(time.Duration(audit.MaxPage+4)*time.Second)) {
		t.Fatalf("admin: %d rows, %v", len(rows), err)
	}
	if rows, _ := log.List(as(1, app.RoleAdmin), audit.Filter{}); len(rows) != 50 {
		t.Errorf("the default page: %d rows, want 50", len(rows))
	}
	for _, tc := range []struct {
		name string
		ctx  context.Context
		want string
	}{
		{"coach", as(2, app.RoleCoach), app.EFORBIDDEN},
		{"client", as(3, app.RoleClient), app.EFORBIDDEN},
		{"nobody", context.Background(), app.EUNAUTHORIZED},
	} {
		if _, err := log.List(tc.ctx, audit.Filter{}); app.ErrorCode(err) != tc.want {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
		}
	}
	for field, f := range map[string]audit.Filter{
		"action": {Action: "read_minds"},
		"to":     {From: now, To: now},
		"actor":  {ActorID: -1},
	} {
		_, err := log.List(as(1, app.RoleAdmin), f)
		if app.ErrorCode(err) != app.EINVALID || app.ErrorFields(err)[field] == "" {
			t.Errorf("%s: %v, want a field error", field, err)
		}
	}
}
