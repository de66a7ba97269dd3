// Package proc reads what Linux's /proc says of a process: here, what it
// has written to storage, which the load test and the store's benchmarks
// report beside their timings.
package proc

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Written returns the bytes a process has caused to be written to storage
// (write_bytes in /proc/PID/io), and false where /proc cannot tell
// (another user's process, or no /proc).
func Written(pid int) (int64, bool) {
	if pid <= 0 {
		return 0, false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return 0, false
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "write_bytes:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}
