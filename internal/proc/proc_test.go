package proc

import (
	"os"
	"testing"
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
