package voice

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"rapport/internal/chat"
	"rapport/internal/coaching"
	"rapport/internal/protocol"
	"rapport/internal/room"
	"rapport/internal/sfu"
	"rapport/internal/tunnel"
)

// Agent is the AI in one room's call.
type Agent struct {
	h    *Host
	appt *coaching.Appointment
	log  *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc
	seat   *room.Seat
	epoch  time.Time // its voice's RTP clock starts here

	mu         sync.Mutex
	peer       *sfu.Peer // its place in the SFU, once joined
	floor      room.Floor
	tracks     map[byte]sfu.TunnelTrack // what it receives, by number
	speaking   *answer                  // the answer being spoken, if any
	lines      []*chat.Message          // the call's transcript so far, for context
	lastTurn   time.Time                // when the last person's turn ended
	quietSaid  bool                     // the pause since was reported
	talkingNow map[int64]bool           // who is in the middle of a turn
	lastTiming *Timing                  // the last turn's end, until an answer begins
}

func newAgent(h *Host, appt *coaching.Appointment) *Agent {
	ctx, cancel := context.WithCancel(context.Background())
	log := h.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Agent{h: h, appt: appt, log: log.With("room", appt.RoomID, "who", "ai"), ctx: ctx, cancel: cancel,
		epoch: time.Now(), tracks: map[byte]sfu.TunnelTrack{}, talkingNow: map[int64]bool{}}
}

// Stop sends the agent out of the call.
func (a *Agent) Stop() { a.cancel() }

// Floor is the floor as the agent knows it (for tests).
func (a *Agent) Floor() room.Floor {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.floor
}

// run joins the room and the SFU and hears the call until the agent is
// sent out or the room ends.
func (a *Agent) run(ctx context.Context) {
	defer a.cancel()
	conn := &agentConn{a: a}
	h, err := a.h.Rooms.Join(a.appt, room.AIUser(), conn, protocol.JoinRequest{}, "")
	if err != nil {
		a.log.Warn("the AI could not join the room", "err", err)
		return
	}
	a.seat = h
	defer h.Leave(room.ReasonLeft)
	h.Presence(protocol.Presence{Mic: true}) // it speaks, and has no camera
	out := tunnel.NewOutbox(16, 500)         // it hears audio only: video would be dropped first
	a.mu.Lock()
	deaf := map[int64]bool{a.appt.ClientID: !a.floor.Hears(room.RoleClient), a.appt.CoachID: !a.floor.Hears(room.RoleCoach)}
	a.mu.Unlock()
	p := a.h.SFU.ConnectTunnel(a.appt.RoomID, 0, sfu.TunnelConn{Out: out, Changed: a.tracksChanged, Keyframe: func(string) {}, Deaf: deaf},
		func(string, any) {})
	defer p.Close()
	a.mu.Lock()
	a.peer = p
	a.mu.Unlock()
	a.hearOnly()
	go a.watchQuiet()
	a.hear(out)
	a.stopSpeaking()
}

// tracksChanged notes what the agent receives (called by the SFU with its
// locks held: quick).
func (a *Agent) tracksChanged(list []sfu.TunnelTrack) {
	a.mu.Lock()
	defer a.mu.Unlock()
	clear(a.tracks)
	for _, t := range list {
		a.tracks[t.Track] = t
	}
}

// floorChanged follows the room's floor (called from the room's goroutine:
// it must not block): answer when the floor becomes the AI's, stop when it
// is taken away, leave when sent out.
func (a *Agent) floorChanged(f room.Floor) {
	a.mu.Lock()
	a.floor = f
	start := f.Speaking && a.speaking == nil
	var stop *answer
	if !f.Speaking && a.speaking != nil {
		stop = a.speaking
	}
	if start {
		a.speaking = newAnswer(a.ctx)
	}
	next := a.speaking
	a.mu.Unlock()
	if !f.Present {
		a.Stop()
		return
	}
	a.hearOnly()
	if stop != nil {
		stop.stop()
	}
	if start {
		go a.answer(next)
	}
}

// stopSpeaking cuts the AI off (barge-in, or leaving).
func (a *Agent) stopSpeaking() {
	a.mu.Lock()
	ans := a.speaking
	a.mu.Unlock()
	if ans != nil {
		ans.stop()
	}
}

// roleOf is a person's part in the call.
func (a *Agent) roleOf(user int64) room.Role {
	if user == a.appt.CoachID {
		return room.RoleCoach
	}
	return room.RoleClient
}

// addLine keeps a line of the transcript for the model's context.
func (a *Agent) addLine(user int64, text string) {
	kind := chat.KindText
	if user == 0 {
		kind = chat.KindAI
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.lines = append(a.lines, &chat.Message{SenderID: user, Kind: kind, Body: text, CreatedAt: time.Now()})
	if len(a.lines) > 200 {
		a.lines = a.lines[len(a.lines)-200:]
	}
}

// agentConn is the agent's connection to the room: it reads the floor.
type agentConn struct{ a *Agent }

// Send implements room.Conn.
func (s *agentConn) Send(f *protocol.Frame) bool {
	switch f.Type {
	case protocol.TypeJoined:
		if j, ok := f.Data.(*protocol.Joined); ok {
			s.a.floorChanged(room.FloorOf(j.Floor.Floor))
		}
	case protocol.TypeAIFloor:
		if st, ok := f.Data.(protocol.FloorState); ok {
			s.a.floorChanged(room.FloorOf(st.Floor))
		}
	}
	return true
}

// Close implements room.Conn: the room ended, or sent the AI out.
func (s *agentConn) Close(string) { s.a.Stop() }

// hearOnly makes the SFU send the AI the audio of those it may hear: the
// coach, and the client once they agreed. The client's audio does not
// even reach it before.
func (a *Agent) hearOnly() {
	a.mu.Lock()
	f, p := a.floor, a.peer
	a.mu.Unlock()
	if p == nil {
		return
	}
	p.Hear(a.appt.ClientID, f.Hears(room.RoleClient))
	p.Hear(a.appt.CoachID, f.Hears(room.RoleCoach))
}
