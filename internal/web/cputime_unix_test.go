//go:build unix

package web_test

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the test process has used, user and system:
// on a loaded machine a benchmark's CPU time says more than its wall time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
