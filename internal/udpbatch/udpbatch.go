// Package udpbatch reads a UDP socket's waiting datagrams in batches: on
// Linux one recvmmsg system call takes as many as are waiting, up to the
// batch's size, where a read per datagram (recvfrom) would take one each and
// then make another call that finds nothing before the goroutine parks.
// Nothing is allocated per datagram: the buffers and the kernel's headers
// are the reader's own, reused from batch to batch.
//
// golang.org/x/net/ipv4's ReadBatch makes the same call, but allocates each
// datagram's source address; the SFU reads every media packet this way, so
// the reader here keeps the addresses as netip values.
package udpbatch

import (
	"fmt"
	"net"
	"net/netip"
)

// Size is the largest datagram a Reader returns: on Linux a longer one is
// dropped and counted (Cut), rather than returned cut short as if whole;
// elsewhere it is cut as the system cuts it. WebRTC's packets, media and
// handshakes alike, are kept under 1,300 bytes to cross any network whole.
const Size = 1500

// cut marks a slot of a batch that held a datagram longer than Size.
const cut = -1

// Reader reads one socket in batches. Only one goroutine may call Next.
type Reader struct {
	conn  *net.UDPConn
	bufs  [][]byte
	lens  []int
	froms []netip.AddrPort
	n     int // datagrams in the batch
	next  int // the next to return
	cuts  uint64
	sys   sysBatch
}

// NewReader reads conn in batches of up to batch datagrams.
func NewReader(conn *net.UDPConn, batch int) (*Reader, error) {
	if batch < 1 {
		return nil, fmt.Errorf("udpbatch: a batch of %d datagrams", batch)
	}
	r := &Reader{conn: conn, bufs: make([][]byte, batch), lens: make([]int, batch), froms: make([]netip.AddrPort, batch)}
	for i := range r.bufs {
		r.bufs[i] = make([]byte, Size)
	}
	if err := r.sys.init(conn, r.bufs); err != nil {
		return nil, err
	}
	return r, nil
}

// Next returns the next datagram and where it came from, reading a batch
// when the last one is used up. The bytes are the reader's: the caller may
// change them, and they hold until a later call reads the next batch. The
// datagrams of a batch already read are returned even after the socket
// is closed or its deadline passes; the read after them says so.
func (r *Reader) Next() ([]byte, netip.AddrPort, error) {
	for {
		if r.next == r.n {
			n, err := r.sys.read(r)
			if err != nil {
				return nil, netip.AddrPort{}, err
			}
			r.n, r.next = n, 0
		}
		i := r.next
		r.next++
		if r.lens[i] == cut {
			r.cuts++
			continue
		}
		return r.bufs[i][:r.lens[i]], r.froms[i], nil
	}
}

// Cut reports how many datagrams longer than Size were dropped.
func (r *Reader) Cut() uint64 { return r.cuts }

// Pending reports how many datagrams of the batch read last are still to
// be returned.
func (r *Reader) Pending() int { return r.n - r.next }
