// Package proc reads what Linux's /proc says of a process: its CPU time and
// what it has written to storage (the load tests and the store's
// benchmarks report them beside their timings).
package proc

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// clockTicks is the kernel's USER_HZ, the unit of /proc/PID/stat times; it
// is 100 on every Linux this runs on.
const clockTicks = 100

// CPU returns the CPU seconds a process has used, user and system.
func CPU(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	utime, err1 := strconv.ParseFloat(fields[11], 64)
	stime, err2 := strconv.ParseFloat(fields[12], 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: unreadable times", pid)
	}
	return (utime + stime) / clockTicks, nil
}

// Written returns the bytes a process has caused to be written to storage
// (write_bytes in /proc/PID/io), and false where /proc cannot tell
// (another user's process, or no /proc).
func Written(pid int) (int64, bool) {
	if pid <= 0 {
		return 0, false
	}
	return field(fmt.Sprintf("/proc/%d/io", pid), "write_bytes:")
}

// field reads the number after key in a /proc file of "key: value" lines.
func field(path, key string) (int64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, key); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}
