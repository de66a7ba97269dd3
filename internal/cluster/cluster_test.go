package cluster_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"rapport/internal/cluster"
	"rapport/internal/cluster/clustertest"
)

// node makes a node of the cluster under prefix, with ttl, and starts it
// unless told not to (a node that never renews is one that died).
func node(t *testing.T, prefix, id, url string, ttl time.Duration, start bool) *cluster.Cluster {
	t.Helper()
	c, err := cluster.New(clustertest.Client(t), cluster.Options{NodeID: id, NodeURL: url, Prefix: prefix, LeaseTTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	if start {
		ctx, cancel := context.WithCancel(context.Background())
		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cancel(); <-c.Stopped() })
	}
	return c
}

// eventually waits for cond, failing after d.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func ownedBy(t *testing.T, err error) string {
	t.Helper()
	var e *cluster.OwnedElsewhere
	if !errors.As(err, &e) {
		t.Fatalf("claim: %v, want another node's ownership", err)
	}
	return e.NodeID
}

// TestOneOwnerAtATime: a room claimed by one node is refused to another
// until the first gives it back.
func TestOneOwnerAtATime(t *testing.T) {
	ctx := context.Background()
	p := clustertest.Prefix(t)
	a := node(t, p, "a", "http://a", time.Minute, false)
	b := node(t, p, "b", "http://b", time.Minute, false)
	if err := a.Claim(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if err := a.Claim(ctx, 1); err != nil { // a second room of it here: confirmed
		t.Fatal(err)
	}
	if got := ownedBy(t, b.Claim(ctx, 1)); got != "a" {
		t.Fatalf("owner %q, want a", got)
	}
	a.Release(1)
	if got := ownedBy(t, b.Claim(ctx, 1)); got != "a" {
		t.Fatalf("after one of two releases the owner is %q, want still a", got)
	}
	a.Release(1)
	if err := b.Claim(ctx, 1); err != nil {
		t.Fatalf("after the last release: %v", err)
	}
	if !a.Owned(ctx, 1) || a.Owned(ctx, 2) {
		t.Fatal("Owned does not say which rooms run somewhere")
	}
}

// TestADeadOwnersLeaseLapses: a node that stops renewing (killed) loses
// its rooms within the lease's time to live, and another node takes them.
func TestADeadOwnersLeaseLapses(t *testing.T) {
	ctx := context.Background()
	p := clustertest.Prefix(t)
	const ttl = 300 * time.Millisecond
	dead := node(t, p, "dead", "http://dead", ttl, false)
	b := node(t, p, "b", "http://b", ttl, true)
	if err := dead.Claim(ctx, 7); err != nil {
		t.Fatal(err)
	}
	claimed := time.Now()
	ownedBy(t, b.Claim(ctx, 7))
	eventually(t, 2*time.Second, "the dead node's lease did not lapse", func() bool { return b.Claim(ctx, 7) == nil })
	if took := time.Since(claimed); took < ttl-50*time.Millisecond {
		t.Fatalf("the lease went after %s, before its time to live", took)
	}
}

// TestALiveOwnerKeepsItsRoomsAndHearsOfALoss: renewals keep a room past
// many times its lease; a lease found in another node's hands is reported.
func TestALiveOwnerKeepsItsRoomsAndHearsOfALoss(t *testing.T) {
	ctx := context.Background()
	p := clustertest.Prefix(t)
	const ttl = 150 * time.Millisecond
	lost := make(chan int64, 1)
	a, err := cluster.New(clustertest.Client(t), cluster.Options{NodeID: "a", NodeURL: "http://a", Prefix: p, LeaseTTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	a.OnLost(func(id int64) { lost <- id })
	actx, cancel := context.WithCancel(ctx)
	defer func() { cancel(); <-a.Stopped() }()
	if err := a.Start(actx); err != nil {
		t.Fatal(err)
	}
	b := node(t, p, "b", "http://b", ttl, false)
	if err := a.Claim(ctx, 3); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		time.Sleep(ttl)
		ownedBy(t, b.Claim(ctx, 3))
	}
	rdb := clustertest.Client(t)
	if err := rdb.Set(ctx, p+":room:3", "b", time.Minute).Err(); err != nil { // as after a pause longer than the lease
		t.Fatal(err)
	}
	select {
	case id := <-lost:
		if id != 3 {
			t.Fatalf("lost %d, want 3", id)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the loss of a lease was not reported")
	}
}

// TestNewRoomsGoToTheLeastLoadedUndrainedNode: Pick prefers fewer rooms,
// but keeps a room where it arrived within a slack of one room, and skips
// draining nodes.
func TestNewRoomsGoToTheLeastLoadedUndrainedNode(t *testing.T) {
	ctx := context.Background()
	p := clustertest.Prefix(t)
	a := node(t, p, "a", "http://a", time.Second, true)
	b := node(t, p, "b", "http://b", time.Second, true)
	for _, id := range []int64{1, 2} {
		if err := a.Claim(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := a.Pick(ctx); err != nil || n.ID != "b" {
		t.Fatalf("a picks %+v, %v; want b, which has no rooms", n, err)
	}
	a.Release(2)
	if n, err := a.Pick(ctx); err != nil || n.ID != "a" {
		t.Fatalf("a picks %+v, %v; want a itself, one room more than b being within the slack", n, err)
	}
	if err := b.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := a.Pick(ctx); err != nil || n.ID != "a" {
		t.Fatalf("a picks %+v, %v; want a, b draining", n, err)
	}
	if err := b.Claim(ctx, 9); !errors.Is(err, cluster.ErrDraining) {
		t.Fatalf("a draining node claimed a new room: %v", err)
	}
	eventually(t, 2*time.Second, "the nodes' heartbeats do not say a's rooms and b's draining", func() bool {
		nodes, err := a.Nodes(ctx)
		return err == nil && len(nodes) == 2 && nodes[0].Rooms == 1 && !nodes[0].Draining && nodes[1].Rooms == 0 && nodes[1].Draining
	})
}

// deliveries records what a node's pages were given.
type deliveries struct {
	mu  sync.Mutex
	got map[int64][]string
}

func (d *deliveries) Deliver(userID int64, b []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.got == nil {
		d.got = map[int64][]string{}
	}
	d.got[userID] = append(d.got[userID], string(b))
}

func (d *deliveries) of(userID int64) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.got[userID]...)
}

// TestNoticesAndOrdersCrossNodes: a notice published on one node reaches
// the other's pages (not its own twice); presence is seen from the other
// node; an order runs on the other nodes only.
func TestNoticesAndOrdersCrossNodes(t *testing.T) {
	p := clustertest.Prefix(t)
	a := node(t, p, "a", "http://a", time.Second, false)
	b := node(t, p, "b", "http://b", time.Second, false)
	var pagesA, pagesB deliveries
	na, nb := a.Notices(&pagesA), b.Notices(&pagesB)
	orders := make(chan string, 2)
	a.On("close", func(d string) { orders <- "a:" + d })
	b.On("close", func(d string) { orders <- "b:" + d })
	for _, c := range []*cluster.Cluster{a, b} {
		ctx, cancel := context.WithCancel(context.Background())
		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cancel(); <-c.Stopped() })
	}
	na.Publish(7, []byte(`{"type":"room.waiting"}`))
	eventually(t, 2*time.Second, "b's pages got no notice", func() bool { return len(pagesB.of(7)) == 1 })
	if got := pagesA.of(7); len(got) != 0 {
		t.Fatalf("a's own notice came back to it: %v", got)
	}
	if na.Online(5) {
		t.Fatal("nobody has a page open, yet 5 is online")
	}
	nb.Here(5, true)
	if !na.Online(5) || nb.Online(5) {
		t.Fatal("a page of 5 on b: a must see it online elsewhere, b not (it is here)")
	}
	nb.Here(5, false)
	if na.Online(5) {
		t.Fatal("5 closed their last page, yet is online")
	}
	a.Tell("close", "42 gone")
	select {
	case got := <-orders:
		if got != "b:42 gone" {
			t.Fatalf("order %q, want b:42 gone", got)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the order did not reach b")
	}
	select {
	case got := <-orders:
		t.Fatalf("an extra order %q", got)
	case <-time.After(100 * time.Millisecond):
	}
}

// TestRateLimitsAreShared: a limit's burst is spent across nodes.
func TestRateLimitsAreShared(t *testing.T) {
	p := clustertest.Prefix(t)
	la := node(t, p, "a", "http://a", time.Second, false).Limiter("sign-in", time.Minute, 2)
	lb := node(t, p, "b", "http://b", time.Second, false).Limiter("sign-in", time.Minute, 2)
	if !la.Allow("203.0.113.9") || !lb.Allow("203.0.113.9") {
		t.Fatal("the burst of two was refused")
	}
	ok, wait := lb.Reserve("203.0.113.9")
	if ok || wait <= 0 || wait > time.Minute {
		t.Fatalf("a third request on either node: allowed %v, wait %s", ok, wait)
	}
	if !la.Allow("198.51.100.1") {
		t.Fatal("another address was refused")
	}
}

// TestRouteCarriesARoomsRequestToItsNode: a request for a room another
// node owns is served there; one for a room nobody owns goes to the least
// loaded node, which takes it.
func TestRouteCarriesARoomsRequestToItsNode(t *testing.T) {
	ctx := context.Background()
	p := clustertest.Prefix(t)
	var nodes [2]*cluster.Cluster
	var urls [2]string
	for i, id := range []string{"a", "b"} {
		mux := http.NewServeMux()
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		urls[i] = srv.URL
		c := node(t, p, id, srv.URL, time.Second, true)
		nodes[i] = c
		mux.HandleFunc("/rooms/{appt}", func(w http.ResponseWriter, r *http.Request) {
			c.Route(w, r, 5, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if err := c.Claim(r.Context(), 5); err != nil {
					http.Error(w, err.Error(), http.StatusConflict)
					return
				}
				io.WriteString(w, id)
			}))
		})
	}
	get := func(base string) string {
		t.Helper()
		res, err := http.Get(base + "/rooms/5")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("HTTP %d: %s", res.StatusCode, b)
		}
		return string(b)
	}
	for _, id := range []int64{98, 99} { // a is busier by more than the slack of one
		if err := nodes[0].Claim(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if got := get(urls[0]); got != "b" {
		t.Fatalf("a new room asked of a was served by %q, want b, the least loaded", got)
	}
	if got := get(urls[0]); got != "b" {
		t.Fatalf("the room's next request was served by %q, want its owner b", got)
	}
	if got := get(urls[1]); got != "b" {
		t.Fatalf("served by %q, want b", got)
	}
}

// TestAMovingRoomTellsAWebSocketToComeBack: while a dead node's lease has
// not lapsed, a WebSocket for its room is accepted and closed as a
// restarting server's (1012), which a browser can read, and another
// request gets 503 with Retry-After.
func TestAMovingRoomTellsAWebSocketToComeBack(t *testing.T) {
	p := clustertest.Prefix(t)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	a := node(t, p, "a", srv.URL, time.Second, true)
	mux.HandleFunc("/rooms/{appt}", func(w http.ResponseWriter, r *http.Request) {
		a.Route(w, r, 8, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("served a room whose owner is another node") }))
	})
	if err := clustertest.Client(t).Set(context.Background(), p+":room:8", "dead", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	ws, _, err := websocket.Dial(t.Context(), "ws"+strings.TrimPrefix(srv.URL, "http")+"/rooms/8", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = ws.Read(t.Context())
	if got := websocket.CloseStatus(err); got != websocket.StatusServiceRestart {
		t.Fatalf("the WebSocket ended with %v (status %d), want 1012", err, got)
	}
	res, err := http.Get(srv.URL + "/rooms/8")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != "1" {
		t.Fatalf("HTTP %d, Retry-After %q; want 503 and 1", res.StatusCode, res.Header.Get("Retry-After"))
	}
}

// TestADrainingNodeTurnsRoomsAway: a node that drains carries nothing more
// (what it carried would be cut when it stops): a room's WebSocket is
// closed as a restarting server's and another request gets 503, while
// the node that runs the room learns, from each request another node
// carried, which node carried it (and not what a client claims).
func TestADrainingNodeTurnsRoomsAway(t *testing.T) {
	p := clustertest.Prefix(t)
	var via []string
	owner := httptest.NewServer(nil)
	t.Cleanup(owner.Close)
	b := node(t, p, "b", owner.URL, time.Second, true)
	owner.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.Route(w, r, 9, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			via = b.CarriedBy(r)
			io.WriteString(w, "b")
		}))
	})
	if err := b.Claim(context.Background(), 9); err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(nil)
	t.Cleanup(front.Close)
	a := node(t, p, "a", front.URL, time.Second, true)
	front.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.Route(w, r, 9, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("a served b's room") }))
	})
	req, _ := http.NewRequest("GET", front.URL+"/rooms/9", nil)
	req.Header.Set(cluster.ViaHeader, "a-node-the-client-made-up") // only nodes say who carried a request
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || len(via) != 1 || via[0] != "a" {
		t.Fatalf("through a: HTTP %d, carried by %q; want 200 and [a]", res.StatusCode, via)
	}
	if err := a.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !a.Draining() {
		t.Fatal("a does not say it drains")
	}
	ws, _, err := websocket.Dial(t.Context(), "ws"+strings.TrimPrefix(front.URL, "http")+"/rooms/9", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = ws.Read(t.Context())
	if got := websocket.CloseStatus(err); got != websocket.StatusServiceRestart {
		t.Fatalf("a WebSocket through the draining node ended with %v (status %d), want 1012", err, got)
	}
	if res, err = http.Get(front.URL + "/rooms/9"); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("a request through the draining node: HTTP %d, want 503", res.StatusCode)
	}
}
