package cluster

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Local is this node's own delivery of notices to open pages (notify.Hub).
type Local interface {
	Deliver(userID int64, encoded []byte)
}

// notice is a notice on its way between nodes.
type notice struct {
	From   string          `json:"from"` // the node that sent it, which delivered it itself
	UserID int64           `json:"user"`
	Event  json.RawMessage `json:"event"`
}

// bus carries notices to every node over one Redis channel, and orders
// (close a person's connections, say) over another; each node delivers the
// notices for the people whose pages it holds, and carries out the orders.
type bus struct {
	c *Cluster

	mu       sync.Mutex
	local    Local
	handlers map[string]func(data string)
}

// order is an order on its way between nodes.
type order struct {
	From string `json:"from"`
	Kind string `json:"kind"`
	Data string `json:"data"`
}

// Tell sends an order of a kind to every other node (their handler of that
// kind runs); it waits for Redis at most a second.
func (c *Cluster) Tell(kind, data string) {
	b, err := json.Marshal(order{From: c.opt.NodeID, Kind: kind, Data: data})
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := c.rdb.Publish(ctx, c.key("orders"), b).Err(); err != nil {
		c.opt.Log.Warn("cluster: tell the other nodes", "kind", kind, "err", err)
	}
}

// On sets what carries out the orders of a kind that other nodes send.
func (c *Cluster) On(kind string, fn func(data string)) {
	c.bus.mu.Lock()
	defer c.bus.mu.Unlock()
	if c.bus.handlers == nil {
		c.bus.handlers = map[string]func(string){}
	}
	c.bus.handlers[kind] = fn
}

// Notices returns the cluster's side of notify.Hub: Publish sends a notice
// to the other nodes, Here and Online keep track of open pages. Deliveries
// from other nodes go to local once the node has started.
func (c *Cluster) Notices(local Local) *Notices {
	c.bus.mu.Lock()
	c.bus.local = local
	c.bus.mu.Unlock()
	return &Notices{c: c}
}

// Notices is what notify.Hub needs of the cluster (notify.Bus).
type Notices struct{ c *Cluster }

// Publish sends an encoded event for userID to the other nodes (this one
// delivered it already). It waits for Redis at most a second.
func (n *Notices) Publish(userID int64, encoded []byte) {
	b, err := json.Marshal(notice{From: n.c.opt.NodeID, UserID: userID, Event: encoded})
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := n.c.rdb.Publish(ctx, n.c.key("notices"), b).Err(); err != nil {
		n.c.opt.Log.Warn("cluster: publish a notice", "user", userID, "err", err)
	}
}

// Here says that the first page of userID opened on this node (open) or
// its last one closed.
func (n *Notices) Here(userID int64, open bool) { n.c.presence.here(userID, open) }

// Online reports whether userID has a page open on another node.
func (n *Notices) Online(userID int64) bool { return n.c.presence.elsewhere(userID) }

// subscribe starts listening to the other nodes; it returns once Redis
// has confirmed, so that nothing sent after is missed.
func (b *bus) subscribe(ctx context.Context) (*redis.PubSub, error) {
	sub := b.c.rdb.Subscribe(ctx, b.c.key("notices"), b.c.key("orders"))
	for range 2 { // one confirmation a channel
		if _, err := sub.Receive(ctx); err != nil {
			sub.Close()
			return nil, err
		}
	}
	return sub, nil
}

// run delivers the other nodes' notices and carries out their orders until
// ctx ends (go-redis subscribes again after Redis comes back).
func (b *bus) run(ctx context.Context, sub *redis.PubSub) {
	defer sub.Close()
	ch := sub.Channel()
	for {
		select {
		case <-ctx.Done():
			return
		case m, ok := <-ch:
			if !ok {
				return
			}
			if m.Channel == b.c.key("orders") {
				b.obey(m.Payload)
			} else {
				b.deliver(m.Payload)
			}
		}
	}
}

// obey carries out an order from another node.
func (b *bus) obey(payload string) {
	var o order
	if err := json.Unmarshal([]byte(payload), &o); err != nil || o.From == b.c.opt.NodeID {
		return
	}
	b.mu.Lock()
	fn := b.handlers[o.Kind]
	b.mu.Unlock()
	if fn != nil {
		fn(o.Data)
	}
}

// deliver hands a notice from another node to this node's pages.
func (b *bus) deliver(payload string) {
	var n notice
	if err := json.Unmarshal([]byte(payload), &n); err != nil || n.From == b.c.opt.NodeID {
		return
	}
	b.mu.Lock()
	local := b.local
	b.mu.Unlock()
	if local != nil {
		local.Deliver(n.UserID, n.Event)
	}
}

// presence keeps, per person, which nodes hold a page of theirs: a hash
// of node -> until (Unix milliseconds), refreshed while the page is open.
type presence struct {
	c *Cluster

	mu        sync.Mutex
	pages     map[int64]int // people with pages open here (how many)
	refreshed time.Time     // when the marks were last written
}

// ttl is how long a node's mark lasts unless refreshed: ten heartbeats,
// rewritten when a third of it has gone.
func (p *presence) ttl() time.Duration { return 10 * p.c.opt.LeaseTTL }

func (p *presence) key(userID int64) string {
	return p.c.key("online", strconv.FormatInt(userID, 10))
}

// here counts a page of userID opening or closing here, and marks or
// unmarks this node when it is the first or the last.
func (p *presence) here(userID int64, open bool) {
	p.mu.Lock()
	if open {
		p.pages[userID]++
	} else {
		p.pages[userID]--
	}
	n := p.pages[userID]
	if n <= 0 {
		delete(p.pages, userID)
	}
	p.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	switch {
	case open && n == 1:
		p.mark(ctx, []int64{userID})
	case !open && n <= 0:
		p.c.rdb.HDel(ctx, p.key(userID), p.c.opt.NodeID)
	}
}

// mark writes this node's mark for the people given.
func (p *presence) mark(ctx context.Context, ids []int64) error {
	until := strconv.FormatInt(time.Now().Add(p.ttl()).UnixMilli(), 10)
	_, err := p.c.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for _, id := range ids {
			pipe.HSet(ctx, p.key(id), p.c.opt.NodeID, until)
			pipe.PExpire(ctx, p.key(id), p.ttl())
		}
		return nil
	})
	return err
}

// refresh renews this node's marks when a third of their time to live has
// gone.
func (p *presence) refresh(ctx context.Context) error {
	p.mu.Lock()
	if time.Since(p.refreshed) < p.ttl()/3 {
		p.mu.Unlock()
		return nil
	}
	p.refreshed = time.Now()
	ids := make([]int64, 0, len(p.pages))
	for id := range p.pages {
		ids = append(ids, id)
	}
	p.mu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	return p.mark(ctx, ids)
}

// elsewhere reports whether another node holds a live mark for userID.
func (p *presence) elsewhere(userID int64) bool {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	marks, err := p.c.rdb.HGetAll(ctx, p.key(userID)).Result()
	if err != nil {
		return false
	}
	now := time.Now().UnixMilli()
	for node, until := range marks {
		ms, _ := strconv.ParseInt(until, 10, 64)
		if node != p.c.opt.NodeID && ms > now {
			return true
		}
	}
	return false
}

// clear removes this node's marks (it is leaving).
func (p *presence) clear(ctx context.Context) {
	p.mu.Lock()
	ids := make([]int64, 0, len(p.pages))
	for id := range p.pages {
		ids = append(ids, id)
	}
	p.mu.Unlock()
	p.c.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for _, id := range ids {
			pipe.HDel(ctx, p.key(id), p.c.opt.NodeID)
		}
		return nil
	})
}
