package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/net/ipv4"
	"golang.org/x/sys/unix"
)

// FloorOptions describe a kernel floor measurement: a sender that does
// nothing but send UDP packets of an SFU's shape (Size bytes, each one to
// every receiver in turn, PPS packets a second in all) to Receivers
// sockets on loopback. It shows what the kernel alone costs an SFU per
// forwarded packet on this machine, before any work of its own.
type FloorOptions struct {
	Receivers int
	PPS       int
	Size      int
	Duration  time.Duration
	// SenderCPU is the core the sender is pinned to (-1: not pinned); pin
	// this process, the receivers, to another.
	SenderCPU int
	// Batch sends each round with one sendmmsg instead of a sendto each.
	Batch bool
	// Executable is the rapport-load binary that runs the sender
	// (`rapport-load udp-send`); the running one when empty.
	Executable string
}

// FloorResult is what a floor measurement found. The JSON names are
// stable: the last line of `rapport-load udp` is this object.
type FloorResult struct {
	Receivers  int     `json:"receivers"`
	Batch      bool    `json:"batch"`
	Sent       int64   `json:"sent"`
	Received   int64   `json:"received"`
	SenderCPUS float64 `json:"sender_cpu_s"`
	// USPerPacket is the sender's CPU per packet sent, in microseconds.
	USPerPacket float64 `json:"us_per_packet"`
	// PPSPerCPUS is packets sent per CPU-second of the sender: the most an
	// SFU could forward per CPU-second here if it did nothing else.
	PPSPerCPUS float64 `json:"pps_per_cpu_s"`
}

// SendReport is what the sender process prints: what it sent and the CPU
// it took.
type SendReport struct {
	Sent int64   `json:"sent"`
	CPUS float64 `json:"cpu_s"`
}

// Floor opens the receivers, runs the sender as a process of its own
// pinned to its core, and measures the sender's CPU per packet.
func Floor(ctx context.Context, o FloorOptions) (*FloorResult, error) {
	if o.Receivers < 1 || o.PPS < o.Receivers || o.Size < 12 || o.Size > 1400 || o.Duration < time.Second {
		return nil, errors.New("--receivers must be at least 1, --pps at least --receivers, --size 12-1400 bytes, --duration at least 1s")
	}
	socks, ports, err := openReceivers(o.Receivers)
	if err != nil {
		return nil, err
	}
	var received atomic.Int64
	for _, c := range socks {
		go drain(c, &received)
	}
	defer func() {
		for _, c := range socks {
			c.Close()
		}
	}()
	rep, err := runSender(ctx, o, ports)
	if err != nil {
		return nil, err
	}
	landed(&received, rep.Sent)
	r := &FloorResult{Receivers: o.Receivers, Batch: o.Batch, Sent: rep.Sent, Received: received.Load(), SenderCPUS: round(rep.CPUS, 3)}
	if rep.Sent > 0 && rep.CPUS > 0 {
		r.USPerPacket = round(rep.CPUS*1e6/float64(rep.Sent), 2)
		r.PPSPerCPUS = round(float64(rep.Sent)/rep.CPUS, 0)
	}
	return r, nil
}

// landed waits for the last packets to be read: until n have been, or
// until none has been for 300 ms, for at most 5 s.
func landed(received *atomic.Int64, n int64) {
	last, quiet := received.Load(), time.Now()
	for end := time.Now().Add(5 * time.Second); last < n && time.Now().Before(end) && time.Since(quiet) < 300*time.Millisecond; {
		time.Sleep(20 * time.Millisecond)
		if now := received.Load(); now != last {
			last, quiet = now, time.Now()
		}
	}
}

// openReceivers opens n UDP sockets on loopback with the SFU's socket
// buffers, and returns them with their ports.
func openReceivers(n int) ([]*net.UDPConn, []string, error) {
	var socks []*net.UDPConn
	var ports []string
	for range n {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			for _, s := range socks {
				s.Close()
			}
			return nil, nil, fmt.Errorf("open a receiver: %w", err)
		}
		c.SetReadBuffer(4 << 20)
		socks = append(socks, c)
		ports = append(ports, fmt.Sprint(c.LocalAddr().(*net.UDPAddr).Port))
	}
	return socks, ports, nil
}

// drain reads a receiver until it is closed, counting packets.
func drain(c *net.UDPConn, n *atomic.Int64) {
	b := make([]byte, 1500)
	for {
		if _, err := c.Read(b); err != nil {
			return
		}
		n.Add(1)
	}
}

