package config

import "strings"

// Cluster is how this node finds the others: REDIS_URL turns clustering
// on. Without it the node runs alone, and a second node against the same
// database is refused at start.
type Cluster struct {
	RedisURL string // empty: this node alone
	Prefix   string // starts every key and channel in Redis
	// NodeID names this node; empty: its host name and port.
	NodeID string
	// NodeURL is where the other nodes reach this one; empty: http://HOST:PORT
	// as it listens.
	NodeURL string
}

// Enabled reports whether this node is part of a cluster.
func (c Cluster) Enabled() bool { return c.RedisURL != "" }

// clusterSettings are the environment variables of Cluster.
var clusterSettings = []Setting{
	{Name: "REDIS_URL", Help: "redis://[:password@]host:port/db: run as one node of several on one PostgreSQL (see docs/deployment.md); empty runs one node alone", Secret: true},
	{Name: "REDIS_PREFIX", Default: "rapport", Help: "starts every key and channel this practice uses in Redis, so that practices may share one"},
	{Name: "NODE_ID", Help: "this node's name among the others, unique (default: the host name and port)"},
	{Name: "NODE_URL", Help: "where the other nodes reach this one, like http://10.0.0.5:8080 (default: http://HOST:PORT as it listens; HOST must then be an address the others can reach)"},
}

// cluster reads the Cluster settings.
func (r *reader) cluster() Cluster {
	c := Cluster{RedisURL: r.secret("REDIS_URL"), Prefix: r.value("REDIS_PREFIX"), NodeID: r.str("NODE_ID"),
		NodeURL: strings.TrimSuffix(r.str("NODE_URL"), "/")}
	if c.RedisURL != "" && !hasAnyPrefix(c.RedisURL, "redis://", "rediss://", "unix://") {
		r.fail("REDIS_URL", "must start with redis://, rediss:// or unix://, like redis://127.0.0.1:6379/0")
	}
	r.httpURL("NODE_URL", c.NodeURL)
	return c
}
