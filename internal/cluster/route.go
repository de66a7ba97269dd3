package cluster

import (
	"context"
	"errors"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/redis/go-redis/v9"
)

// HopHeader counts how many nodes have carried a request: a node carries a
// request on at most once more, so that two nodes that disagree for a
// moment never pass it back and forth.
const HopHeader = "X-Rapport-Hops"

// maxHops is how many times a request may be carried.
const maxHops = 2

// ViaHeader names each node that carried a request, so that the node
// serving it knows which connections a stopping node would cut.
const ViaHeader = "X-Rapport-Via"

// CarriedBy names the nodes that carried r here.
func (c *Cluster) CarriedBy(r *http.Request) []string { return r.Header.Values(ViaHeader) }

// Route serves a request for the appointment's room here when this node
// owns it (or should: no node does and this one is the least loaded), and
// otherwise carries it, WebSocket upgrades included, to the node that owns
// it or should. When no node can take it, or this node drains (what it
// carried would be cut when it stops), the client is told to try again in
// a second, as it would after a restart.
func (c *Cluster) Route(w http.ResponseWriter, r *http.Request, appointmentID int64, here http.Handler) {
	if c.Draining() {
		unavailable(w, r)
		return
	}
	target, err := c.target(r.Context(), appointmentID, hops(r))
	switch {
	case err != nil:
		c.opt.Log.Warn("cluster: route a room's request", "appointment", appointmentID, "err", err)
		unavailable(w, r)
	case target.ID == c.opt.NodeID:
		here.ServeHTTP(w, r)
	case hops(r) >= maxHops:
		unavailable(w, r)
	default:
		c.proxy(w, r, target)
	}
}

// target is the node that should serve the room now.
func (c *Cluster) target(ctx context.Context, appointmentID int64, hops int) (Node, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	id, err := c.rdb.Get(ctx, c.roomKey(appointmentID)).Result()
	switch {
	case errors.Is(err, redis.Nil): // nobody runs it
	case err != nil:
		return Node{}, err
	default:
		owner, alive, err := c.node(ctx, id)
		if err == nil && !alive {
			err = errOwnerDead // it died; its lease lapses within LeaseTTL
		}
		return owner, err
	}
	if hops > 0 {
		return c.self(), nil // sent here to take it (Route turned it away if this node drains)
	}
	return c.Pick(ctx)
}

var errOwnerDead = errors.New("the room's owner stopped answering; its lease has not lapsed yet")

// proxy carries the request to node n.
func (c *Cluster) proxy(w http.ResponseWriter, r *http.Request, n Node) {
	u, err := url.Parse(n.URL)
	if err != nil {
		c.opt.Log.Error("cluster: a node's URL", "node", n.ID, "url", n.URL, "err", err)
		unavailable(w, r)
		return
	}
	p := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			pr.Out.Host = pr.In.Host // the owner checks the origin against the address the browser used
			pr.SetXForwarded()
			if hops(pr.In) == 0 { // from a client: only nodes say who carried it
				pr.Out.Header.Del(ViaHeader)
			}
			pr.Out.Header.Set(HopHeader, strconv.Itoa(hops(pr.In)+1))
			pr.Out.Header.Add(ViaHeader, c.opt.NodeID)
		},
		FlushInterval: -1, // long polls and streams go through at once
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			c.opt.Log.Warn("cluster: carry a room's request to its node", "node", n.ID, "err", err)
			unavailable(w, r)
		},
	}
	if isWebSocket(r) { // it lasts until either side closes it
		c.carrying.Add(1)
		defer c.carrying.Add(-1)
	}
	p.ServeHTTP(w, r)
}

// Carrying counts the WebSockets this node carries to other nodes now.
func (c *Cluster) Carrying() int { return int(c.carrying.Load()) }

// WaitCarried waits until this node carries no WebSocket (their nodes
// close them when told this one stops), or until ctx ends.
func (c *Cluster) WaitCarried(ctx context.Context) {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for c.Carrying() > 0 {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// isWebSocket tells whether r asks for a WebSocket.
func isWebSocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// hops is how many nodes carried r.
func hops(r *http.Request) int {
	n, _ := strconv.Atoi(r.Header.Get(HopHeader))
	return max(n, 0)
}

// movingText is what a client that must come back is told.
const movingText = "this room is moving between servers; try again in a second"

// unavailable tells the client to come back in a second: a WebSocket is
// accepted and closed as a restarting server's (1012), which a browser can
// read (it never sees a failed upgrade's status, and would count it as a
// network that blocks WebSockets); other requests get 503 and Retry-After.
func unavailable(w http.ResponseWriter, r *http.Request) {
	if isWebSocket(r) {
		if ws, err := websocket.Accept(w, r, nil); err == nil {
			ws.Close(websocket.StatusServiceRestart, movingText)
		}
		return
	}
	w.Header().Set("Retry-After", "1")
	http.Error(w, movingText, http.StatusServiceUnavailable)
}
