package signaling

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/protocol"
	"rapport/internal/room"
)

// pollConn is a room connection over HTTP long polling, for networks that
// block WebSockets: frames wait in a backlog, numbered, until the client
// polls for those after the last it saw; frames come up by POST.
type pollConn struct {
	id     string
	userID int64
	roomID string
	client *client

	mu       sync.Mutex
	frames   [][]byte
	base     int64 // the number of the frame before frames[0]
	wake     chan struct{}
	closed   string
	lastPoll time.Time
	polling  int
	recvMu   sync.Mutex // one POST at a time speaks to the dispatcher
}

// Send adds a frame to the backlog; a backlog past pollBacklog means the
// client is not polling fast enough, and it is dropped.
func (p *pollConn) Send(f *protocol.Frame) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed != "" {
		return true
	}
	if len(p.frames) >= pollBacklog {
		p.closeLocked(room.ReasonTooSlow)
		return false
	}
	p.frames = append(p.frames, f.Bytes())
	p.wakeLocked()
	return true
}

// Close ends the connection; the next poll says why.
func (p *pollConn) Close(reason string) {
	p.mu.Lock()
	p.closeLocked(reason)
	p.mu.Unlock()
}

func (p *pollConn) closeLocked(reason string) {
	if p.closed == "" {
		p.closed = reason
		p.wakeLocked()
	}
}

func (p *pollConn) wakeLocked() {
	close(p.wake)
	p.wake = make(chan struct{})
}

func (p *pollConn) isClosed() bool { return p.closedWhy() != "" }

// closedWhy is the reason the connection closed with, or "" while open.
func (p *pollConn) closedWhy() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// unjoinedSince is how long the connection has been open without joining.
func (p *pollConn) unjoinedSince(now time.Time) time.Duration {
	if !p.recvMu.TryLock() {
		return 0 // a POST is being handled: perhaps the join
	}
	defer p.recvMu.Unlock()
	if p.client.joined != nil {
		return 0
	}
	return now.Sub(p.client.opened)
}

// idleSince is how long nobody has polled.
func (p *pollConn) idleSince(now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.polling > 0 {
		return 0
	}
	return now.Sub(p.lastPoll)
}

// take drops the frames up to after (the client has them) and returns the
// rest, waiting up to wait for one to come.
func (p *pollConn) take(ctx context.Context, after int64, wait time.Duration) (frames [][]byte, next int64, closed string) {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	p.mu.Lock()
	p.polling++
	defer func() { p.polling--; p.lastPoll = time.Now(); p.mu.Unlock() }()
	if n := after - p.base; n > 0 {
		n = min(n, int64(len(p.frames)))
		clear(p.frames[:n])
		p.frames, p.base = p.frames[n:], p.base+n
	}
	for waiting := true; waiting && len(p.frames) == 0 && p.closed == ""; {
		wake := p.wake
		p.mu.Unlock()
		select {
		case <-wake:
		case <-deadline.C:
			waiting = false
		case <-ctx.Done():
			waiting = false
		}
		p.mu.Lock()
	}
	return append([][]byte(nil), p.frames...), p.base + int64(len(p.frames)), p.closed
}

// OpenPoll starts a long-poll connection for user in appt's room and
// answers {"conn": id}. The caller has checked that user may enter.
// session is the sign-in session of the request (0: the AI's seat).
func (s *Server) OpenPoll(w http.ResponseWriter, r *http.Request, appt *coaching.Appointment, user *coaching.User, session int64) {
	b := make([]byte, 18)
	rand.Read(b)
	p := &pollConn{id: base64.RawURLEncoding.EncodeToString(b), userID: user.ID, roomID: appt.RoomID,
		wake: make(chan struct{}), lastPoll: time.Now()}
	p.client = s.newClient(appt, user, session, nil, p) // each poll may come another way
	s.mu.Lock()
	old := s.oldestPollOver(user.ID, appt.RoomID, maxPollsPerRoom-1)
	s.polls[p.id] = p
	s.mu.Unlock()
	if old != nil { // a person has a few pages open at most: the oldest goes
		old.Close(room.ReasonGone)
		old.gone()
		s.forget(old)
	}
	writeJSON(w, http.StatusCreated, map[string]string{"conn": p.id})
}

// maxPollsPerRoom is how many long-poll connections one person may hold to
// one room; opening another closes the oldest.
const maxPollsPerRoom = 4

// oldestPollOver returns the user's oldest connection to the room when they
// hold more than keep; s.mu is held.
func (s *Server) oldestPollOver(userID int64, roomID string, keep int) *pollConn {
	var oldest *pollConn
	n := 0
	for _, p := range s.polls {
		if p.userID == userID && p.roomID == roomID {
			n++
			if oldest == nil || p.client.opened.Before(oldest.client.opened) {
				oldest = p
			}
		}
	}
	if n > keep {
		return oldest
	}
	return nil
}

// pollFor returns the caller's own long-poll connection of the room, or nil.
func (s *Server) pollFor(r *http.Request, userID int64) *pollConn {
	s.mu.Lock()
	p := s.polls[r.PathValue("conn")]
	s.mu.Unlock()
	if p == nil || p.userID != userID || p.roomID != r.PathValue("room_id") {
		return nil
	}
	return p
}

