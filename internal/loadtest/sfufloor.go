package loadtest

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// AddFloor measures, after a media load, what the kernel alone costs to
// send its packets on the server's core: a sender pinned where the server
// is (the server idle by then) sends packets of the load's mean size, at
// its rate, to as many sockets as the load had peers, for d. The result
// gains Floor and FloorRatio, so that a figure always comes with its ratio
// to the machine's floor of that moment.
func (r *SFUResult) AddFloor(ctx context.Context, serverPID int, peers int, d time.Duration) error {
	if r.ForwardedPPS < 1 || r.PacketBytes < 12 {
		return fmt.Errorf("the load forwarded nothing to measure the floor against")
	}
	cpu, err := onlyCPU(serverPID)
	if err != nil {
		return err
	}
	f, err := Floor(ctx, FloorOptions{Receivers: max(peers, 1), PPS: max(int(r.ForwardedPPS), peers), Size: min(r.PacketBytes, 1400),
		Duration: d, SenderCPU: cpu})
	if err != nil {
		return fmt.Errorf("the UDP floor: %w", err)
	}
	r.Floor = f
	if f.USPerPacket > 0 {
		r.FloorRatio = round(r.USPerPacket/f.USPerPacket, 2)
	}
	return nil
}

// onlyCPU is the one core the process runs on; -1 when it may run on
// several (the floor's sender then runs anywhere).
func onlyCPU(pid int) (int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(pid, &set); err != nil {
		return 0, fmt.Errorf("the server's cores (pid %d): %w", pid, err)
	}
	if set.Count() != 1 {
		return -1, nil
	}
	for i := range 1024 {
		if set.IsSet(i) {
			return i, nil
		}
	}
	return -1, nil
}
