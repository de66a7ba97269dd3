package udpbuf

import (
	"net"

	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"
)

// Net is pion's network whose UDP sockets are enlarged: the SFU's ICE
// gathers its host candidates, and opens its shared port, through it.
type Net struct {
	*stdnet.Net
}

// NewNet is the machine's network, with enlarged UDP sockets.
func NewNet() (*Net, error) {
	n, err := stdnet.NewNet()
	if err != nil {
		return nil, err
	}
	return &Net{Net: n}, nil
}

// ListenPacket opens a socket as net.ListenPacket does, and enlarges it.
func (n *Net) ListenPacket(network, address string) (net.PacketConn, error) {
	c, err := n.Net.ListenPacket(network, address)
	if err != nil {
		return nil, err
	}
	if err := Enlarge(c); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// ListenUDP opens a UDP socket as net.ListenUDP does, and enlarges it.
func (n *Net) ListenUDP(network string, addr *net.UDPAddr) (transport.UDPConn, error) {
	c, err := n.Net.ListenUDP(network, addr)
	if err != nil {
		return nil, err
	}
	if u, ok := c.(*net.UDPConn); ok {
		if err := Enlarge(u); err != nil {
			u.Close()
			return nil, err
		}
	}
	return c, nil
}
