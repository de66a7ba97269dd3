package udpbuf

import (
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestAnEnlargedSocketHoldsABurstThatTheDefaultLoses: while nobody reads,
// a burst of 1,000 datagrams of 1,200 bytes (a second or two of a camera's
// simulcast) is sent to a socket as the kernel makes it and to one
// enlarged; then both are read. The default loses most of it; the enlarged
// one keeps every packet.
func TestAnEnlargedSocketHoldsABurstThatTheDefaultLoses(t *testing.T) {
	needGranted(t, 2<<20)
	const burst = 1000
	plain := listen(t)
	enlarged := listen(t)
	if err := Enlarge(enlarged); err != nil {
		t.Fatal(err)
	}
	send(t, plain.LocalAddr(), burst)
	send(t, enlarged.LocalAddr(), burst)
	kept, keptPlain := drain(t, enlarged), drain(t, plain)
	if kept != burst {
		t.Errorf("the enlarged socket kept %d of %d datagrams", kept, burst)
	}
	if keptPlain >= burst {
		t.Errorf("the default socket kept all %d datagrams: the burst does not show what the buffer is for", burst)
	}
	t.Logf("kept: %d by default, %d enlarged", keptPlain, kept)
}

// TestNetEnlargesEverySocket: the sockets pion's ICE opens through Net,
// either way, get the buffer asked for (as far as the kernel allows).
func TestNetEnlargesEverySocket(t *testing.T) {
	want := needGranted(t, 1)
	n, err := NewNet()
	if err != nil {
		t.Fatal(err)
	}
	u, err := n.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	p, err := n.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for name, c := range map[string]any{"ListenUDP": u, "ListenPacket": p} {
		got, err := receiveBuffer(c.(*net.UDPConn))
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: a receive buffer of %d bytes, want %d", name, got, want)
		}
	}
}

func TestAdviceNamesTheSettingWhenTheKernelGivesLess(t *testing.T) {
	if a := Advice(208 << 10); !strings.Contains(a, "208 KiB") || !strings.Contains(a, "net.core.rmem_max=4194304") {
		t.Errorf("advice for 208 KiB: %q", a)
	}
	if want := strconv.Itoa(Size); strings.Count(Fix, "="+want) != 2 {
		t.Errorf("Fix %q does not ask for Size (%s) twice", Fix, want)
	}
	for _, granted := range []int{0, Size, 2 * Size} {
		if a := Advice(granted); a != "" {
			t.Errorf("advice for %d: %q, want none", granted, a)
		}
	}
}

// needGranted returns what the kernel grants an enlarged socket; below
// least it fails under CI and skips by hand.
func needGranted(t *testing.T, least int) int {
	t.Helper()
	granted, err := Granted()
	if err != nil {
		t.Fatal(err)
	}
	if granted < least {
		msg := Advice(granted)
		if granted == 0 {
			msg = "this system does not report socket buffers"
		}
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return granted
}

func listen(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func send(t *testing.T, to net.Addr, n int) {
	t.Helper()
	c, err := net.DialUDP("udp4", nil, to.(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := Enlarge(c); err != nil { // the sender's own queue is not what is measured
		t.Fatal(err)
	}
	packet := make([]byte, 1200)
	for range n {
		if _, err := c.Write(packet); err != nil {
			t.Fatal(err)
		}
	}
}

// drain reads what a socket holds until it has been quiet for 100 ms.
func drain(t *testing.T, c *net.UDPConn) int {
	t.Helper()
	buf := make([]byte, 2048)
	n := 0
	for {
		c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if _, _, err := c.ReadFromUDP(buf); err != nil {
			if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
				return n
			}
			t.Fatal(err)
		}
		n++
	}
}
