package cluster

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrDraining is Claim's answer on a node that is draining: the room must
// go to another node.
var ErrDraining = errors.New("cluster: this node is draining and takes no new rooms")

// OwnedElsewhere is Claim's answer when another node owns the room.
type OwnedElsewhere struct{ NodeID string }

func (e *OwnedElsewhere) Error() string {
	return fmt.Sprintf("cluster: node %s owns this room", e.NodeID)
}

// roomKey is the lease of an appointment's room; its value is the owner's
// node ID.
func (c *Cluster) roomKey(appointmentID int64) string {
	return c.key("room", strconv.FormatInt(appointmentID, 10))
}

// claimScript takes a free lease or extends our own, and answers the
// owner's ID.
var claimScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then
	redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
	return ARGV[1]
end
if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return v`)

// renewScript extends each of our leases, takes back one that lapsed
// (nobody took it meanwhile), and answers the positions (1-based) of those
// another node holds now.
var renewScript = redis.NewScript(`
local lost = {}
for i, k in ipairs(KEYS) do
	local v = redis.call('GET', k)
	if v == ARGV[1] then
		redis.call('PEXPIRE', k, ARGV[2])
	elseif not v then
		redis.call('SET', k, ARGV[1], 'PX', ARGV[2])
	else
		table.insert(lost, i)
	end
end
return lost`)

// releaseScript deletes a lease if it is still ours.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

// Claim makes this node the owner of the appointment's room, or confirms
// that it is: a room about to run here calls it, and Release when it ends.
// Another node's lease gives *OwnedElsewhere; a draining node gives
// ErrDraining.
func (c *Cluster) Claim(ctx context.Context, appointmentID int64) error {
	c.mu.Lock()
	draining, held := c.draining, c.owned[appointmentID] > 0
	c.mu.Unlock()
	if draining && !held {
		return ErrDraining
	}
	owner, err := claimScript.Run(ctx, c.rdb, []string{c.roomKey(appointmentID)}, c.opt.NodeID, c.ttlMillis()).Text()
	if err != nil {
		return fmt.Errorf("cluster: claim room of appointment %d: %w", appointmentID, err)
	}
	if owner != c.opt.NodeID {
		return &OwnedElsewhere{NodeID: owner}
	}
	c.mu.Lock()
	c.owned[appointmentID]++
	c.mu.Unlock()
	return nil
}

// Release gives the lease back when the last room of the appointment that
// claimed it here has ended, so that the next connection may take the room
// anywhere at once.
func (c *Cluster) Release(appointmentID int64) {
	c.mu.Lock()
	c.owned[appointmentID]--
	last := c.owned[appointmentID] <= 0
	if last {
		delete(c.owned, appointmentID)
	}
	c.mu.Unlock()
	if !last {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := releaseScript.Run(ctx, c.rdb, []string{c.roomKey(appointmentID)}, c.opt.NodeID).Err(); err != nil {
		c.opt.Log.Warn("cluster: give a room's lease back; it lapses by itself", "appointment", appointmentID, "err", err)
	}
}

// Owned reports whether any node holds the appointment's room; when Redis
// cannot say, it answers true, so that a sweep never ends a call on doubt.
func (c *Cluster) Owned(ctx context.Context, appointmentID int64) bool {
	n, err := c.rdb.Exists(ctx, c.roomKey(appointmentID)).Result()
	return err != nil || n > 0
}

// renew extends every lease held here and answers the appointments whose
// lease another node holds now (they are forgotten here).
func (c *Cluster) renew(ctx context.Context) ([]int64, error) {
	c.mu.Lock()
	ids := make([]int64, 0, len(c.owned))
	keys := make([]string, 0, len(c.owned))
	for id := range c.owned {
		ids = append(ids, id)
		keys = append(keys, c.roomKey(id))
	}
	c.mu.Unlock()
	if len(keys) == 0 {
		return nil, nil
	}
	pos, err := renewScript.Run(ctx, c.rdb, keys, c.opt.NodeID, c.ttlMillis()).Int64Slice()
	if err != nil {
		return nil, err
	}
	lost := make([]int64, 0, len(pos))
	c.mu.Lock()
	for _, p := range pos {
		id := ids[p-1]
		delete(c.owned, id)
		lost = append(lost, id)
	}
	c.mu.Unlock()
	return lost, nil
}

func (c *Cluster) ttlMillis() int64 { return c.opt.LeaseTTL.Milliseconds() }
