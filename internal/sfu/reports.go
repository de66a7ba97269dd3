package sfu

import (
	"context"
	"sync"
	"time"

	"github.com/pion/rtcp"

	"rapport/internal/app"
)

// nackInterval is how often publishers are asked for the video packets that
// did not arrive; receiver reports go every reportEvery of these ticks.
const (
	nackInterval = 100 * time.Millisecond
	reportEvery  = 10
)

// receiverReports tells publishers what the SFU received of their tracks:
// NACKs for lost video packets on every tick, receiver reports (loss,
// jitter, and the delay since the last sender report, from which the
// publisher's browser measures its round trip) every second. What arrived
// is kept by each layer's receiveLog; one goroutine for the whole SFU sends
// it, so that the cost does not grow with the number of peers' timers.
// Make it with newReceiverReports; Close stops it.
type receiverReports struct {
	mu     sync.Mutex
	layers map[*layer]struct{}
	list   []*layer // the layers of a tick, reused
	seqs   []uint16 // a layer's missing packets, reused
	ticks  int
	cancel context.CancelFunc
	done   chan struct{}
}

func newReceiverReports(interval time.Duration) *receiverReports {
	ctx, cancel := context.WithCancel(context.Background())
	r := &receiverReports{layers: map[*layer]struct{}{}, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		app.Every(ctx, interval, r.tick)
	}()
	return r
}

// add starts reporting on a layer received over WebRTC.
func (r *receiverReports) add(l *layer) {
	r.mu.Lock()
	r.layers[l] = struct{}{}
	r.mu.Unlock()
}

// remove stops reporting on a layer.
func (r *receiverReports) remove(l *layer) {
	r.mu.Lock()
	delete(r.layers, l)
	r.mu.Unlock()
}

// Close stops the reports.
func (r *receiverReports) Close() error {
	r.cancel()
	<-r.done
	return nil
}

// tick sends the NACKs due, and on every reportEvery-th tick the receiver
// reports, one per publisher.
func (r *receiverReports) tick(context.Context) {
	r.mu.Lock()
	r.list = r.list[:0]
	for l := range r.layers {
		r.list = append(r.list, l)
	}
	r.mu.Unlock()
	r.ticks++
	var reports map[*Peer][]rtcp.ReceptionReport
	if r.ticks%reportEvery == 0 {
		reports = map[*Peer][]rtcp.ReceptionReport{}
	}
	now := time.Now().UnixNano()
	for _, l := range r.list {
		pub := l.fwd.pub
		l.mu.Lock()
		r.seqs = r.seqs[:0]
		if l.fwd.video {
			r.seqs = l.rx.missing(r.seqs)
		}
		var rep rtcp.ReceptionReport
		ok := false
		if reports != nil {
			rep, ok = l.rx.report(l.ssrc, now)
		}
		l.mu.Unlock()
		if len(r.seqs) > 0 {
			_ = pub.pc.WriteRTCP([]rtcp.Packet{&rtcp.TransportLayerNack{SenderSSRC: pub.rtcpSSRC, MediaSSRC: l.ssrc,
				Nacks: rtcp.NackPairsFromSequenceNumbers(r.seqs)}}) // a closed peer's is lost with it
		}
		if ok {
			reports[pub] = append(reports[pub], rep)
		}
	}
	for pub, reps := range reports {
		_ = pub.pc.WriteRTCP([]rtcp.Packet{&rtcp.ReceiverReport{SSRC: pub.rtcpSSRC, Reports: reps}})
	}
}
