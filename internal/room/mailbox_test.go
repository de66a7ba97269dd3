package room

import (
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func bareRoom() *Room {
	return &Room{done: make(chan struct{}), m: &Manager{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}}
}

// The room's work runs one function at a time, whoever brings it and
// however: readers entering, timers posting, the chat writer running its
// own when the room is idle. Each poster's functions keep their order.
func TestRoomWorkRunsOneAtATimeInOrder(t *testing.T) {
	r := bareRoom()
	var running, overlaps atomic.Int32
	last := make([]int, 6) // by poster: the last number run (only the room's work touches it)
	var wg sync.WaitGroup
	for p := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 1; i <= 2000; i++ {
				fn := func() {
					if running.Add(1) > 1 {
						overlaps.Add(1)
					}
					if last[p] != i-1 {
						t.Errorf("poster %d: %d ran after %d", p, i, last[p])
					}
					last[p] = i
					running.Add(-1)
				}
				switch p % 3 {
				case 0:
					r.enter(fn)
				case 1:
					r.post(fn)
				default:
					r.runOrPost(fn)
				}
			}
		}()
	}
	wg.Wait()
	var got []int
	if !r.do(func() { got = append(got, last...) }) {
		t.Fatal("the room ended")
	}
	if overlaps.Load() != 0 {
		t.Errorf("%d functions ran while another did", overlaps.Load())
	}
	for p, n := range got {
		if n != 2000 {
			t.Errorf("poster %d: %d of 2000 ran", p, n)
		}
	}
}

// A room that ends runs nothing queued after its end, refuses new work,
// and says it is done.
func TestAnEndedRoomRunsNothingMore(t *testing.T) {
	r := bareRoom()
	var after atomic.Int32
	block := make(chan struct{})
	r.post(func() { <-block })
	r.post(func() { r.box.close() })
	r.post(func() { after.Add(1) })
	close(block)
	select {
	case <-r.done:
	case <-time.After(5 * time.Second):
		t.Fatal("done not closed")
	}
	if r.enter(func() { after.Add(1) }) || r.post(func() { after.Add(1) }) {
		t.Error("an ended room took work")
	}
	if r.do(func() {}) {
		t.Error("do ran on an ended room")
	}
	if after.Load() != 0 {
		t.Errorf("%d functions ran after the end", after.Load())
	}
}

// A reader that finds the room idle runs its own work at once, on its own
// goroutine: no hand-over.
func TestEnterRunsOnTheCallersGoroutineWhenIdle(t *testing.T) {
	r := bareRoom()
	ran := false
	r.enter(func() { ran = true })
	if !ran {
		t.Error("enter on an idle room did not run the work before returning")
	}
}
