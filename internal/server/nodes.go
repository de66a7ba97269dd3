package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"time"

	"rapport/internal/app"
	"rapport/internal/cluster"
	"rapport/internal/config"
)

// The database's lease "nodes" says who serves it: one node alone, or the
// nodes of one cluster (they share the holder's name). A node of any other
// kind is refused at start, since a second node that does not know of the
// first would end its calls (its sweeper sees no live room) and number its
// chats from its own memory.
const (
	nodesLease = "nodes"
	// guardTTL is how long the lease lasts unless renewed; a node renews
	// it every guardEvery. A node that died without giving it back holds
	// up the next start for at most guardTTL.
	guardTTL   = 10 * time.Second
	guardEvery = 2 * time.Second
)

// errAnotherNode is the refusal of a second node without REDIS_URL.
var errAnotherNode = errors.New("another Rapport node is serving this database (its hold on the database is renewed): " +
	"two nodes without REDIS_URL would end each other's calls; stop the other one, or run both as a cluster " +
	"(REDIS_URL on every node, see docs/deployment.md)")

// nodeGuard holds the database's "nodes" lease while this node runs.
type nodeGuard struct {
	Lease  app.Lease
	Holder string
	Alone  bool // give the lease back at the end (a cluster's nodes share it)
	Clock  app.Clock
	Log    *slog.Logger
}

// take waits for the lease: at once when it is free or ours; when another
// holder has it, until it lapses (that node died) or for guardTTL and a
// renewal more (that node runs: refused).
func (g *nodeGuard) take(ctx context.Context) error {
	giveUp := g.Clock.Now().Add(guardTTL + guardEvery)
	told := false
	for {
		now := g.Clock.Now()
		ok, err := g.Lease.AcquireLease(ctx, nodesLease, g.Holder, now.Add(guardTTL), now)
		switch {
		case err != nil:
			return fmt.Errorf("hold the database for this node: %w", err)
		case ok:
			return nil
		case now.After(giveUp):
			return errAnotherNode
		case !told:
			g.Log.Warn("another node holds the database; waiting to see whether it still runs", "for", guardTTL+guardEvery)
			told = true
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(guardEvery / 2):
		}
	}
}

// keep renews the lease until ctx ends, then gives it back when alone.
func (g *nodeGuard) keep(ctx context.Context) {
	app.Every(ctx, guardEvery, func(ctx context.Context) {
		now := g.Clock.Now()
		ok, err := g.Lease.AcquireLease(ctx, nodesLease, g.Holder, now.Add(guardTTL), now)
		switch {
		case err != nil && ctx.Err() == nil:
			g.Log.Warn("renew this node's hold on the database", "err", err)
		case err == nil && !ok:
			g.Log.Error("another node took the database while this one ran (it was paused or cut off for over " + guardTTL.String() + "); stop one of them")
		}
	})
	if g.Alone {
		if err := g.Lease.ReleaseLease(context.WithoutCancel(ctx), nodesLease, g.Holder); err != nil {
			g.Log.Warn("give the database's hold back; the next start waits for it to lapse", "err", err)
		}
	}
}

// nodeIdentity is this node's ID and URL, from NODE_ID and NODE_URL or,
// when they are not set, from the host name and the address it listens on.
func nodeIdentity(c config.Cluster, listening net.Addr) (id, nodeURL string) {
	port := "0"
	if a, ok := listening.(*net.TCPAddr); ok {
		port = strconv.Itoa(a.Port)
	}
	id, nodeURL = c.NodeID, c.NodeURL
	if id == "" {
		host, err := os.Hostname()
		if err != nil {
			host = "node"
		}
		id = host + ":" + port
	}
	if nodeURL == "" {
		nodeURL = (&url.URL{Scheme: "http", Host: listening.String()}).String()
	}
	return id, nodeURL
}

// guardHolder names this node in the "nodes" lease: the cluster's name (its
// Redis and prefix), or this node alone with its process.
func guardHolder(c config.Cluster, nodeID string) string {
	if !c.Enabled() {
		return fmt.Sprintf("node %s pid %d", nodeID, os.Getpid())
	}
	u, err := url.Parse(c.RedisURL)
	where := c.RedisURL
	if err == nil {
		where = u.Host + u.Path // never the password
	}
	return "cluster " + c.Prefix + " at " + where
}

// joinCluster connects to Redis and makes this node's part of the cluster,
// when REDIS_URL is set; nil otherwise.
func joinCluster(ctx context.Context, c config.Cluster, id, nodeURL string, log *slog.Logger) (*cluster.Cluster, error) {
	if !c.Enabled() {
		return nil, nil
	}
	rdb, err := cluster.Open(ctx, c.RedisURL)
	if err != nil {
		return nil, err
	}
	cl, err := cluster.New(rdb, cluster.Options{NodeID: id, NodeURL: nodeURL, Prefix: c.Prefix, Log: log})
	if err != nil {
		rdb.Close()
		return nil, err
	}
	log.Info("a node of a cluster", "node", id, "url", nodeURL, "prefix", c.Prefix)
	return cl, nil
}
