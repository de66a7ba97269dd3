package turn

import (
	"context"
	"net"
	"slices"
	"sync"
	"testing"
	"time"
)

// users is a stand-in for the database behind Config.Allowed: who is
// allowed, and whom the server asked about.
type users struct {
	mu      sync.Mutex
	allowed map[int64]bool
	asked   []int64
}

func (u *users) check(_ context.Context, ids []int64) (map[int64]bool, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := map[int64]bool{}
	for _, id := range ids {
		u.asked = append(u.asked, id)
		out[id] = u.allowed[id]
	}
	return out, nil
}

func (u *users) set(id int64, ok bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.allowed[id] = ok
}

func (u *users) askedAbout(id int64) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	n := 0
	for _, a := range u.asked {
		if a == id {
			n++
		}
	}
	return n
}

func TestRevokedUsersLoseTheirRelays(t *testing.T) {
	db := &users{allowed: map[int64]bool{7: true, 8: true, 9: true}}
	s, addr := startTURN(t, func(c *Config) { c.Allowed = db.check })
	cred := func(user int64) (string, string) { return Credentials("s3cret", user, time.Now().Add(time.Minute)) }

	u7, p7 := cred(7)
	for range 2 {
		if _, _, err := allocate(t, addr, u7, p7); err != nil {
			t.Fatal(err)
		}
	}
	if n := db.askedAbout(7); n != 1 {
		t.Fatalf("asked about user 7 %d times for two relays, want once (the answer stands 30 s)", n)
	}
	u8, p8 := cred(8)
	_, relay8, err := allocate(t, addr, u8, p8)
	if err != nil {
		t.Fatal(err)
	}
	forged, _ := cred(1234)
	if _, _, err := allocate(t, addr, forged, "guess"); err == nil || db.askedAbout(1234) != 0 {
		t.Fatalf("a forged credential: %v, and the database was asked %d times", err, db.askedAbout(1234))
	}

	t.Run("Sweep", func(t *testing.T) {
		db.set(7, false)
		if err := s.Sweep(context.Background()); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "user 7's relays are closed", func() bool { return s.Allocations() == 1 })
		if _, _, err := allocate(t, addr, u7, p7); err == nil {
			t.Fatal("a disabled user opened a relay")
		}
		if u7b, p7b := cred(7); !failsToAllocate(t, addr, u7b, p7b) {
			t.Fatal("a disabled user's fresh credential opened a relay")
		}
		relays(t, relay8) // user 8's relay is untouched
		waitFor(t, "user 8's relay socket alone kept", func() bool {
			s.guard.allocs.mu.Lock()
			defer s.guard.allocs.mu.Unlock()
			return len(s.guard.allocs.sockets) == 1
		})
	})
	t.Run("Recheck", func(t *testing.T) {
		u9, p9 := cred(9)
		if _, _, err := allocate(t, addr, u9, p9); err != nil {
			t.Fatal(err)
		}
		db.set(9, false)
		if err := s.Recheck(context.Background(), 9); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "user 9's relay is closed", func() bool { return s.Allocations() == 1 })
		if !failsToAllocate(t, addr, u9, p9) {
			t.Fatal("a user refused by Recheck opened a relay")
		}
		if err := s.Recheck(context.Background(), 8); err != nil || s.Allocations() != 1 {
			t.Fatalf("a recheck of an allowed user: %v, %d allocations", err, s.Allocations())
		}
		relays(t, relay8)
	})
	t.Run("Diagnose", func(t *testing.T) {
		u0, p0 := cred(0) // rapport diagnose's check of the running server
		if _, _, err := allocate(t, addr, u0, p0); err != nil {
			t.Fatalf("diagnose's credential: %v", err)
		}
		if err := s.Sweep(context.Background()); err != nil || db.askedAbout(0) != 0 || s.Allocations() != 2 {
			t.Fatalf("sweep: %v; asked about user 0 %d times; %d allocations, want 2", err, db.askedAbout(0), s.Allocations())
		}
	})
	// The guard forgets a relay when its socket closes, which follows
	// the allocation's end on a goroutine of its own.
	waitFor(t, "the server no longer counts user 7's relays", func() bool { return !slices.Contains(s.guard.allocs.users(), 7) })
}

func failsToAllocate(t *testing.T, addr, user, pass string) bool {
	t.Helper()
	_, _, err := allocate(t, addr, user, pass)
	return err != nil
}

// relays checks that relay carries a packet to a peer on this machine.
func relays(t *testing.T, relay net.PacketConn) {
	t.Helper()
	peer, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	if _, err := relay.WriteTo([]byte("still here"), peer.LocalAddr()); err != nil {
		t.Fatalf("relay: %v", err)
	}
	peer.SetReadDeadline(time.Now().Add(3 * time.Second))
	buf := make([]byte, 64)
	if n, _, err := peer.ReadFrom(buf); err != nil || string(buf[:n]) != "still here" {
		t.Fatalf("the relayed packet: %q %v", buf[:n], err)
	}
}
