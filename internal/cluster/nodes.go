package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/redis/go-redis/v9"
)

// ErrNoNode is Pick's answer when no node takes rooms.
var ErrNoNode = errors.New("cluster: no node takes new rooms")

// nodeKey holds a node's description while its heartbeat lasts.
func (c *Cluster) nodeKey(id string) string { return c.key("node", id) }

// self is this node's description now.
func (c *Cluster) self() Node {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Node{ID: c.opt.NodeID, URL: c.opt.NodeURL, Rooms: len(c.owned), Draining: c.draining}
}

// beat writes the node's description with the heartbeat's time to live.
func (c *Cluster) beat(ctx context.Context) error {
	b, err := json.Marshal(c.self())
	if err != nil {
		return err
	}
	_, err = c.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, c.nodeKey(c.opt.NodeID), b, c.opt.LeaseTTL)
		p.SAdd(ctx, c.key("nodes"), c.opt.NodeID)
		return nil
	})
	return err
}

// Drain stops this node from taking new rooms (it tells the others at
// once); its rooms are handed over as they end.
func (c *Cluster) Drain(ctx context.Context) error {
	c.mu.Lock()
	c.draining = true
	c.mu.Unlock()
	return c.beat(ctx)
}

// Draining tells whether this node drains: it takes no new rooms.
func (c *Cluster) Draining() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.draining
}

// Nodes lists the live nodes (those whose heartbeat lasts), by ID. The IDs
// of dead ones are dropped from the set on the way.
func (c *Cluster) Nodes(ctx context.Context) ([]Node, error) {
	ids, err := c.rdb.SMembers(ctx, c.key("nodes")).Result()
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	slices.Sort(ids)
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = c.nodeKey(id)
	}
	vals, err := c.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, err
	}
	var nodes []Node
	for i, v := range vals {
		s, ok := v.(string)
		var n Node
		if !ok || json.Unmarshal([]byte(s), &n) != nil {
			c.rdb.SRem(ctx, c.key("nodes"), ids[i]) // its heartbeat lapsed: dead
			continue
		}
		nodes = append(nodes, n)
	}
	return nodes, nil
}

// node is the live node id, if it is.
func (c *Cluster) node(ctx context.Context, id string) (Node, bool, error) {
	if id == c.opt.NodeID {
		return c.self(), true, nil
	}
	s, err := c.rdb.Get(ctx, c.nodeKey(id)).Result()
	if errors.Is(err, redis.Nil) {
		return Node{}, false, nil
	}
	if err != nil {
		return Node{}, false, err
	}
	var n Node
	if err := json.Unmarshal([]byte(s), &n); err != nil {
		return Node{}, false, err
	}
	return n, true, nil
}

// Pick is the node a new room goes to: the live, undrained node with the
// fewest rooms, the first by ID among equals; but this node (where the
// room's first connection arrived) when it has at most a few more rooms
// than that (Slack): a connection served where it lands costs half what
// one carried to another node does.
func (c *Cluster) Pick(ctx context.Context) (Node, error) {
	nodes, err := c.Nodes(ctx)
	if err != nil {
		return Node{}, err
	}
	me := c.self()
	var best *Node
	for _, n := range nodes {
		if n.ID == me.ID {
			n = me // our own count is exact
		}
		if !n.Draining && (best == nil || n.Rooms < best.Rooms || (n.Rooms == best.Rooms && n.ID < best.ID)) {
			best = &n
		}
	}
	switch {
	case !me.Draining && (best == nil || me.Rooms <= best.Rooms+slack(best.Rooms)):
		return me, nil
	case best == nil:
		return Node{}, ErrNoNode
	}
	return *best, nil
}

// slack is how many more rooms than the least loaded node's (rooms) this
// node may have and still take a room that arrived here: one, and a tenth
// more.
func slack(rooms int) int { return 1 + rooms/10 }
