// Package porttest finds loopback ports for servers that tests start on a
// fixed port number (the embedded TURN server, a whole rapport process).
//
// A port from the kernel (listening on :0) comes from the ephemeral range,
// the same range the kernel draws from for every outgoing connection: by the
// time the server binds it, a browser or a database client may own it as
// its local end. Ports below that range are never handed out that way, so
// Free looks there.
package porttest

import (
	"math/rand/v2"
	"net"
	"strconv"
	"testing"
)

// low and high bound the ports Free draws from: below Linux's default
// ephemeral range (32768-60999) and above the registered services most
// machines run.
const low, high = 20000, 32768

// Free returns a loopback port that both TCP and UDP can bind now and that
// outgoing connections will not take.
func Free(tb testing.TB) int {
	tb.Helper()
	for range 200 {
		port := low + rand.IntN(high-low)
		if bindable(port) {
			return port
		}
	}
	tb.Fatalf("no free loopback port between %d and %d", low, high)
	return 0
}

// bindable reports whether TCP and UDP can both bind 127.0.0.1:port.
func bindable(port int) bool {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	tcp, err := net.Listen("tcp4", addr)
	if err != nil {
		return false
	}
	defer tcp.Close()
	udp, err := net.ListenPacket("udp4", addr)
	if err != nil {
		return false
	}
	return udp.Close() == nil
}
