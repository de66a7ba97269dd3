package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"rapport/internal/loadtest"
)

// runUDP measures the kernel's floor under an SFU: see loadtest.Floor.
func runUDP(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("udp", stderr)
	o := loadtest.FloorOptions{}
	fs.IntVar(&o.Receivers, "receivers", 100, "receiving sockets, as an SFU's subscribers")
	fs.IntVar(&o.PPS, "pps", 22800, "packets a second sent in all (100 subscribers of 2 publishers' video and audio: about 22,800)")
	fs.IntVar(&o.Size, "size", 1100, "bytes a packet (a video packet at 500 kbit/s)")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "how long to send")
	fs.IntVar(&o.SenderCPU, "sender-cpu", 0, "the core the sender runs on (-1: anywhere); run this process on another")
	fs.BoolVar(&o.Batch, "batch", false, "send each round of packets with one sendmmsg")
	if err := fs.Parse(args); err != nil {
		return err
	}
	res, err := loadtest.Floor(ctx, o)
	if err != nil {
		return err
	}
	how := "one sendto a packet"
	if res.Batch {
		how = "one sendmmsg a round"
	}
	fmt.Fprintf(stdout, "sent       %d packets to %d receivers (%d received), %s\n", res.Sent, res.Receivers, res.Received, how)
	fmt.Fprintf(stdout, "sender CPU %.2f s, %.2f µs a packet: at most %.0f packets per CPU-second for an SFU that did nothing else\n",
		res.SenderCPUS, res.USPerPacket, res.PPSPerCPUS)
	b, _ := json.Marshal(res)
	fmt.Fprintln(stdout, string(b))
	return nil
}

// runUDPSend is the sender of rapport-load udp, run by it in a process of
// its own: it prints one JSON line, what it sent and the CPU it took.
func runUDPSend(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("udp-send", stderr)
	list := fs.String("ports", "", "the receivers' ports on 127.0.0.1, comma-separated")
	pps := fs.Int("pps", 22800, "packets a second in all")
	size := fs.Int("size", 1100, "bytes a packet")
	d := fs.Duration("duration", 10*time.Second, "how long to send")
	batch := fs.Bool("batch", false, "one sendmmsg a round")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var ports []int
	for p := range strings.SplitSeq(*list, ",") {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return usageError{fmt.Sprintf("--ports: %q is not a port", p)}
		}
		ports = append(ports, n)
	}
	rep, err := loadtest.Send(ports, *pps, *size, *d, *batch)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(rep)
	fmt.Fprintln(stdout, string(b))
	return nil
}