// PollSend takes one frame, or a JSON array of frames, from the client.
func (s *Server) PollSend(w http.ResponseWriter, r *http.Request, user *coaching.User) error {
	p := s.pollFor(r, user.ID)
	if p == nil {
		// Ended and forgotten: nothing sent was taken; said as a close (why
		// it closed, when that is still known), so that the page opens a
		// new connection (and sends again) without an error in its console.
		io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, 16*protocol.MaxFrame))
		writeJSON(w, http.StatusOK, pollAnswer{Frames: []json.RawMessage{}, Closed: s.endedReason(r, user.ID)})
		return nil
	}
	if p.isClosed() { // it closed a moment ago: its next poll says why
		io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, 16*protocol.MaxFrame))
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 16*protocol.MaxFrame))
	if err != nil {
		return app.Errorf(app.EINVALID, "the body is larger than 1 MiB")
	}
	frames := [][]byte{body}
	if b := bytes.TrimSpace(body); len(b) > 0 && b[0] == '[' {
		var list []json.RawMessage
		if err := json.Unmarshal(b, &list); err != nil {
			return app.Errorf(app.EINVALID, "the body is not a JSON array of frames")
		}
		if len(list) > maxFramesPerPost {
			return app.Errorf(app.EINVALID, "send at most %d frames at once", maxFramesPerPost)
		}
		frames = frames[:0]
		for _, f := range list {
			frames = append(frames, f)
		}
	}
	p.recvMu.Lock()
	for _, f := range frames {
		p.client.receive(f)
	}
	p.recvMu.Unlock()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// maxFramesPerPost bounds a long-poll POST: more is a flood, not a queue.
const maxFramesPerPost = 100

// reasonConnEnded closes a poll of a connection the server no longer
// knows: the page opens a new one.
const reasonConnEnded = "conn_ended"

// pollAnswer is the body of a poll: the frames after the client's last, the
// number of the last one, and why the connection closed, if it did.
type pollAnswer struct {
	Next   int64             `json:"next"`
	Frames []json.RawMessage `json:"frames"`
	Closed string            `json:"closed,omitempty"`
}

// Poll answers with the frames after ?after=N, waiting up to 25 seconds.
func (s *Server) Poll(w http.ResponseWriter, r *http.Request, user *coaching.User) error {
	p := s.pollFor(r, user.ID)
	if p == nil {
		// Ended and forgotten (its last poll was cut, say): said as a close,
		// like any other, so that the page opens a new one without an error.
		writeJSON(w, http.StatusOK, pollAnswer{Frames: []json.RawMessage{}, Closed: s.endedReason(r, user.ID)})
		return nil
	}
	after, err := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	if err != nil && r.URL.Query().Get("after") != "" {
		return app.Invalid(map[string]string{"after": "must be the number of the last frame seen"})
	}
	frames, next, closed := p.take(r.Context(), after, pollWait)
	ans := pollAnswer{Next: next, Frames: make([]json.RawMessage, len(frames)), Closed: closed}
	for i, f := range frames {
		ans.Frames[i] = f
	}
	if closed != "" && len(frames) == 0 {
		s.forget(p)
		p.gone() // the reaper no longer sees it: its call must end here
	}
	writeJSON(w, http.StatusOK, ans)
	return nil
}

// ClosePoll ends the caller's long-poll connection (the page is leaving).
func (s *Server) ClosePoll(w http.ResponseWriter, r *http.Request, user *coaching.User) error {
	p := s.pollFor(r, user.ID)
	if p == nil {
		// Closed already (the server ended it, and the page had not yet
		// heard): DELETE is idempotent.
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	s.forget(p) // before it closes: the page that left needs no reason kept
	p.Close(room.ReasonLeft)
	p.recvMu.Lock()
	p.client.left()
	p.recvMu.Unlock()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) forget(p *pollConn) {
	s.mu.Lock()
	s.forgetLocked(p)
	s.mu.Unlock()
}

// forgetLocked drops p, and remembers why it closed, if it did, for
// endedFor: a send that crosses the poll that said why (or a poll after
// one that was cut) is told the same. s.mu is held.
func (s *Server) forgetLocked(p *pollConn) {
	if s.polls[p.id] != p {
		return
	}
	delete(s.polls, p.id)
	if reason := p.closedWhy(); reason != "" {
		s.ended[p.id] = pollEnd{userID: p.userID, roomID: p.roomID, reason: reason, at: time.Now()}
	}
}

// pollEnd is why a forgotten long-poll connection closed.
type pollEnd struct {
	userID int64
	roomID string
	reason string
	at     time.Time
}

// endedFor is how long a forgotten connection's reason is kept: long
// enough for the requests it crossed to come in.
const endedFor = time.Minute

// endedReason says why the caller's forgotten long-poll connection of r
// closed, or reasonConnEnded when that is no longer known.
func (s *Server) endedReason(r *http.Request, userID int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.ended[r.PathValue("conn")]
	if !ok || e.userID != userID || e.roomID != r.PathValue("room_id") {
		return reasonConnEnded
	}
	return e.reason
}

// pruneEnded drops the reasons older than endedFor; s.mu is held.
func (s *Server) pruneEnded(now time.Time) {
	for id, e := range s.ended {
		if now.Sub(e.at) > endedFor {
			delete(s.ended, id)
		}
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// gone tells the room the connection ended.
func (p *pollConn) gone() {
	p.recvMu.Lock()
	p.client.gone()
	p.recvMu.Unlock()
}
