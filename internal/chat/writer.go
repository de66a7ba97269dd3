package chat

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// ErrClosed is the error of a message submitted after the Writer closed.
var ErrClosed = errors.New("chat writer closed")

// Writer stores messages in batches: while one transaction is being written,
// the messages that arrive meanwhile gather for the next. On SQLite, whose
// one writer makes every commit wait for the disk, this turns thousands of
// commits a second into tens. Each message's callback runs once it is stored
// (or failed), in the order the messages were submitted.
type Writer struct {
	store    Store
	log      *slog.Logger
	maxBatch int
	timeout  time.Duration
	// Linger is how long a small batch waits for company before it is
	// written: a commit costs the same for one message as for hundreds.
	Linger time.Duration

	mu     sync.Mutex
	queue  []pending
	wake   chan struct{}
	closed bool
	done   chan struct{}
}

type pending struct {
	msg  *Message
	done func(*Message, error)
}

// NewWriter starts a writer over store.
func NewWriter(store Store, log *slog.Logger) *Writer {
	w := &Writer{store: store, log: log, maxBatch: 500, timeout: 10 * time.Second, Linger: 4 * time.Millisecond,
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	go w.loop()
	return w
}

// Submit queues msg for storing; done is called from the writer's goroutine
// with the stored message or the error. done must not block.
func (w *Writer) Submit(msg *Message, done func(*Message, error)) {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		done(msg, ErrClosed)
		return
	}
	w.queue = append(w.queue, pending{msg, done})
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Close stores what is queued, then stops. Later submissions fail with ErrClosed.
func (w *Writer) Close() {
	w.mu.Lock()
	already := w.closed
	w.closed = true
	w.mu.Unlock()
	if !already {
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
	<-w.done
}

func (w *Writer) loop() {
	defer close(w.done)
	var batch []pending
	var msgs []*Message
	for {
		w.mu.Lock()
		n := min(len(w.queue), w.maxBatch)
		batch = append(batch[:0], w.queue[:n]...)
		w.queue = w.queue[n:]
		if len(w.queue) == 0 {
			w.queue = nil // let the backing array go
		}
		closed := w.closed && n == 0
		w.mu.Unlock()
		if closed {
			return
		}
		if n == 0 {
			<-w.wake
			if w.Linger > 0 {
				time.Sleep(w.Linger) // let the batch fill
			}
			continue
		}
		msgs = msgs[:0]
		for _, p := range batch {
			msgs = append(msgs, p.msg)
		}
		w.write(msgs, batch)
	}
}

// write stores one batch and reports each message's outcome. A batch that
// fails is tried again one message at a time, so that one bad message (of a
// session that just ended, say) does not fail the others.
func (w *Writer) write(msgs []*Message, batch []pending) {
	err := w.append(msgs)
	if err == nil || len(batch) == 1 {
		if err != nil {
			w.log.Error("store chat message", "session", msgs[0].SessionID, "err", err)
		}
		for _, p := range batch {
			p.done(p.msg, err)
		}
		return
	}
	w.log.Warn("store chat messages: batch failed, storing one by one", "count", len(msgs), "err", err)
	for _, p := range batch {
		err := w.append([]*Message{p.msg})
		if err != nil {
			w.log.Error("store chat message", "session", p.msg.SessionID, "err", err)
		}
		p.done(p.msg, err)
	}
}

func (w *Writer) append(msgs []*Message) error {
	ctx, cancel := context.WithTimeout(context.Background(), w.timeout)
	defer cancel()
	return w.store.AppendMessages(ctx, msgs)
}
