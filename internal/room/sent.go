package room

import (
	"encoding/binary"
	"hash/maphash"
)

// sentIDs remembers the client IDs of a session's stored messages with
// their sequence numbers, so that a message sent again (its
// acknowledgement was lost) is acknowledged again rather than stored twice.
//
// A busy session holds thousands, and every garbage collection would scan
// them as strings; this map holds no pointers, so it is never scanned. It is
// keyed by a 64-bit hash of the sender and the client ID, which names a
// candidate only: the room reads the stored message back and compares
// before it answers a retry with it. Two IDs of one session sharing a hash
// (about one chance in 10^7 for a million messages) would make a retry of
// the first be stored again, never a new message be taken for an old one.
type sentIDs struct {
	seed maphash.Seed
	seqs map[uint64]int64
}

func newSentIDs() *sentIDs {
	return &sentIDs{seed: maphash.MakeSeed(), seqs: map[uint64]int64{}}
}

// hash keys a sender's client ID.
func (s *sentIDs) hash(senderID int64, clientID string) uint64 {
	return sentHash(s.seed, senderID, clientID)
}

// sentHash hashes the sender with the client ID, so that one person cannot
// claim another's message by sending its ID. Tests replace it to make IDs
// collide.
var sentHash = func(seed maphash.Seed, senderID int64, clientID string) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(senderID))
	h.Write(b[:])
	h.WriteString(clientID)
	return h.Sum64()
}

// add records a stored message.
func (s *sentIDs) add(senderID int64, clientID string, seq int64) {
	s.seqs[s.hash(senderID, clientID)] = seq
}

// lookup returns the sequence number of the stored message that may be
// this one.
func (s *sentIDs) lookup(senderID int64, clientID string) (int64, bool) {
	seq, ok := s.seqs[s.hash(senderID, clientID)]
	return seq, ok
}

// sending names a message being stored: its sender and client ID.
type sending struct {
	senderID int64
	clientID string
}
