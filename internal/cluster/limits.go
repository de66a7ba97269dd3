package cluster

import (
	"context"
	"time"

	"github.com/go-redis/redis_rate/v10"
)

// Limiter is a rate limit shared by every node (GCRA in Redis, through
// redis_rate): each key may make Burst requests at once and then one per
// Every, wherever its requests land.
type Limiter struct {
	name  string
	lim   *redis_rate.Limiter
	limit redis_rate.Limit
	c     *Cluster
}

// Limiter makes a shared limit named name (its keys' prefix) of burst
// requests at once and then one per every.
func (c *Cluster) Limiter(name string, every time.Duration, burst int) *Limiter {
	return &Limiter{name: name, c: c, lim: redis_rate.NewLimiter(c.rdb),
		limit: redis_rate.Limit{Rate: 1, Period: every, Burst: burst}}
}

// Reserve reports whether one more request of key may go ahead, and if
// not, how long until one would. When Redis does not answer the request
// goes ahead: the limits guard against floods, and a Redis outage must not
// lock everyone out.
func (l *Limiter) Reserve(key string) (bool, time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	res, err := l.lim.Allow(ctx, l.c.key("limit", l.name, key), l.limit)
	if err != nil {
		l.c.opt.Log.Warn("cluster: a shared rate limit could not be read; letting the request through", "limit", l.name, "err", err)
		return true, 0
	}
	if res.Allowed > 0 {
		return true, 0
	}
	return false, res.RetryAfter
}

// Allow is Reserve without the wait.
func (l *Limiter) Allow(key string) bool {
	ok, _ := l.Reserve(key)
	return ok
}
