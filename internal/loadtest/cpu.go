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
