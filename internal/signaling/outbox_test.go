package signaling

import (
	"testing"

	"rapport/internal/protocol"
)

func TestOutboxKeepsOrderAndItsBound(t *testing.T) {
	o := newOutbox(3)
	frames := []*protocol.Frame{protocol.NewFrame("a", nil), protocol.NewFrame("b", nil), protocol.NewFrame("c", nil)}
	for _, f := range frames {
		if !o.push(f) {
			t.Fatalf("push %s refused below the bound", f.Type)
		}
	}
	if o.push(protocol.NewFrame("d", nil)) {
		t.Fatal("a fourth frame taken with a bound of three")
	}
	select {
	case <-o.ready:
	default:
		t.Fatal("frames wait and no token says so")
	}
	batch := o.take(nil)
	if len(batch) != 3 || batch[0] != frames[0] || batch[2] != frames[2] {
		t.Fatalf("took %v", batch)
	}
	// Taken frames leave room; the written batch comes back as the spare.
	if !o.push(frames[1]) {
		t.Fatal("push refused after a take")
	}
	if next := o.take(batch); len(next) != 1 || next[0] != frames[1] || batch[0] != nil {
		t.Fatalf("second take %v; the spare kept %v", next, batch)
	}
	if len(o.take(nil)) != 0 {
		t.Fatal("frames taken twice")
	}
}
