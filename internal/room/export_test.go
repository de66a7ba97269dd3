package room

import "hash/maphash"

// CollideSentIDs makes every client ID hash alike until the test ends, as
// the rare collision of two would.
func CollideSentIDs(t interface{ Cleanup(func()) }) {
	real := sentHash
	sentHash = func(maphash.Seed, int64, string) uint64 { return 1 }
	t.Cleanup(func() { sentHash = real })
}

// Settle waits until the live room of roomID has run the work queued
// before now (a timer's, the chat writer's). It reports false when no such
// room is live, or it ended meanwhile.
func (m *Manager) Settle(roomID string) bool {
	m.mu.Lock()
	r := m.rooms[roomID]
	m.mu.Unlock()
	return r != nil && r.do(func() {})
}
