package udpbatch

import (
	"encoding/binary"
	"net"
	"net/netip"
	"strconv"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sysBatch is recvmmsg's arguments: a header, a buffer and room for a
// source address for each datagram of a batch.
type sysBatch struct {
	raw   syscall.RawConn
	recv  func(fd uintptr) bool // s.recvmmsg, made once: a method value passed each time would be allocated each time
	got   int                   // what the last call returned
	errno syscall.Errno
	hdrs  []unix.Mmsghdr
	iovs  []unix.Iovec
	names []unix.RawSockaddrInet6 // large enough for either family
	zones zoneCache
}

func (s *sysBatch) init(conn *net.UDPConn, bufs [][]byte) error {
	raw, err := conn.SyscallConn()
	if err != nil {
		return err
	}
	s.raw, s.recv = raw, s.recvmmsg
	s.hdrs = make([]unix.Mmsghdr, len(bufs))
	s.iovs = make([]unix.Iovec, len(bufs))
	s.names = make([]unix.RawSockaddrInet6, len(bufs))
	for i := range bufs {
		s.iovs[i].Base = &bufs[i][0]
		s.iovs[i].SetLen(len(bufs[i]))
		s.hdrs[i].Hdr.Iov = &s.iovs[i]
		s.hdrs[i].Hdr.SetIovlen(1)
		s.hdrs[i].Hdr.Name = (*byte)(unsafe.Pointer(&s.names[i]))
	}
	return nil
}

// read waits for at least one datagram and takes every one waiting, up to
// the batch, with one recvmmsg; it returns how many.
func (s *sysBatch) read(r *Reader) (int, error) {
	for i := range s.hdrs {
		s.hdrs[i].Hdr.Namelen = unix.SizeofSockaddrInet6
		s.hdrs[i].Hdr.Flags = 0
	}
	if err := s.raw.Read(s.recv); err != nil {
		return 0, err // the net package's own error: closed, or past the deadline
	}
	if s.errno != 0 {
		return 0, &net.OpError{Op: "recvmmsg", Net: "udp", Source: r.conn.LocalAddr(), Err: s.errno}
	}
	for i := range s.got {
		r.lens[i] = int(s.hdrs[i].Len)
		if s.hdrs[i].Hdr.Flags&unix.MSG_TRUNC != 0 {
			r.lens[i] = cut
			continue
		}
		r.froms[i] = s.zones.addrOf(&s.names[i])
	}
	return s.got, nil
}

// recvmmsg makes the call on the socket's descriptor, for RawConn.Read:
// false when nothing is waiting, for the runtime's poller to wait until
// something is and call again.
func (s *sysBatch) recvmmsg(fd uintptr) bool {
	for {
		got, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&s.hdrs[0])), uintptr(len(s.hdrs)), 0, 0, 0)
		switch e {
		case unix.EINTR:
			continue // what is waiting is still waiting: the poller would not say so again
		case unix.EAGAIN:
			return false
		}
		s.got, s.errno = int(got), e
		return true
	}
}

// zoneCache names interfaces by index, for the scope of link-local
// sources, looking the names up again at most once a minute, as the net
// package does: a lookup lists every interface.
type zoneCache struct {
	names   map[int]string
	fetched time.Time
}

// name is the name of the interface with the index, or the index.
func (z *zoneCache) name(index int) string {
	if name, ok := z.names[index]; ok && time.Since(z.fetched) < time.Minute {
		return name
	}
	z.names, z.fetched = map[int]string{}, time.Now()
	if ifs, err := net.Interfaces(); err == nil {
		for _, ifi := range ifs {
			z.names[ifi.Index] = ifi.Name
		}
	}
	if _, ok := z.names[index]; !ok {
		z.names[index] = strconv.Itoa(index)
	}
	return z.names[index]
}

// addrOf reads a source address the kernel wrote: an IPv4 one as itself,
// an IPv6 one with its scope (a link-local address) as its interface's
// name, as the net package gives it.
func (z *zoneCache) addrOf(name *unix.RawSockaddrInet6) netip.AddrPort {
	port := binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&name.Port))[:])
	switch name.Family {
	case unix.AF_INET:
		v4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(name))
		return netip.AddrPortFrom(netip.AddrFrom4(v4.Addr), port)
	case unix.AF_INET6:
		addr := netip.AddrFrom16(name.Addr)
		if name.Scope_id != 0 {
			addr = addr.WithZone(z.name(int(name.Scope_id)))
		}
		return netip.AddrPortFrom(addr, port)
	}
	return netip.AddrPort{}
}
