package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"rapport/internal/cluster/clustertest"
	"rapport/internal/membership/skool/skooltest"
	"rapport/internal/server"
	"rapport/internal/store/storetest"
)

// TestE2ECallAcrossNodes: three nodes on one PostgreSQL and one Redis,
// behind a round-robin proxy that sends each request to the next node:
// the coach and the client, each in Chromium, meet in one room (whichever
// node each request reaches, the room's connections are carried to the
// node that runs it) and see and hear each other. Then the node that runs
// the room stops (SIGTERM's drain): the pages reconnect, another node
// takes the room, and they see and hear each other again, in the same
// call.
func TestE2ECallAcrossNodes(t *testing.T) {
	t.Parallel()
	chromium := skooltest.Chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), e2eLimit)
	defer cancel()
	c := startCluster(t, 3)
	front := c.front
	shots := newShooter(t, "cluster")
	browser := startBrowser(t, ctx, chromium)
	client := newPerson(t, browser, front, "client", "America/New_York", shots)
	coach := newPerson(t, browser, front, "coach", "Europe/Berlin", shots)
	coachID, clientID := linked(t, coach, client)
	roomURL := bookSoon(coach, clientID, "Across nodes")
	coach.open(roomURL, 200)
	client.open(roomURL, 200)
	for _, p := range []*person{coach, client} {
		p.waitFor(together("websocket"))
		p.waitUpTo(30*time.Second, `document.querySelector("[data-stage]").dataset.media === "connected"`)
	}
	coach.wantMedia(clientID)
	client.wantMedia(coachID)
	coach.shot("call-coach-across-nodes")
	client.waitFor(`!!document.querySelector("[data-timer]").dataset.startedAt`)
	started := eval[string](client, `document.querySelector("[data-timer]").dataset.startedAt`)

	// Each page's count of decoded frames is its peer connection's: the
	// move makes a new one, whose count starts again from zero.
	frames := func(p *person, user string) int {
		return eval[int](p, `Number(document.querySelector('.tile[data-user-id="`+user+`"]').dataset.frames || 0)`)
	}
	coachSaw, clientSaw := frames(coach, clientID), frames(client, coachID)
	owner := c.owner(t, eval[string](coach, `location.pathname.split("/").pop()`))
	drained := time.Now()
	closed := make(chan error, 1)
	go func() { closed <- owner.Close() }() // SIGTERM's drain: it returns once its rooms have moved
	for _, p := range []*person{coach, client} {
		p.waitUpTo(30*time.Second, together("websocket"))
	}
	for _, w := range []struct {
		p         *person
		user      string
		sawBefore int
	}{{coach, clientID, coachSaw}, {client, coachID, clientSaw}} {
		tile := `Number(document.querySelector('.tile[data-user-id="` + w.user + `"]').dataset.frames)`
		w.p.waitUpTo(30*time.Second, tile+` < `+strconv.Itoa(w.sawBefore)+` && `+tile+` > 0`)
	}
	back := time.Since(drained)
	coach.wantMedia(clientID)
	client.wantMedia(coachID)
	t.Logf("the call was back on another node %s after its node began to stop (both decoding the other's video again)", back.Round(10*time.Millisecond))
	if back > 5*time.Second {
		t.Errorf("the call took %s to come back, want under 5 s", back)
	}
	if err := <-closed; err != nil {
		t.Errorf("the drained node: %v", err)
	}
	if again := eval[string](client, `document.querySelector("[data-timer]")?.dataset.startedAt || ""`); again != started {
		t.Errorf("the call's timer started at %q before the move and %q after", started, again)
	}
	for _, p := range []*person{coach, client} {
		p.expectConsole("WebSocket") // the connection the stopped node cut
		p.checkConsole()
	}
}

// cluster is the nodes of one practice and the proxy in front of them.
type cluster struct {
	front  string // the proxy's URL
	prefix string // the practice's keys in Redis
	nodes  map[string]*server.Main
}

// owner is the node that runs the room now.
func (c *cluster) owner(t *testing.T, roomID string) *server.Main {
	t.Helper()
	for _, m := range c.nodes {
		appt, err := m.DB.AppointmentByRoom(context.Background(), roomID)
		if err != nil {
			t.Fatalf("the room's appointment: %v", err)
		}
		id, err := clustertest.Client(t).Get(context.Background(), fmt.Sprintf("%s:room:%d", c.prefix, appt.ID)).Result()
		if err != nil {
			t.Fatalf("the room's owner: %v", err)
		}
		return c.nodes[id]
	}
	return nil
}

// startCluster runs n nodes of one practice (a fresh PostgreSQL schema,
// a Redis prefix of the test's own) and a round-robin proxy in front of
// them.
func startCluster(t *testing.T, n int) *cluster {
	t.Helper()
	db, redis, prefix := storetest.URL(t, "postgres"), clustertest.RedisURL(t), clustertest.Prefix(t)
	c := &cluster{prefix: prefix, nodes: map[string]*server.Main{}}
	var nodes []*url.URL
	for i := range n {
		id := fmt.Sprint("node-", i)
		m := runMain(t, map[string]string{"HOST": "127.0.0.1", "PORT": "0", "RAPPORT_DATA_DIR": t.TempDir(),
			"DATABASE_URL": db, "REDIS_URL": redis, "REDIS_PREFIX": prefix, "NODE_ID": id,
			"SESSION_SECRET": "one-session-secret-for-every-node-of-the-cluster"})
		c.nodes[id] = m
		u, _ := url.Parse(m.URL())
		nodes = append(nodes, u)
	}
	var next atomic.Uint64
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(nodes[next.Add(1)%uint64(len(nodes))])
			pr.Out.Host = pr.In.Host
		},
		FlushInterval: -1,
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: proxy}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	c.front = "http://" + ln.Addr().String()
	return c
}
