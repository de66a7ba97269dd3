package udpbatch_test

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"runtime"
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
// come back in batches, whole, in order, each with its sender's address, on
// IPv4 and IPv6; one longer than Size, sent among them, is dropped and
// counted (on Linux; elsewhere it is cut, as the system cuts it).
func TestBatchesHoldEveryDatagramInOrder(t *testing.T) {
	for _, tc := range []struct{ network, ip string }{{"udp4", "127.0.0.1"}, {"udp6", "::1"}} {
		t.Run(tc.network, func(t *testing.T) {
			r, s := pair(t, tc.network, tc.ip)
			r.SetReadBuffer(1 << 20)
			reader, err := udpbatch.NewReader(r, 8)
			if err != nil {
				t.Fatal(err)
			}
			const count, long = 20, 10
			var want []string
			for i := range count {
				if i == long {
					if _, err := s.Write(bytes.Repeat([]byte{7}, udpbatch.Size+100)); err != nil {
						t.Fatal(err)
					}
				}
				want = append(want, fmt.Sprintf("datagram %02d", i))
				if _, err := s.Write([]byte(want[i])); err != nil {
					t.Fatal(err)
				}
			}
			if runtime.GOOS != "linux" {
				want = append(want[:long], append([]string{string(bytes.Repeat([]byte{7}, udpbatch.Size))}, want[long:]...)...)
			}
			from := s.LocalAddr().(*net.UDPAddr).AddrPort()
			batches := 0
			for i, w := range want {
				if reader.Pending() == 0 {
					batches++
				}
				b, src, err := reader.Next()
				if err != nil {
					t.Fatal(err)
				}
				if src.Port() != from.Port() || src.Addr().Unmap() != from.Addr().Unmap() {
					t.Fatalf("datagram %d from %v, want %v", i, src, from)
				}
				if string(b) != w {
					t.Fatalf("datagram %d read as %.40q (%d bytes), want %.40q", i, b, len(b), w)
				}
			}
			if runtime.GOOS != "linux" {
				return
			}
			if reader.Cut() != 1 {
				t.Errorf("%d datagrams counted as too long, want 1", reader.Cut())
			}
			if batches > 4 {
				t.Errorf("%d datagrams waiting took %d reads, want batches of up to 8", count+1, batches)
			}
		})
	}
}

// TestADualStackSocketReportsSourcesAsNetDoes: on a socket of both
// families, an IPv4 sender's address comes back as ReadFromUDPAddrPort
// gives it (mapped into IPv6).
func TestADualStackSocketReportsSourcesAsNetDoes(t *testing.T) {
	plain, err := net.ListenUDP("udp", &net.UDPAddr{})
	if err != nil {
		t.Skip(err)
	}
	defer plain.Close()
	batched, err := net.ListenUDP("udp", &net.UDPAddr{})
	if err != nil {
		t.Fatal(err)
	}
	defer batched.Close()
	reader, err := udpbatch.NewReader(batched, 4)
	if err != nil {
		t.Fatal(err)
	}
	s, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, c := range []*net.UDPConn{plain, batched} {
		to := net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: c.LocalAddr().(*net.UDPAddr).Port}
		if _, err := s.WriteToUDP([]byte("hello"), &to); err != nil {
			t.Fatal(err)
		}
	}
	_, want, err := plain.ReadFromUDPAddrPort(make([]byte, 100))
	if err != nil {
		t.Fatal(err)
	}
	b, got, err := reader.Next()
	if err != nil || string(b) != "hello" || got != want {
		t.Fatalf("the batch read %q from %v (%v); net reads it from %v", b, got, err, want)
	}
}

// TestNextWaitsForADatagramAndEndsWithTheSocket: a read with nothing
// waiting waits for the next datagram, honours the read deadline, and
// returns net.ErrClosed when the socket is closed while it waits.
func TestNextWaitsForADatagramAndEndsWithTheSocket(t *testing.T) {
	r, s := pair(t, "udp4", "127.0.0.1")
	reader, err := udpbatch.NewReader(r, 4)
	if err != nil {
		t.Fatal(err)
	}
	next := func() <-chan error {
		got := make(chan error, 1)
		go func() {
			b, _, err := reader.Next()
			if err == nil && string(b) != "late" {
				err = fmt.Errorf("read %q, want %q", b, "late")
			}
			got <- err
		}()
		return got
	}
	got := next()
	select {
	case err := <-got:
		t.Fatalf("Next returned before anything was sent: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	if _, err := s.Write([]byte("late")); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatal(err)
	}

	r.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	var ne net.Error
	if _, _, err := reader.Next(); !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("Next past the deadline: %v, want a timeout", err)
	}
	r.SetReadDeadline(time.Time{})

	got = next()
	select {
	case err := <-got:
		t.Fatalf("Next returned before anything was sent: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	r.Close()
	if err := <-got; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Next while the socket was closed: %v, want net.ErrClosed", err)
	}
}

// TestABatchOfNoneIsRefused: a reader needs room for a datagram.
func TestABatchOfNoneIsRefused(t *testing.T) {
	r, _ := pair(t, "udp4", "127.0.0.1")
	if _, err := udpbatch.NewReader(r, 0); err == nil {
		t.Fatal("a batch of 0 accepted")
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
