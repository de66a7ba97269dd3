package room

import (
	"encoding/json"

	"rapport/internal/app"
	"rapport/internal/protocol"
)

// Peer-to-peer calls: in a room whose call mode is "p2p" the two browsers
// connect to each other directly. The server only passes their signaling
// on (their descriptions and candidates, or that one falls back to the
// SFU), from one person in the room to the other, and checks both are
// here.

// P2P passes a browser's peer-to-peer signaling to another person in the
// room; the answer to reqID is "ok", or an error when they are not here.
func (s *Seat) P2P(reqID string, to int64, data json.RawMessage) {
	s.r.enter(func() { s.r.p2p(s.userID, s.conn, reqID, to, data) })
}

func (r *Room) p2p(from int64, conn Conn, reqID string, to int64, data json.RawMessage) {
	mb := r.members[from]
	if mb == nil || mb.conn != conn {
		return
	}
	target := r.members[to]
	if to == from || target == nil {
		r.send(mb, ErrorFrame(reqID, app.Errorf(app.ENOTFOUND, "user %d is not in the room to connect to", to)))
		return
	}
	r.send(target, protocol.NewFrame(protocol.TypeP2PSignal, protocol.PeerSignal{From: from, Data: data}))
	if reqID != "" {
		r.send(mb, protocol.Reply(reqID, protocol.TypeOK, nil))
	}
}
