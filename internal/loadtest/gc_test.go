package loadtest

import (
	"runtime"
	"testing"
)

func TestCollectionsCountsTheGeneratorsOwn(t *testing.T) {
	before := collections()
	runtime.GC()
	runtime.GC()
	if got := collections() - before; got < 2 {
		t.Fatalf("two collections counted as %d", got)
	}
}
