package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"

	"rapport/internal/proc"
)

// serverCPU returns the CPU seconds the server process has used: from
// /proc/PID/stat when pid is set, else from its /metrics.
func serverCPU(ctx context.Context, server string, pid int) (float64, error) {
	if pid > 0 {
		return proc.CPU(pid)
	}
	return metricsCPU(ctx, server)
}

// ownCPU returns the CPU seconds this process, the load generator, has
// used (0 where /proc cannot tell): a generator near a whole core measures
// its own queueing as much as the server's.
func ownCPU() float64 {
	s, err := proc.CPU(os.Getpid())
	if err != nil {
		return 0
	}
	return s
}

// metricsCPU reads process_cpu_seconds_total from the server's /metrics.
func metricsCPU(ctx context.Context, server string) (float64, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", server+"/metrics", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "process_cpu_seconds_total "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, fmt.Errorf("the server's /metrics has no process_cpu_seconds_total")
}

// chatCPU is what a chat load's server used until a moment: each node's
// CPU seconds (one for a server alone) and Redis's.
type chatCPU struct {
	nodes []float64
	redis float64
}

// cpu reads the CPU time of the server's nodes and of Redis.
func (o ChatOptions) cpu(ctx context.Context) (chatCPU, error) {
	var c chatCPU
	if len(o.Nodes) == 0 {
		s, err := serverCPU(ctx, o.Server, o.ServerPID)
		if err != nil {
			return c, fmt.Errorf("read the server's CPU time: %w", err)
		}
		c.nodes = []float64{s}
	}
	for i, node := range o.Nodes {
		pid := 0
		if i < len(o.NodePIDs) {
			pid = o.NodePIDs[i]
		}
		s, err := serverCPU(ctx, node, pid)
		if err != nil {
			return c, fmt.Errorf("read the CPU time of node %s: %w", node, err)
		}
		c.nodes = append(c.nodes, s)
	}
	if o.RedisPID > 0 {
		s, err := proc.CPU(o.RedisPID)
		if err != nil {
			return c, fmt.Errorf("read Redis's CPU time: %w", err)
		}
		c.redis = s
	}
	return c, nil
}

// since is what was used from before to c: in all, per node, and by Redis.
func (c chatCPU) since(before chatCPU) (total float64, nodes []float64, redis float64) {
	nodes = make([]float64, len(c.nodes))
	for i := range c.nodes {
		nodes[i] = c.nodes[i] - before.nodes[i]
		total += nodes[i]
	}
	if len(nodes) == 1 {
		nodes = nil // a server alone: its CPU is the total
	}
	return total, nodes, c.redis - before.redis
}
