package main

import (
	"context"
	"slices"
	"testing"

	"rapport/internal/audit"
	"rapport/internal/store"
	"rapport/internal/store/storetest"
)

// TestUserCommandsAreAudited: what `rapport user` changes is in the audit
// log, done by the system (the operator has no user of their own).
func TestUserCommandsAreAudited(t *testing.T) {
	t.Parallel()
	dbURL := storetest.URL(t, "sqlite")
	env := map[string]string{"DATABASE_URL": dbURL, "RAPPORT_DATA_DIR": t.TempDir()}
	for _, args := range [][]string{
		{"user", "create", "--email", "c@example.com", "--role", "coach"},
		{"user", "set-role", "--email", "c@example.com", "--role", "client"},
		{"user", "disable", "--email", "c@example.com"},
	} {
		if code, out, errs := runCLI(t, env, args...); code != 0 {
			t.Fatalf("rapport %v: exit %d %s %s", args, code, out, errs)
		}
	}
	db, err := store.Open(context.Background(), dbURL, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.AuditEntries(context.Background(), audit.Filter{System: true, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, string(r.Action)+": "+r.Detail)
	}
	want := []string{"status_changed: invited -> disabled", "role_changed: coach -> client", "role_changed: new user: coach"}
	if !slices.Equal(got, want) {
		t.Fatalf("entries %q, want %q", got, want)
	}
}