// runSender starts `rapport-load udp-send` on the sender's core and
// reads its report.
func runSender(ctx context.Context, o FloorOptions, ports []string) (*SendReport, error) {
	exe := o.Executable
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, err
		}
	}
	args := []string{"udp-send", "--ports", strings.Join(ports, ","), "--pps", fmt.Sprint(o.PPS),
		"--size", fmt.Sprint(o.Size), "--duration", o.Duration.String()}
	if o.Batch {
		args = append(args, "--batch")
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Stderr = os.Stderr
	out, err := startPinned(cmd, o.SenderCPU)
	if err != nil {
		return nil, err
	}
	var rep SendReport
	if err := json.Unmarshal(out, &rep); err != nil {
		return nil, fmt.Errorf("the sender's report %q: %w", out, err)
	}
	return &rep, nil
}

// startPinned runs cmd on cpu (anywhere when cpu < 0) and returns its
// output.
func startPinned(cmd *exec.Cmd, cpu int) ([]byte, error) {
	if cpu < 0 {
		return cmd.Output()
	}
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := forkPinned(cmd, cpu); err != nil {
		return nil, err
	}
	out, _ := io.ReadAll(pipe)
	return out, cmd.Wait()
}

// forkPinned starts cmd with every thread of it on cpu. A process inherits
// the affinity of the thread that forks it: this goroutine's thread is
// pinned for the fork, then set back. A thread that cannot be set back
// stays with this goroutine, and ends with it, rather than serve others
// pinned.
func forkPinned(cmd *exec.Cmd, cpu int) error {
	runtime.LockOSThread()
	var old, set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		runtime.UnlockOSThread()
		return err
	}
	set.Set(cpu)
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("pin the sender to CPU %d: %w", cpu, err)
	}
	err := cmd.Start()
	if unix.SchedSetaffinity(0, &old) == nil {
		runtime.UnlockOSThread()
	}
	return err
}

// Send is the sender's side: Size-byte packets to the ports on loopback,
// one to each in turn per round, rounds paced to PPS packets a second in
// all, for Duration. It reports the packets sent and its own CPU time.
func Send(ports []int, pps, size int, d time.Duration, batch bool) (*SendReport, error) {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetWriteBuffer(4 << 20)
	to := make([]netip.AddrPort, len(ports))
	msgs := make([]ipv4.Message, len(ports))
	pkt := make([]byte, size)
	for i, p := range ports {
		to[i] = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(p))
		msgs[i] = ipv4.Message{Buffers: [][]byte{pkt}, Addr: net.UDPAddrFromAddrPort(to[i])}
	}
	pc := ipv4.NewPacketConn(c)
	sendRound := func() (int64, error) {
		if batch {
			return sendBatch(pc, msgs)
		}
		for _, a := range to {
			if _, err := c.WriteToUDPAddrPort(pkt, a); err != nil {
				return 0, err
			}
		}
		return int64(len(to)), nil
	}
	cpu0 := ownCPU()
	sent, err := paced(time.Second*time.Duration(len(ports))/time.Duration(pps), d, sendRound)
	if err != nil {
		return nil, err
	}
	return &SendReport{Sent: sent, CPUS: ownCPU() - cpu0}, nil
}

// paced runs d/every rounds, one each tick of every; rounds that a late
// tick missed are run at the next, so that the rate holds on a busy
// machine. It returns the packets the rounds sent.
func paced(every, d time.Duration, round func() (int64, error)) (int64, error) {
	ticks := time.NewTicker(every)
	defer ticks.Stop()
	total := int64(d / every)
	start := time.Now()
	var done, sent int64
	for done < total {
		<-ticks.C
		for owed := min(int64(time.Since(start)/every), total); done < owed; done++ {
			n, err := round()
			if err != nil {
				return sent, err
			}
			sent += n
		}
	}
	return sent, nil
}

// sendBatch sends every message with as few sendmmsg calls as it takes.
func sendBatch(pc *ipv4.PacketConn, msgs []ipv4.Message) (int64, error) {
	var sent int64
	for rest := msgs; len(rest) > 0; {
		n, err := pc.WriteBatch(rest, 0)
		if err != nil {
			return sent, err
		}
		rest, sent = rest[n:], sent+int64(n)
	}
	return sent, nil
}
