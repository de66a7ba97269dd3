package sfu

import (
	"context"
	"time"

	"github.com/pion/rtcp"
)

// reportEvery is how many of the SFU's RTCP ticks (rtcpInterval) go by
// between two receiver reports to a publisher: a second.
const reportEvery = 10

// reporter sends the SFU's RTCP reports. Publishers hear what the SFU
// received of their tracks: NACKs for lost video packets on every tick,
// receiver reports (loss, jitter, and the delay since the last sender
// report, from which the publisher's browser measures its round trip)
// every second. Subscribers get a sender report a second for each track
// they receive (the RTP time of the wall clock's now, which their browser
// synchronises audio and video with, and the counts). What arrived is kept
// by each layer's receiveLog, what was sent by each downTrack; the SFU's
// one RTCP tick (rtcpTicks) sends it, so that the cost does not grow with
// the number of peers' timers.
type reporter struct {
	layers tickSet[*layer]     // received over WebRTC
	downs  tickSet[*downTrack] // sent to WebRTC subscribers
	seqs   []uint16            // a layer's missing packets, reused
	ticks  int
}

// tick sends the NACKs due, and on every reportEvery-th tick the receiver
// reports, one per publisher.
func (r *reporter) tick(context.Context) {
	r.ticks++
	var reports map[*Peer][]rtcp.ReceptionReport
	if r.ticks%reportEvery == 0 {
		reports = map[*Peer][]rtcp.ReceptionReport{}
	}
	now := time.Now().UnixNano()
	for _, l := range r.layers.snapshot() {
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
	if reports != nil {
		r.sendSenderReports(now)
	}
}

// sendSenderReports sends each subscriber the sender reports of the tracks
// it receives, in one compound packet.
func (r *reporter) sendSenderReports(now int64) {
	bySub := map[*Peer][]rtcp.Packet{}
	for _, d := range r.downs.snapshot() {
		if sr, ok := d.senderReport(now); ok {
			bySub[d.sub] = append(bySub[d.sub], sr)
		}
	}
	for sub, pkts := range bySub {
		_ = sub.pc.WriteRTCP(pkts)
	}
}
