package sfu

import (
	"math"

	"github.com/pion/rtcp"
)

// nackWindow is how many of a stream's latest sequence numbers are kept
// track of, for NACKs: about 5 s of video at 500 kbit/s.
const nackWindow = 512

// nackAsks is how many times a lost packet is asked for before the SFU
// gives up on it (the subscribers then ask for a keyframe).
const nackAsks = 3

// receiveLog is what arrived of one received stream: which packets are
// missing, for NACKs, and the figures of a receiver report (RFC 3550 6.4.1,
// A.1, A.3 and A.8). It is kept inline, as each packet is forwarded; its
// owner serialises the calls. (pion's NACK generator and receiver reports
// each cost a goroutine, a ticker and about four allocations per packet.)
type receiveLog struct {
	clock uint32 // the codec's RTP clock rate

	started  bool
	firstAt  int64  // unix nanoseconds of the first packet
	baseSeq  uint16 // the first sequence number
	maxSeq   uint16 // the highest sequence number
	cycles   uint32 // sequence number wraps, shifted left 16
	received uint32

	expectedPrior, receivedPrior uint32

	transit int64   // the last packet's relative transit time, in clock units
	jitter  float64 // RFC 3550's interarrival jitter, in clock units

	seen  [nackWindow / 64]uint64 // by sequence number modulo the window
	asked [nackWindow]uint8       // how many times each was asked for

	lastSR   uint32 // the middle 32 bits of the last sender report's NTP time
	lastSRAt int64  // unix nanoseconds it arrived at
}

// record notes a packet's arrival at now (unix nanoseconds).
func (r *receiveLog) record(seq uint16, ts uint32, now int64) {
	if !r.started {
		r.started, r.firstAt, r.baseSeq, r.maxSeq = true, now, seq, seq
		r.mark(seq)
		r.received = 1
		r.transit = r.arrival(now) - int64(ts)
		return
	}
	r.received++
	if ahead := seq - r.maxSeq; ahead != 0 && ahead < 0x8000 {
		r.advance(seq, ahead)
	} else if r.maxSeq-seq >= nackWindow {
		return // too old to tell, or a duplicate
	}
	r.mark(seq)
	transit := r.arrival(now) - int64(ts)
	d := transit - r.transit
	r.transit = transit
	r.jitter += (math.Abs(float64(d)) - r.jitter) / 16
}

// advance moves the highest sequence number on to seq: those skipped are
// missing until they come.
func (r *receiveLog) advance(seq, ahead uint16) {
	if ahead >= nackWindow {
		clear(r.seen[:])
		clear(r.asked[:])
	} else {
		for s := r.maxSeq + 1; s != seq; s++ {
			r.unmark(s)
		}
	}
	if seq < r.maxSeq {
		r.cycles += 1 << 16
	}
	r.maxSeq = seq
}

func (r *receiveLog) mark(seq uint16) {
	i := seq % nackWindow
	r.seen[i/64] |= 1 << (i % 64)
}

func (r *receiveLog) unmark(seq uint16) {
	i := seq % nackWindow
	r.seen[i/64] &^= 1 << (i % 64)
	r.asked[i] = 0
}

func (r *receiveLog) has(seq uint16) bool {
	i := seq % nackWindow
	return r.seen[i/64]&(1<<(i%64)) != 0
}

// arrival is a time in the stream's clock units since its first packet.
func (r *receiveLog) arrival(now int64) int64 {
	return int64(float64(now-r.firstAt) * float64(r.clock) / 1e9)
}

// missing appends to seqs the packets to ask for again: lost within the
// window, and asked for fewer than nackAsks times. Each is counted as asked.
func (r *receiveLog) missing(seqs []uint16) []uint16 {
	if !r.started {
		return seqs
	}
	span := uint16(min(nackWindow-1, r.cycles|uint32(r.maxSeq)-uint32(r.baseSeq)))
	for s := r.maxSeq - span; s != r.maxSeq; s++ {
		if i := s % nackWindow; !r.has(s) && r.asked[i] < nackAsks {
			r.asked[i]++
			seqs = append(seqs, s)
		}
	}
	return seqs
}

// senderReport notes a sender report's time, for the next receiver
// report's LSR and DLSR.
func (r *receiveLog) senderReport(ntp uint64, now int64) {
	r.lastSR, r.lastSRAt = uint32(ntp>>16), now
}

// report is the stream's reception report at now, and starts the next
// interval.
func (r *receiveLog) report(ssrc uint32, now int64) (rtcp.ReceptionReport, bool) {
	if !r.started {
		return rtcp.ReceptionReport{}, false
	}
	extended := r.cycles | uint32(r.maxSeq)
	expected := extended - uint32(r.baseSeq) + 1
	lost := int64(expected) - int64(r.received)
	interval, got := expected-r.expectedPrior, r.received-r.receivedPrior
	r.expectedPrior, r.receivedPrior = expected, r.received
	var fraction uint8
	if lostInterval := int64(interval) - int64(got); interval > 0 && lostInterval > 0 {
		fraction = uint8(min(255, lostInterval<<8/int64(interval)))
	}
	rep := rtcp.ReceptionReport{
		SSRC:               ssrc,
		FractionLost:       fraction,
		TotalLost:          uint32(min(max(lost, 0), 0x7fffff)),
		LastSequenceNumber: extended,
		Jitter:             uint32(r.jitter),
		LastSenderReport:   r.lastSR,
	}
	if r.lastSRAt != 0 {
		rep.Delay = uint32((now - r.lastSRAt) * 65536 / 1e9)
	}
	return rep, true
}
