package speech

// Noise-floor tracking by minimum statistics: the floor is the quietest
// frame of the last floorBlocks blocks of floorBlock samples. Speech has
// pauses between words and breaths, so the minimum over a few seconds is
// the background's level even while someone talks; a noise that starts
// and stays becomes the floor within that time.
const (
	floorBlock  = VADRate / 2 // half a second
	floorBlocks = 10          // five seconds in all
)

// noiseFloor is the running minimum of frame levels over a window; the
// zero value has heard nothing.
type noiseFloor struct {
	mins   [floorBlocks]float64 // the finished blocks' minima, a ring
	next   int                  // the ring slot the current block goes to
	filled int                  // finished blocks in the ring
	cur    float64              // the current block's minimum so far
	n      int                  // samples in the current block
	seen   bool
}

// level is the floor in dBFS; before any frame it is digital silence.
func (f *noiseFloor) level() float64 {
	if !f.seen {
		return SilenceDBFS
	}
	m := f.cur
	for _, v := range f.mins[:f.filled] {
		m = min(m, v)
	}
	return m
}

// add counts a frame of n samples at level dBFS.
func (f *noiseFloor) add(level float64, n int) {
	if !f.seen || f.n == 0 {
		f.cur, f.seen = level, true
	}
	f.cur = min(f.cur, level)
	f.n += n
	if f.n < floorBlock {
		return
	}
	f.mins[f.next] = f.cur
	f.next = (f.next + 1) % floorBlocks
	f.filled = min(f.filled+1, floorBlocks)
	f.n = 0
}

// ring keeps the last samples of a stream.
type ring struct {
	buf  []int16
	head int // where the next sample goes
	full bool
}

// newRing makes a ring of n samples.
func newRing(n int) ring { return ring{buf: make([]int16, max(n, 1))} }

// write appends samples, dropping the oldest.
func (r *ring) write(s []int16) {
	if len(s) >= len(r.buf) {
		copy(r.buf, s[len(s)-len(r.buf):])
		r.head, r.full = 0, true
		return
	}
	n := copy(r.buf[r.head:], s)
	if n < len(s) {
		copy(r.buf, s[n:])
		r.full = true
	}
	r.head = (r.head + len(s)) % len(r.buf)
	if r.head == 0 {
		r.full = true
	}
}

// drain appends the ring's samples, oldest first, to dst and empties the
// ring.
func (r *ring) drain(dst []int16) []int16 {
	if r.full {
		dst = append(dst, r.buf[r.head:]...)
	}
	dst = append(dst, r.buf[:r.head]...)
	r.head, r.full = 0, false
	return dst
}
