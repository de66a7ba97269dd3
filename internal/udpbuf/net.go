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
	return enlarged(n.Net.ListenPacket(network, address))
}

// ListenUDP opens a UDP socket as net.ListenUDP does, and enlarges it.
func (n *Net) ListenUDP(network string, addr *net.UDPAddr) (transport.UDPConn, error) {
	return enlarged(n.Net.ListenUDP(network, addr))
}

// enlarged enlarges a socket just opened, or closes it if that fails.
func enlarged[C net.PacketConn](c C, err error) (C, error) {
	if err != nil {
		return c, err
	}
	if err := Enlarge(c); err != nil {
		c.Close()
		var none C
		return none, err
	}
	return c, nil
}
