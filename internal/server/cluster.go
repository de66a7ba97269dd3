package server

import (
	"context"
	"time"

	"rapport/internal/auth"
	"rapport/internal/cluster"
	"rapport/internal/room"
	"rapport/internal/web"
)

// clusterize makes the application one node of a cluster: its rooms are
// leased, a room lost to another node stops here, its notices, closes and
// rate limits reach every node, and a room's connections that land here
// are carried to the room's node.
func (a *App) clusterize(cl *cluster.Cluster) {
	a.cluster = cl
	a.Hub.SetBus(cl.Notices(a.Hub))
	a.Rooms.Owners = cl
	cl.OnLost(func(appointmentID int64) { go a.Rooms.Evict(appointmentID) })
	a.Signaling.JoinPeers(cl)
}

// clusterWeb is what the web layer takes from the cluster.
func clusterWeb(o *web.Options, cl *cluster.Cluster) {
	if cl == nil {
		return
	}
	o.RouteRoom = cl.Route
	o.Limits = func(name string, every time.Duration, burst int) auth.Limiter { return cl.Limiter(name, every, burst) }
}

// drainNode stops this node from taking new rooms, first of a graceful
// stop: the other nodes stop sending rooms here at once, and the
// WebSockets this node carries to theirs are closed as a restart's, so
// that their clients come back through another node now rather than be
// cut when this one stops.
func (a *App) drainNode(ctx context.Context) {
	if a.cluster == nil {
		return
	}
	if err := a.cluster.Drain(ctx); err != nil {
		a.log.Warn("cluster: tell the other nodes this one drains", "err", err)
	}
	a.Signaling.CloseCarriedBy(a.cluster.ID(), room.ReasonRestart)
	a.log.Info("draining: new rooms go to the other nodes; this node's rooms move as their clients reconnect")
}

// waitCarried waits, a few seconds at most, for the WebSockets this node
// carries to other nodes to be closed by those nodes (drainNode told them
// to), so that their clients hear "restarting" instead of being cut.
func (a *App) waitCarried(ctx context.Context) {
	if a.cluster == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	a.cluster.WaitCarried(ctx)
	if n := a.cluster.Carrying(); n > 0 {
		a.log.Warn("draining: WebSockets carried to other nodes were not closed in time; they are cut", "count", n)
	}
}

// leaveCluster waits for the node to have left and closes its Redis.
func (a *App) leaveCluster() {
	if a.cluster == nil {
		return
	}
	<-a.cluster.Stopped()
	a.cluster.Close()
}
