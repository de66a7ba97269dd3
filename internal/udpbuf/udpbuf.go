// Package udpbuf gives the media server's UDP sockets kernel buffers large
// enough to ride out a busy moment.
//
// A socket's receive buffer is all that holds the packets that arrive while
// the process that reads it is not running: a garbage collection, a burst of
// work on another goroutine, a machine shared with other programs. Linux's
// default (net.core.rmem_default, 208 KiB) holds about a third of a second
// of one camera's simulcast; what arrives after that is dropped by the
// kernel, audio and video alike, before the SFU sees it. Each socket asks
// for Size instead. The kernel grants no more than net.core.rmem_max, and
// the memory is used only while packets wait in it.
package udpbuf

import (
	"fmt"
	"net"
)

// Size is the receive and send buffer asked for on every media socket: 4
// MiB, about ten seconds of a 3 Mbit/s publisher's packets.
const Size = 4 << 20

// Fix is what an operator runs when the kernel grants less than Size.
const Fix = "sysctl -w net.core.rmem_max=4194304 net.core.wmem_max=4194304"

// buffered is a socket whose kernel buffers can be set (a *net.UDPConn,
// and pion's transport.UDPConn).
type buffered interface {
	SetReadBuffer(bytes int) error
	SetWriteBuffer(bytes int) error
}

// Enlarge asks the kernel for Size of receive and send buffer on c. A
// connection whose buffers cannot be set is left as it is.
func Enlarge(c net.PacketConn) error {
	u, ok := c.(buffered)
	if !ok {
		return nil
	}
	if err := u.SetReadBuffer(Size); err != nil {
		return fmt.Errorf("UDP receive buffer: %w", err)
	}
	if err := u.SetWriteBuffer(Size); err != nil {
		return fmt.Errorf("UDP send buffer: %w", err)
	}
	return nil
}

// Granted opens a loopback UDP socket, enlarges it, and reports the
// receive buffer the kernel gave it in bytes, as Size is counted; 0 when
// the system does not say.
func Granted() (int, error) {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return 0, err
	}
	defer c.Close()
	if err := Enlarge(c); err != nil {
		return 0, err
	}
	return receiveBuffer(c)
}

// Advice is a warning for the operator when the kernel grants less than
// Size, or "" when it grants enough or does not say.
func Advice(granted int) string {
	if granted <= 0 || granted >= Size {
		return ""
	}
	return fmt.Sprintf("the kernel gives UDP sockets %d KiB of receive buffer, not the %d KiB asked for: a busy moment will lose media packets; raise it with %s",
		granted>>10, Size>>10, Fix)
}
