package sfu

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// TestReceiveLogAsksForWhatIsMissing: a gap is asked for on each tick,
// at most nackAsks times, and no more once the packet comes.
func TestReceiveLogAsksForWhatIsMissing(t *testing.T) {
	var r receiveLog
	r.clock = 90000
	for _, seq := range []uint16{100, 101, 104, 105} {
		r.record(seq, uint32(seq)*3000, int64(seq)*int64(time.Millisecond))
	}
	if got := r.missing(nil); !slices.Equal(got, []uint16{102, 103}) {
		t.Fatalf("missing %v, want [102 103]", got)
	}
	r.record(102, 102*3000, 110*int64(time.Millisecond))
	if got := r.missing(nil); !slices.Equal(got, []uint16{103}) {
		t.Fatalf("after 102 came, missing %v, want [103]", got)
	}
	if got := r.missing(nil); !slices.Equal(got, []uint16{103}) {
		t.Fatalf("the third time, missing %v, want [103]", got)
	}
	if got := r.missing(nil); len(got) != 0 {
		t.Fatalf("103 asked for more than %d times: %v", nackAsks, got)
	}
}

// TestReceiveLogAcrossTheWrap: sequence numbers that wrap lose nothing,
// and the extended highest number counts the cycle.
func TestReceiveLogAcrossTheWrap(t *testing.T) {
	var r receiveLog
	r.clock = 48000
	for i := range 10 {
		seq := uint16(65530 + i)
		r.record(seq, uint32(i)*960, int64(i)*int64(20*time.Millisecond))
	}
	if got := r.missing(nil); len(got) != 0 {
		t.Fatalf("missing %v across the wrap, want none", got)
	}
	rep, ok := r.report(7, int64(time.Second))
	if !ok || rep.LastSequenceNumber != 1<<16|3 || rep.TotalLost != 0 || rep.FractionLost != 0 || rep.SSRC != 7 {
		t.Fatalf("report %+v", rep)
	}
}

// TestReceiveLogReportsLoss: the fraction lost is of the interval since
// the last report; the total since the start. The delay since the last
// sender report is in 1/65536 s.
func TestReceiveLogReportsLoss(t *testing.T) {
	var r receiveLog
	r.clock = 90000
	for seq := uint16(0); seq < 100; seq++ {
		if seq%4 != 1 {
			r.record(seq, uint32(seq)*3000, int64(seq)*int64(time.Millisecond))
		}
	}
	r.senderReport(0x1234_5678_9abc_def0, int64(time.Second))
	rep, _ := r.report(1, int64(time.Second)+int64(500*time.Millisecond))
	if rep.TotalLost != 25 || rep.FractionLost != 64 || rep.LastSenderReport != 0x5678_9abc || rep.Delay != 32768 {
		t.Fatalf("report %+v: want 25 lost of 100, fraction 64, LSR 0x56789abc, DLSR 32768", rep)
	}
	for seq := uint16(100); seq < 200; seq++ {
		r.record(seq, uint32(seq)*3000, int64(seq)*int64(time.Millisecond))
	}
	if rep, _ := r.report(1, 2*int64(time.Second)); rep.FractionLost != 0 || rep.TotalLost != 25 {
		t.Fatalf("second report %+v: want nothing lost in the interval, 25 in all", rep)
	}
}

// BenchmarkReceiveLog is a packet recorded as it is forwarded: no
// allocation.
func BenchmarkReceiveLog(b *testing.B) {
	r := receiveLog{clock: 90000}
	b.ReportAllocs()
	seq := uint16(0)
	for b.Loop() {
		seq++
		r.record(seq, uint32(seq)*3000, int64(seq)*int64(time.Millisecond))
	}
}

// TestPublishersAreAskedForLostPackets: video packets lost on the way to
// the SFU are asked for again (NACK), and the publisher hears receiver
// reports about its stream. The SFU receives on its fast path.
func TestPublishersAreAskedForLostPackets(t *testing.T) {
	s := testSFU(t)
	loss := &sendDropper{every: 9}
	pub := newClient(t, loss)
	stop := make(chan struct{})
	defer close(stop)
	pub.publishVideo(stop)
	pub.join(s, "nack", 1)
	// Losses start once the SFU receives: what a publisher writes before
	// its connection is up never leaves it.
	waitFor(t, 5*time.Second, "the SFU receiving", func() bool { return s.Stats().FastPath > 0 })
	loss.on.Store(true)
	waitFor(t, 5*time.Second, "ten packets lost on the way", func() bool { return len(loss.lost()) >= 10 })
	lost := loss.lost()
	waitFor(t, 3*time.Second, "NACKs for each", func() bool {
		return !slices.ContainsFunc(lost, func(seq uint16) bool { return !pub.wasNACKed(seq) })
	})
	waitFor(t, 3*time.Second, "a receiver report", func() bool { return pub.reports.Load() > 0 })
	if s.Stats().FastPath == 0 {
		t.Error("no packet took the fast path")
	}
}

// sendDropper is an interceptor that loses, once, every nth video packet a
// client sends, after its NACK responder has kept it.
type sendDropper struct {
	interceptor.NoOp
	every uint16
	on    atomic.Bool

	mu      sync.Mutex
	dropped []uint16
	seen    map[uint16]bool
}

func (d *sendDropper) NewInterceptor(string) (interceptor.Interceptor, error) { return d, nil }

func (d *sendDropper) BindLocalStream(info *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	if info.MimeType != webrtc.MimeTypeVP8 {
		return w
	}
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		if d.on.Load() && d.drop(h.SequenceNumber) {
			return len(payload), nil
		}
		return w.Write(h, payload, a)
	})
}

func (d *sendDropper) drop(seq uint16) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.seen == nil {
		d.seen = map[uint16]bool{}
	}
	if d.seen[seq] || seq%d.every != 0 || len(d.dropped) >= 10 {
		return false
	}
	d.seen[seq] = true
	d.dropped = append(d.dropped, seq)
	return true
}

func (d *sendDropper) lost() []uint16 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.dropped)
}

// TestSubscribersGetSenderReports: a subscriber hears, about once a
// second, a sender report of the track it receives: its SSRC, the packets
// sent, and a wall-clock time that is now.
func TestSubscribersGetSenderReports(t *testing.T) {
	s := testSFU(t)
	_, sub := videoCall(t, s, "reports")
	tr := sub.nextTrack(10 * time.Second)
	go func() {
		buf := make([]byte, 1500)
		for {
			if _, _, err := tr.Read(buf); err != nil {
				return
			}
		}
	}()
	select {
	case sr := <-sub.srs:
		at := time.Unix(int64(sr.NTPTime>>32)-2_208_988_800, 0)
		if sr.SSRC != uint32(tr.SSRC()) || sr.PacketCount == 0 || sr.OctetCount == 0 || time.Since(at).Abs() > 2*time.Second {
			t.Fatalf("sender report %+v (at %v) for SSRC %d", sr, at, tr.SSRC())
		}
	case <-time.After(3 * time.Second):
		t.Fatal("no sender report within 3 s")
	}
	if s.Stats().FastPath == 0 {
		t.Error("no packet took the fast path")
	}
}

// TestNTPTime: RTCP's clock counts from 1900, with a 32-bit fraction.
func TestNTPTime(t *testing.T) {
	if got, want := ntpTime(1_500_000_000), uint64(2_208_988_801)<<32|1<<31; got != want {
		t.Fatalf("ntpTime(1.5 s) = %x, want %x", got, want)
	}
}
