package server

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// roomMetrics are the rooms' Prometheus metrics.
type roomMetrics struct {
	stored prometheus.Histogram
	live   prometheus.Gauge
}

func newRoomMetrics(reg *prometheus.Registry) *roomMetrics {
	m := &roomMetrics{
		stored: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "rapport_chat_stored_seconds",
			Help:    "Time from a room receiving a chat message to its being stored and sent out.",
			Buckets: []float64{.001, .002, .005, .01, .02, .05, .1, .2, .5, 1, 2},
		}),
		live: prometheus.NewGauge(prometheus.GaugeOpts{Name: "rapport_rooms_live", Help: "Rooms with a live call on this server."}),
	}
	reg.MustRegister(m.stored, m.live)
	return m
}

// ChatStored implements room.Observer.
func (m *roomMetrics) ChatStored(took time.Duration) {
	m.stored.Observe(took.Seconds())
}

// RoomsChanged implements room.Observer.
func (m *roomMetrics) RoomsChanged(live int) { m.live.Set(float64(live)) }

// mediaMetrics reads the SFU's and the TURN server's counters when
// /metrics is scraped: nothing is counted per packet for Prometheus.
func mediaMetrics(reg *prometheus.Registry, a *App) {
	gauge := func(name, help string, v func() float64) {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, v))
	}
	counter := func(name, help string, v func() float64) {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, v))
	}
	gauge("rapport_sfu_rooms", "Rooms with media in the SFU.", func() float64 { return float64(a.Media.Stats().Rooms) })
	gauge("rapport_sfu_peers", "Peer connections with the SFU.", func() float64 { return float64(a.Media.Stats().Peers) })
	gauge("rapport_sfu_tracks", "Tracks published to the SFU.", func() float64 { return float64(a.Media.Stats().Tracks) })
	counter("rapport_sfu_forwarded_packets_total", "RTP packets the SFU forwarded to subscribers.",
		func() float64 { return float64(a.Media.Stats().Forwarded) })
	counter("rapport_sfu_keyframe_requests_total", "Keyframe requests (PLI) the SFU sent to publishers.",
		func() float64 { return float64(a.Media.Stats().KeyframeRequests) })
	if a.TURN != nil {
		gauge("rapport_turn_allocations", "Relays open on the embedded TURN server.", func() float64 { return float64(a.TURN.Allocations()) })
	}
}
