//go:build !linux

package udpbatch

import "net"

// sysBatch reads one datagram at a time where recvmmsg is not known.
type sysBatch struct{ conn *net.UDPConn }

func (s *sysBatch) init(conn *net.UDPConn, _ [][]byte) error {
	s.conn = conn
	return nil
}

func (s *sysBatch) read(r *Reader) (int, error) {
	n, from, err := s.conn.ReadFromUDPAddrPort(r.bufs[0])
	if err != nil {
		return 0, err
	}
	r.lens[0], r.froms[0] = n, from
	return 1, nil
}
