package room

import "hash/maphash"

// CollideSentIDs makes every client ID hash alike until the test ends, as
// the rare collision of two would.
func CollideSentIDs(t interface{ Cleanup(func()) }) {
	real := sentHash
	sentHash = func(maphash.Seed, int64, string) uint64 { return 1 }
	t.Cleanup(func() { sentHash = real })
}
