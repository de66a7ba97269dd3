package turn

import (
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// waitFor polls cond for up to three seconds: pion deletes an allocation
// in its own goroutine.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("still not so after 3 s: %s", what)
}

func TestACredentialHoldsTenRelaysAtATime(t *testing.T) {
	s, addr := startTURN(t)
	user, pass := Credentials("s3cret", 7, time.Now().Add(time.Minute))
	var relays []net.PacketConn
	for i := range 10 { // TURN_MAX_ALLOCATIONS' default
		_, relay, err := allocate(t, addr, user, pass)
		if err != nil {
			t.Fatalf("allocation %d: %v", i+1, err)
		}
		relays = append(relays, relay)
	}
	if _, _, err := allocate(t, addr, user, pass); err == nil || !strings.Contains(err.Error(), "486") {
		t.Fatalf("the 11th allocation: %v, want 486 Allocation Quota Reached", err)
	}
	other, otherPass := Credentials("s3cret", 8, time.Now().Add(time.Minute))
	if _, _, err := allocate(t, addr, other, otherPass); err != nil {
		t.Fatalf("another credential has a quota of its own: %v", err)
	}

	relays[0].Close() // a Refresh of lifetime 0
	waitFor(t, "the released relay is gone", func() bool { return s.Allocations() == 10 })
	if _, _, err := allocate(t, addr, user, pass); err != nil {
		t.Fatalf("an allocation after one was released: %v", err)
	}
	if _, _, err := allocate(t, addr, user, pass); err == nil {
		t.Fatal("the quota let an 11th relay through after a release")
	}
}

func TestARelayOutlivesItsCredential(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Now().Unix())
	s, addr := startTURN(t, func(c *Config) { c.Now = func() time.Time { return time.Unix(now.Load(), 0) } })
	user, pass := Credentials("s3cret", 7, time.Unix(now.Load(), 0).Add(time.Minute))
	c, relay, err := allocate(t, addr, user, pass)
	if err != nil {
		t.Fatal(err)
	}
	now.Add(3600) // the call goes on an hour past the credential's expiry

	peer, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	if err := c.CreatePermission(peer.LocalAddr()); err != nil {
		t.Fatalf("CreatePermission on a relay made in time: %v", err)
	}
	// An ICE restart gathers again with the same credential while the old
	// relay still stands.
	_, again, err := allocate(t, addr, user, pass)
	if err != nil {
		t.Fatalf("a second relay while the credential holds one: %v", err)
	}
	relay.Close() // Refreshes of lifetime 0: they need the credential too
	again.Close()
	waitFor(t, "the relays are released", func() bool { return s.Allocations() == 0 })

	if _, _, err := allocate(t, addr, user, pass); err == nil {
		t.Fatal("an expired credential that holds no relay opened one")
	}
}

// TestQuotaCountsAllocatesInFlight: the Allocates of one credential on
// several TCP connections are handled at once; each one the quota admits
// holds its place until its allocation exists (or for a few seconds, if it
// fails), and a deletion pion reports twice counts once.
func TestQuotaCountsAllocatesInFlight(t *testing.T) {
	a := newAllocations()
	now := time.Now()
	for i := range 3 {
		if !a.reserve("u", 3, now) {
			t.Fatalf("Allocate %d refused", i+1)
		}
	}
	if a.reserve("u", 3, now) {
		t.Fatal("a fourth Allocate in flight passed a quota of 3")
	}
	src := func(port int) net.Addr { return &net.UDPAddr{IP: net.IPv4(192, 0, 2, 1), Port: port} }
	srv, relay := src(3478), src(50000)
	a.created(src(1), srv, "UDP", "u", "rapport", relay, 0)
	a.created(src(2), srv, "UDP", "u", "rapport", relay, 0)
	if a.reserve("u", 3, now) {
		t.Fatal("two relays and one Allocate in flight passed a quota of 3")
	}
	if !a.reserve("u", 3, now.Add(reserveFor+time.Second)) {
		t.Fatal("an Allocate that failed holds its place for good")
	}
	a.deleted(src(1), srv, "UDP", "u", "rapport")
	a.deleted(src(1), srv, "UDP", "u", "rapport")
	if a.held["u"] != 1 || !a.holds("u") {
		t.Fatalf("%d relays held after one of two was deleted twice, want 1", a.held["u"])
	}
	a.deleted(src(2), srv, "UDP", "u", "rapport")
	a.lapseAll(now.Add(time.Minute))
	if a.holds("u") || len(a.held) != 0 || len(a.reserved) != 0 {
		t.Fatalf("records left behind: %v %v", a.held, a.reserved)
	}
}
