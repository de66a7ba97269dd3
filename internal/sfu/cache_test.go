package sfu

import (
	"bytes"
	"testing"
)

func TestPacketCacheKeepsTheLatestBySequenceNumber(t *testing.T) {
	var c packetCache
	if _, ok := c.get(1, nil); ok {
		t.Fatal("an empty cache returned a packet")
	}
	for seq := uint16(65000); seq != 300; seq++ { // across the wrap
		c.put(seq, []byte{byte(seq), byte(seq >> 8), 7})
	}
	if b, ok := c.get(299, nil); !ok || !bytes.Equal(b, []byte{byte(299 & 0xff), byte(299 >> 8), 7}) {
		t.Fatalf("latest packet %v %v", b, ok)
	}
	if _, ok := c.get(299-cacheSlots, nil); ok {
		t.Fatal("a packet older than the cache returned")
	}
	if b, ok := c.get(299-cacheSlots+1, nil); !ok || b[0] != byte((299-cacheSlots+1)&0xff) {
		t.Fatalf("oldest kept packet %v %v", b, ok)
	}
	c.put(5000, make([]byte, cacheSlotSize+1))
	if _, ok := c.get(5000, nil); ok {
		t.Fatal("an oversized packet was kept")
	}
}
