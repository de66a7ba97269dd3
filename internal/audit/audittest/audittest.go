// Package audittest is an audit log in memory for the tests of the parts
// that record in it.
package audittest

import (
	"context"
	"errors"
	"sync"

	"rapport/internal/audit"
)

// ErrDown is what a Recorder told to fail may answer: the log is down.
var ErrDown = errors.New("the audit log is down")

// Recorder is an audit log in memory. It is safe for concurrent use.
type Recorder struct {
	mu      sync.Mutex
	entries []audit.Entry
	fail    error
}

// Record implements audit.Recorder: it keeps a copy of e, or answers the
// error Fail set.
func (r *Recorder) Record(_ context.Context, e *audit.Entry) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.entries = append(r.entries, *e)
	return nil
}

// Fail makes every Record from now on answer err; nil records again.
func (r *Recorder) Fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail = err
}

// Entries returns the entries kept, oldest first.
func (r *Recorder) Entries() []audit.Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]audit.Entry(nil), r.entries...)
}

// Taken returns the entries kept since the last Taken, oldest first, and
// forgets them.
func (r *Recorder) Taken() []audit.Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.entries
	r.entries = nil
	return out
}
