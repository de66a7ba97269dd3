package udpbuf

import (
	"net"
	"syscall"
)

// receiveBuffer reads SO_RCVBUF back. Linux reports twice what it grants
// (the other half is its bookkeeping), so the figure is halved.
func receiveBuffer(c *net.UDPConn) (int, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return 0, err
	}
	var size int
	var sockErr error
	if err := raw.Control(func(fd uintptr) {
		size, sockErr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF)
	}); err != nil {
		return 0, err
	}
	return size / 2, sockErr
}
