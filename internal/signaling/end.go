package signaling

import "rapport/internal/protocol"

// roomEnd is the coach's End session ("room.end"): the room completes the
// appointment, answers ok, tells everyone with "room.ended" and closes every
// connection with room_ended. Anyone but the coach gets forbidden.
func (c *client) roomEnd(in *protocol.Inbound) error {
	c.joined.End(in.ID)
	return nil
}
