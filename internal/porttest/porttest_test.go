package porttest

import (
	"net"
	"strconv"
	"testing"
)

func TestFreeIsBindableBelowTheEphemeralRange(t *testing.T) {
	for range 20 {
		port := Free(t)
		if port < low || port >= high {
			t.Fatalf("port %d outside [%d, %d)", port, low, high)
		}
		addr := "127.0.0.1:" + strconv.Itoa(port)
		tcp, err := net.Listen("tcp4", addr)
		if err != nil {
			t.Fatal(err)
		}
		udp, err := net.ListenPacket("udp4", addr)
		if err != nil {
			t.Fatal(err)
		}
		if bindable(port) {
			t.Fatalf("port %d reported bindable while held", port)
		}
		tcp.Close()
		udp.Close()
	}
}
