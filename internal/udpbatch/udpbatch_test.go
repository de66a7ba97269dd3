package udpbatch_test

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"rapport/internal/udpbatch"
)

// pair is a reading socket and a sending one on loopback.
func pair(t testing.TB, network, ip string) (*net.UDPConn, *net.UDPConn) {
	t.Helper()
	r, err := net.ListenUDP(network, &net.UDPAddr{IP: net.ParseIP(ip)})
	if err != nil {
		t.Skipf("no %s loopback: %v", network, err)
	}
	t.Cleanup(func() { r.Close() })
	s, err := net.DialUDP(network, nil, r.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return r, s
}

// TestBatchesHoldEveryDatagramInOrder: datagrams sent before the first read
// come back in one or more batches, whole, in order, each with its sender's
// address, on IPv4 and IPv6; a datagram longer than Size is cut to it.
func TestBatchesHoldEveryDatagramInOrder(t *testing.T) {
	for _, tc := range []struct{ network, ip string }{{"udp4", "127.0.0.1"}, {"udp6", "::1"}} {
		t.Run(tc.network, func(t *testing.T) {
			r, s := pair(t, tc.network, tc.ip)
			reader, err := udpbatch.NewReader(r, 8)
			if err != nil {
				t.Fatal(err)
			}
			const count = 20
			for i := range count {
				if _, err := s.Write([]byte(fmt.Sprintf("datagram %02d", i))); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.Write(bytes.Repeat([]byte{7}, udpbatch.Size+100)); err != nil {
				t.Fatal(err)
			}
			want := s.LocalAddr().(*net.UDPAddr).AddrPort()
			batches := 0
			for i := range count + 1 {
				if reader.Pending() == 0 {
					batches++
				}
				b, from, err := reader.Next()
				if err != nil {
					t.Fatal(err)
				}
				if from.Port() != want.Port() || from.Addr().Unmap() != want.Addr().Unmap() {
					t.Fatalf("datagram %d from %v, want %v", i, from, want)
				}
				if i == count {
					if len(b) != udpbatch.Size {
						t.Fatalf("a datagram of %d bytes read as %d, want it cut to %d", udpbatch.Size+100, len(b), udpbatch.Size)
					}
					continue
				}
				if got := string(b); got != fmt.Sprintf("datagram %02d", i) {
					t.Fatalf("datagram %d read as %q", i, got)
				}
			}
			if batches > count/2 {
				t.Errorf("%d datagrams waiting took %d reads, want batches of up to 8", count+1, batches)
			}
		})
	}
}

// TestNextWaitsForADatagramAndEndsWithTheSocket: a read with nothing
// waiting waits for the next datagram, honours the read deadline, and
// returns net.ErrClosed once the socket is closed.
func TestNextWaitsForADatagramAndEndsWithTheSocket(t *testing.T) {
	r, s := pair(t, "udp4", "127.0.0.1")
	reader, err := udpbatch.NewReader(r, 4)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		b, _, err := reader.Next()
		if err != nil {
			got <- err.Error()
			return
		}
		got <- string(b)
	}()
	if _, err := s.Write([]byte("late")); err != nil {
		t.Fatal(err)
	}
	if g := <-got; g != "late" {
		t.Fatalf("a datagram sent while Next waited read as %q", g)
	}
	r.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	var ne net.Error
	if _, _, err := reader.Next(); !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("Next past the deadline: %v, want a timeout", err)
	}
	r.SetReadDeadline(time.Time{})
	r.Close()
	if _, _, err := reader.Next(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Next on a closed socket: %v, want net.ErrClosed", err)
	}
}

// BenchmarkReadBatch reads datagrams waiting in batches of 16 (the sender
// keeps 16 waiting); BenchmarkReadOneByOne reads them with a recvfrom each.
func BenchmarkReadBatch(b *testing.B) {
	r, s := pair(b, "udp4", "127.0.0.1")
	reader, err := udpbatch.NewReader(r, 16)
	if err != nil {
		b.Fatal(err)
	}
	benchRead(b, s, func() error { _, _, err := reader.Next(); return err })
}

func BenchmarkReadOneByOne(b *testing.B) {
	r, s := pair(b, "udp4", "127.0.0.1")
	buf := make([]byte, udpbatch.Size)
	benchRead(b, s, func() error { _, _, err := r.ReadFromUDPAddrPort(buf); return err })
}

// benchRead sends 16 datagrams of 1,100 bytes and reads them back, b.N
// times over; only the reads are timed.
func benchRead(b *testing.B, s *net.UDPConn, read func() error) {
	payload := make([]byte, 1100)
	b.ReportAllocs()
	b.SetBytes(int64(len(payload)))
	for i := 0; i < b.N; {
		b.StopTimer()
		for range 16 {
			if _, err := s.Write(payload); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		for j := 0; j < 16 && i < b.N; j++ {
			if err := read(); err != nil {
				b.Fatal(err)
			}
			i++
		}
	}
}
