package store_test

import (
	"context"
	"testing"
	"time"

	"rapport/internal/store"
)

func TestOneHolderOfALeaseAtATime(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := t0
		take := func(holder string, at time.Time) bool {
			ok, err := db.AcquireLease(ctx, "skool-sync", holder, at.Add(time.Hour), at)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !take("node-a", now) {
			t.Fatal("a free lease was refused")
		}
		if take("node-b", now.Add(time.Minute)) {
			t.Fatal("a second node took a held lease")
		}
		if !take("node-a", now.Add(2*time.Minute)) {
			t.Fatal("the holder could not renew")
		}
		if !take("node-b", now.Add(2*time.Hour)) {
			t.Fatal("an expired lease was not taken over")
		}
		if err := db.ReleaseLease(ctx, "skool-sync", "node-a"); err != nil {
			t.Fatal(err)
		}
		if take("node-a", now.Add(2*time.Hour+time.Minute)) {
			t.Fatal("releasing someone else's lease freed it")
		}
		if err := db.ReleaseLease(ctx, "skool-sync", "node-b"); err != nil {
			t.Fatal(err)
		}
		if !take("node-a", now.Add(2*time.Hour+2*time.Minute)) {
			t.Fatal("a released lease was refused")
		}
	})
}
