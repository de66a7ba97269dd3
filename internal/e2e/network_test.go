package e2e

import (
	"io"
	"net"
	"strings"
	"sync"
	"testing"
)

// tcpNetwork is a person's way to the server that the test can cut: a TCP
// forwarder on a port of its own. Cut closes every connection through it
// and refuses new ones until Restore, as when a laptop moves from one
// network to another.
type tcpNetwork struct {
	l      net.Listener
	target string

	mu    sync.Mutex
	down  bool
	conns map[net.Conn]bool
}

// newTCPNetwork forwards a port to base's host and port; URL is the base
// URL through it.
func newTCPNetwork(t *testing.T, base string) *tcpNetwork {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n := &tcpNetwork{l: l, target: strings.TrimPrefix(base, "http://"), conns: map[net.Conn]bool{}}
	go n.serve()
	t.Cleanup(func() { l.Close(); n.Cut() })
	return n
}

// URL is the server's base URL through this network.
func (n *tcpNetwork) URL() string { return "http://" + n.l.Addr().String() }

func (n *tcpNetwork) serve() {
	for {
		c, err := n.l.Accept()
		if err != nil {
			return
		}
		go n.forward(c)
	}
}

func (n *tcpNetwork) forward(c net.Conn) {
	s, err := net.Dial("tcp", n.target)
	if err != nil || !n.track(c, s) {
		c.Close()
		if s != nil {
			s.Close()
		}
		return
	}
	done := make(chan struct{}, 2)
	go func() { io.Copy(s, c); done <- struct{}{} }()
	go func() { io.Copy(c, s); done <- struct{}{} }()
	<-done
	c.Close()
	s.Close()
	n.mu.Lock()
	delete(n.conns, c)
	delete(n.conns, s)
	n.mu.Unlock()
}

// track registers a connection's two ends; false while the network is cut.
func (n *tcpNetwork) track(c, s net.Conn) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.down {
		return false
	}
	n.conns[c], n.conns[s] = true, true
	return true
}

// Cut drops every connection and refuses new ones.
func (n *tcpNetwork) Cut() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.down = true
	for c := range n.conns {
		c.Close()
	}
	clear(n.conns)
}

// Restore lets connections through again.
func (n *tcpNetwork) Restore() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.down = false
}
