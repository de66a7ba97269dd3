package roomclient

// recentIDs remembers the last IDs it was given, up to a bound, forgetting
// the oldest first. Duplicates come from a reconnect's catch-up overlapping
// live delivery, so they are always recent: a client that stays in a long,
// busy call keeps a bounded memory.
type recentIDs struct {
	set   map[int64]struct{}
	ring  []int64 // grows to bound, then wraps
	bound int
	next  int // where the next ID goes in ring once it is full
}

// recentBound is how many message IDs a client remembers.
const recentBound = 4096

func newRecentIDs(bound int) *recentIDs {
	return &recentIDs{set: map[int64]struct{}{}, bound: bound}
}

// add remembers id and reports whether it was remembered already.
func (r *recentIDs) add(id int64) (seen bool) {
	if _, ok := r.set[id]; ok {
		return true
	}
	if len(r.ring) < r.bound {
		r.ring = append(r.ring, id)
	} else {
		delete(r.set, r.ring[r.next])
		r.ring[r.next] = id
		r.next = (r.next + 1) % len(r.ring)
	}
	r.set[id] = struct{}{}
	return false
}
