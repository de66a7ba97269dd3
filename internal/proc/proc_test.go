package proc

import (
	"os"
	"testing"
	"time"
)

// TestWrittenCountsWhatReachesStorage: a mebibyte written and synced
// by this process shows in what /proc says it wrote.
func TestWrittenCountsWhatReachesStorage(t *testing.T) {
	if _, ok := Written(0); ok {
		t.Fatal("no PID read as known")
	}
	before, ok := Written(os.Getpid())
	if !ok {
		t.Fatal("/proc/self/io unreadable")
	}
	f, err := os.CreateTemp(".", "written-*.tmp") // the package's directory: on a disk, unlike a tmpfs /tmp
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if _, err := f.Write(make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	after, _ := Written(os.Getpid())
	if after-before < 1<<20 {
		t.Fatalf("wrote 1 MiB, /proc counted %d bytes", after-before)
	}
}

// TestCPUCountsThisProcess: a process that has run has CPU time, and a
// process that does not exist has none to read.
func TestCPUCountsThisProcess(t *testing.T) {
	for end := time.Now().Add(50 * time.Millisecond); time.Now().Before(end); {
	}
	if s, err := CPU(os.Getpid()); err != nil || s <= 0 {
		t.Fatalf("CPU %v: %v", s, err)
	}
	if _, err := CPU(1 << 30); err == nil {
		t.Fatal("a process that does not exist read")
	}
}
