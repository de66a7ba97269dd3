package store_test

import (
	"context"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/store"
)

// TestCoachSlugs: one slug a user, unique across users; without replace a
// user's slug stays, with it the old slug finds nobody and is free again.
func TestCoachSlugs(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ann := mustUser(t, db, "ann@example.com", app.RoleCoach)
		bob := mustUser(t, db, "bob@example.com", app.RoleCoach)
		if _, err := db.SlugOf(ctx, ann.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Fatalf("slug of nobody yet: %v, want ENOTFOUND", err)
		}
		if err := db.PutSlug(ctx, ann.ID, "ann", t0, false); err != nil {
			t.Fatal(err)
		}
		if err := db.PutSlug(ctx, ann.ID, "ann-again", t0, false); err != nil {
			t.Fatalf("a second slug without replace: %v", err)
		}
		if s, err := db.SlugOf(ctx, ann.ID); err != nil || s != "ann" {
			t.Fatalf("slug without replace: %q %v, want ann kept", s, err)
		}
		if u, err := db.UserBySlug(ctx, "ann"); err != nil || u.ID != ann.ID || u.Email != "ann@example.com" {
			t.Fatalf("by slug: %+v %v", u, err)
		}
		for _, replace := range []bool{false, true} {
			if err := db.PutSlug(ctx, bob.ID, "ann", t0, replace); app.ErrorCode(err) != app.ECONFLICT {
				t.Fatalf("bob takes ann's slug (replace %v): %v, want ECONFLICT", replace, err)
			}
		}
		if err := db.PutSlug(ctx, ann.ID, "ann-lee", t0.Add(time.Hour), true); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UserBySlug(ctx, "ann"); app.ErrorCode(err) != app.ENOTFOUND {
			t.Fatalf("the replaced slug: %v, want ENOTFOUND", err)
		}
		if err := db.PutSlug(ctx, bob.ID, "ann", t0, false); err != nil {
			t.Fatalf("bob takes the freed slug: %v", err)
		}
		if u, err := db.UserBySlug(ctx, "ann"); err != nil || u.ID != bob.ID {
			t.Fatalf("the freed slug: %+v %v, want bob", u, err)
		}
	})
}
