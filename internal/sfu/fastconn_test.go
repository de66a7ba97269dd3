package sfu

import (
	"net"
	"testing"

	"rapport/internal/udpbuf"
)

// TestAFastConnHandsOnWhatTheFastPathLeaves: what arrives on an SFU socket
// and is not media of a linked connection (STUN, RTCP, RTP from an address
// the fast path does not know) reaches pion's read, whole, in order, from
// its sender, however many arrive in one batch.
func TestAFastConnHandsOnWhatTheFastPathLeaves(t *testing.T) {
	network, err := udpbuf.NewNet()
	if err != nil {
		t.Fatal(err)
	}
	fn := &fastNet{Net: network, path: &fastPath{}}
	c, err := fn.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fc, ok := c.(*fastConn)
	if !ok {
		t.Fatalf("the SFU's network gave a %T, not a fastConn", c)
	}
	sender, err := net.DialUDP("udp4", nil, fc.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer sender.Close()
	stun := []byte{0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	rtcp := []byte{0x81, 200, 0x00, 0x01, 0, 0, 0, 9}
	rtp := append([]byte{0x80, 96, 0x00, 0x01, 0, 0, 0, 1, 0, 0, 0, 7}, make([]byte, 100)...)
	sent := [][]byte{stun, rtcp, rtp, stun}
	for readBatch > len(sent) {
		sent = append(sent, rtp)
	}
	sent = append(sent, rtcp) // one more than a batch
	for _, p := range sent {
		if _, err := sender.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	from := sender.LocalAddr().(*net.UDPAddr).AddrPort()
	buf := make([]byte, 1500)
	for i, want := range sent {
		n, src, err := fc.ReadFromAddrPort(buf)
		if err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
		if src != from || string(buf[:n]) != string(want) {
			t.Fatalf("read %d: %d bytes from %v, want %d bytes from %v", i, n, src, len(want), from)
		}
	}
	if fc.path.packets.Load() != 0 {
		t.Fatalf("the fast path took %d packets of no connection", fc.path.packets.Load())
	}
}
