package sfu

import "sync"

// cacheSlots is how many of a layer's latest packets are kept for
// retransmission: at a full layer's 200-odd packets a second, about a
// second, longer than a browser waits for a repair.
const cacheSlots = 256

// cacheSlotSize holds any packet that fits a 1,500-byte MTU.
const cacheSlotSize = 1500

// packetCache keeps a video layer's latest packets as they arrived, by
// sequence number, to answer subscribers' NACKs: one copy of each packet
// for all its subscribers (pion's NACK responder copies every packet once
// per subscriber). The forwarder writes it; subscribers' RTCP readers read
// it.
type packetCache struct {
	mu    sync.Mutex
	buf   []byte // cacheSlots slots of cacheSlotSize, allocated on first use
	seqs  [cacheSlots]uint16
	sizes [cacheSlots]uint16 // 0: empty
}

// put keeps a packet; one too large is not kept.
func (c *packetCache) put(seq uint16, b []byte) {
	if len(b) > cacheSlotSize {
		return
	}
	i := int(seq) % cacheSlots
	c.mu.Lock()
	if c.buf == nil {
		c.buf = make([]byte, cacheSlots*cacheSlotSize)
	}
	copy(c.buf[i*cacheSlotSize:], b)
	c.seqs[i], c.sizes[i] = seq, uint16(len(b))
	c.mu.Unlock()
}

// get copies the packet numbered seq into dst, if it is still kept.
func (c *packetCache) get(seq uint16, dst []byte) ([]byte, bool) {
	i := int(seq) % cacheSlots
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sizes[i] == 0 || c.seqs[i] != seq {
		return nil, false
	}
	return append(dst[:0], c.buf[i*cacheSlotSize:i*cacheSlotSize+int(c.sizes[i])]...), true
}
