package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"rapport/internal/cluster/clustertest"
	"rapport/internal/membership/skool/skooltest"
	"rapport/internal/store/storetest"
)

// TestE2ECallAcrossNodes: three nodes on one PostgreSQL and one Redis,
// behind a round-robin proxy that sends each request to the next node:
// the coach and the client, each in Chromium, meet in one room (whichever
// node each request reaches, the room's connections are carried to the
// node that runs it) and see and hear each other.
func TestE2ECallAcrossNodes(t *testing.T) {
	t.Parallel()
	chromium := skooltest.Chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), e2eLimit)
	defer cancel()
	front := startCluster(t, 3)
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
	for _, p := range []*person{coach, client} {
		p.checkConsole()
	}
}

// startCluster runs n nodes of one practice (a fresh PostgreSQL schema,
// a Redis prefix of the test's own) and a round-robin proxy in front of
// them; it returns the proxy's URL.
func startCluster(t *testing.T, n int) string {
	t.Helper()
	db, redis, prefix := storetest.URL(t, "postgres"), clustertest.RedisURL(t), clustertest.Prefix(t)
	var nodes []*url.URL
	for i := range n {
		m := runMain(t, map[string]string{"HOST": "127.0.0.1", "PORT": "0", "RAPPORT_DATA_DIR": t.TempDir(),
			"DATABASE_URL": db, "REDIS_URL": redis, "REDIS_PREFIX": prefix, "NODE_ID": fmt.Sprint("node-", i),
			"SESSION_SECRET": "one-session-secret-for-every-node-of-the-cluster"})
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
	return "http://" + ln.Addr().String()
}
