package coaching_test

import (
	"slices"
	"testing"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

// TestUserChangedHook: the rooms hear of a role change, a disable and a
// sign-out everywhere, and not of a new name, which changes nothing a room
// checks.
func TestUserChangedHook(t *testing.T) {
	w := MustWorld(t)
	var heard []int64
	w.svc.Hooks.UserChanged = func(id int64) { heard = append(heard, id) }
	admin := as(w.admin)
	rename := "Renamed"
	if _, err := w.svc.UpdateUser(admin, w.client.ID, coaching.UserChange{Name: &rename}); err != nil {
		t.Fatal(err)
	}
	if len(heard) != 0 {
		t.Fatalf("a rename was heard: %v", heard)
	}
	MustUpdateUser(t, w, w.client.ID, coaching.UserChange{Role: ptr(app.RoleCoach)})
	MustUpdateUser(t, w, w.otherClient.ID, coaching.UserChange{Status: ptr(coaching.StatusDisabled)})
	if err := w.svc.SignOutEverywhere(as(w.coach)); err != nil {
		t.Fatal(err)
	}
	if want := []int64{w.client.ID, w.otherClient.ID, w.coach.ID}; !slices.Equal(heard, want) {
		t.Fatalf("heard %v, want %v", heard, want)
	}
}
