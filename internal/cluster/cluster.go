// Package cluster is what several Rapport nodes share through Redis: who
// the nodes are and how loaded (a heartbeat), which node owns each live room
// (a lease with a short time to live, renewed while the room lives), the
// notices to people's open pages (pub/sub), who has a page open where, and
// the rate limits that guard sign-in and the API.
//
// A room is owned by one node at a time. A connection that reaches another
// node is carried to the owner by Route (an HTTP reverse proxy, WebSockets
// included), so a browser never needs to know which node it talks to; the
// media goes to the owner's SFU, whose addresses the owner's answer names.
// A node that dies stops renewing: its leases lapse within LeaseTTL and the
// next connection for the room makes another node its owner. The database
// stays the last guard: a node that lost its lease and still writes a chat
// message meets the unique (session, seq) key and fails.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Defaults of Options.
const (
	DefaultLeaseTTL = 3 * time.Second
	DefaultPrefix   = "rapport"
)

// Options configure a node.
type Options struct {
	// NodeID names this node among the others (NODE_ID); unique.
	NodeID string
	// NodeURL is where the other nodes reach this one (NODE_URL), like
	// http://10.0.0.5:8080.
	NodeURL string
	// Prefix starts every key and channel, so that practices may share a
	// Redis (REDIS_PREFIX).
	Prefix string
	// LeaseTTL is how long a room's lease and a node's heartbeat last
	// unless renewed; they are renewed every third of it. A dead node's
	// rooms move after at most this long.
	LeaseTTL time.Duration
	Log      *slog.Logger
}

// Node is one node as the others see it.
type Node struct {
	ID  string `json:"id"`
	URL string `json:"url"`
	// Rooms is how many live rooms it owns.
	Rooms int `json:"rooms"`
	// Draining is set from its SIGTERM on: it takes no new rooms.
	Draining bool `json:"draining"`
}

// Cluster is this node's part in the cluster. Start keeps its heartbeat and
// leases alive.
type Cluster struct {
	rdb *redis.Client
	opt Options

	mu       sync.Mutex
	owned    map[int64]int // appointment -> how many live rooms of it hold the lease here
	draining bool
	onLost   func(appointmentID int64)

	presence presence
	bus      *bus
	stopped  chan struct{}
	carrying atomic.Int64 // WebSockets this node carries to others now
}

// Open connects to the Redis at url (redis://host:port/db) and checks that
// it answers.
func Open(ctx context.Context, url string) (*redis.Client, error) {
	o, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	rdb := redis.NewClient(o)
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("REDIS_URL: Redis at %s does not answer: %w", o.Addr, err)
	}
	return rdb, nil
}

// New makes this node's part; Run starts it.
func New(rdb *redis.Client, opt Options) (*Cluster, error) {
	if opt.NodeID == "" || opt.NodeURL == "" {
		return nil, errors.New("cluster: a node needs an ID and a URL")
	}
	if opt.Prefix == "" {
		opt.Prefix = DefaultPrefix
	}
	if opt.LeaseTTL <= 0 {
		opt.LeaseTTL = DefaultLeaseTTL
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	c := &Cluster{rdb: rdb, opt: opt, owned: map[int64]int{}, stopped: make(chan struct{})}
	c.presence = presence{c: c, pages: map[int64]int{}}
	c.bus = &bus{c: c}
	return c, nil
}

// ID is this node's ID.
func (c *Cluster) ID() string { return c.opt.NodeID }

// OnLost sets what is called when a lease this node held was found taken
// by another node (after a pause longer than LeaseTTL, say): the room
// must stop here at once. Set it before Start.
func (c *Cluster) OnLost(fn func(appointmentID int64)) { c.onLost = fn }

// Start registers the node, listens to the others, and keeps its
// heartbeat, leases and presence alive in the background until ctx ends;
// then it takes the node out of the cluster (its rooms' leases went with
// Release, as the rooms ended) and Stopped closes.
func (c *Cluster) Start(ctx context.Context) error {
	if err := c.beat(ctx); err != nil {
		return fmt.Errorf("cluster: register node %s: %w", c.opt.NodeID, err)
	}
	sub, err := c.bus.subscribe(ctx)
	if err != nil {
		return fmt.Errorf("cluster: listen to the other nodes: %w", err)
	}
	go c.bus.run(ctx, sub)
	go c.keepAlive(ctx)
	return nil
}

// Stopped is closed once the node has left, after Start's context ended.
func (c *Cluster) Stopped() <-chan struct{} { return c.stopped }

// keepAlive ticks every third of LeaseTTL until ctx ends.
func (c *Cluster) keepAlive(ctx context.Context) {
	defer close(c.stopped)
	t := time.NewTicker(c.opt.LeaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			c.leave()
			return
		case <-t.C:
			c.tick(ctx)
		}
	}
}

// tick renews the heartbeat, the leases and the presence.
func (c *Cluster) tick(ctx context.Context) {
	if err := c.beat(ctx); err != nil && ctx.Err() == nil {
		c.opt.Log.Warn("cluster: heartbeat", "err", err)
	}
	lost, err := c.renew(ctx)
	if err != nil && ctx.Err() == nil {
		c.opt.Log.Warn("cluster: renew the rooms' leases", "err", err)
	}
	for _, id := range lost {
		c.opt.Log.Error("cluster: another node owns a room this node was running; stopping it here", "appointment", id)
		if c.onLost != nil {
			c.onLost(id)
		}
	}
	if err := c.presence.refresh(ctx); err != nil && ctx.Err() == nil {
		c.opt.Log.Warn("cluster: refresh presence", "err", err)
	}
}

// leave takes the node out: its heartbeat and presence go at once, so that
// no new room is sent here.
func (c *Cluster) leave() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := c.rdb.Del(ctx, c.nodeKey(c.opt.NodeID)).Err(); err != nil {
		c.opt.Log.Warn("cluster: leave", "err", err)
	}
	c.rdb.SRem(ctx, c.key("nodes"), c.opt.NodeID)
	c.presence.clear(ctx)
}

// key is a key of this cluster.
func (c *Cluster) key(parts ...string) string {
	k := c.opt.Prefix
	for _, p := range parts {
		k += ":" + p
	}
	return k
}

// Close closes the connection to Redis, once the node has stopped.
func (c *Cluster) Close() error { return c.rdb.Close() }
