package server

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// roomMetrics are the rooms' Prometheus metrics.
type roomMetrics struct {
	stored  prometheus.Histogram
	written prometheus.Histogram
	live    prometheus.Gauge
}

func newRoomMetrics(reg *prometheus.Registry) *roomMetrics {
	m := &roomMetrics{
		stored: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "rapport_chat_stored_seconds",
			Help:    "Time from a room receiving a chat message to its being stored and sent out.",
			Buckets: []float64{.001, .002, .005, .01, .02, .05, .1, .2, .5, 1, 2},
		}),
		written: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "rapport_chat_written_seconds",
			Help:    "Time from a room receiving a chat message to its being written to a WebSocket (each recipient, and the sender's acknowledgement).",
			Buckets: []float64{.001, .002, .005, .01, .02, .05, .1, .2, .5, 1, 2},
		}),
		live: prometheus.NewGauge(prometheus.GaugeOpts{Name: "rapport_rooms_live", Help: "Rooms with a live call on this server."}),
	}
	reg.MustRegister(m.stored, m.written, m.live)
	return m
}

// ChatStored implements room.Observer.
func (m *roomMetrics) ChatStored(took time.Duration) {
	m.stored.Observe(took.Seconds())
}

// ChatWritten implements room.Observer.
func (m *roomMetrics) ChatWritten(took time.Duration) {
	m.written.Observe(took.Seconds())
}

// RoomsChanged implements room.Observer.
func (m *roomMetrics) RoomsChanged(live int) { m.live.Set(float64(live)) }

// mediaMetrics reads the SFU's and the TURN server's counters when
// /metrics is scraped, once per scrape: nothing is counted per packet for
// Prometheus.
type mediaMetrics struct{ a *App }

var (
	sfuRooms     = prometheus.NewDesc("rapport_sfu_rooms", "Rooms with media in the SFU.", nil, nil)
	sfuPeers     = prometheus.NewDesc("rapport_sfu_peers", "Peer connections with the SFU.", nil, nil)
	sfuTracks    = prometheus.NewDesc("rapport_sfu_tracks", "Tracks published to the SFU.", nil, nil)
	sfuForwarded = prometheus.NewDesc("rapport_sfu_forwarded_packets_total", "RTP packets the SFU forwarded to subscribers.", nil, nil)
	sfuKeyframes = prometheus.NewDesc("rapport_sfu_keyframe_requests_total", "Keyframe requests (PLI) the SFU sent to publishers.", nil, nil)
	sfuFastPath  = prometheus.NewDesc("rapport_sfu_fast_path_packets_total", "RTP packets the SFU took from publishers on its fast path (decrypted and forwarded on the socket's goroutine).", nil, nil)
	turnAllocs   = prometheus.NewDesc("rapport_turn_allocations", "Relays open on the embedded TURN server.", nil, nil)
	callPaths    = prometheus.NewDesc("rapport_call_participants", "People in live rooms, by the network path their media takes (as their browsers report it).", []string{"path"}, nil)
)

// Describe implements prometheus.Collector.
func (m mediaMetrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{sfuRooms, sfuPeers, sfuTracks, sfuForwarded, sfuKeyframes, sfuFastPath, turnAllocs, callPaths} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (m mediaMetrics) Collect(ch chan<- prometheus.Metric) {
	st := m.a.Media.Stats()
	ch <- prometheus.MustNewConstMetric(sfuRooms, prometheus.GaugeValue, float64(st.Rooms))
	ch <- prometheus.MustNewConstMetric(sfuPeers, prometheus.GaugeValue, float64(st.Peers))
	ch <- prometheus.MustNewConstMetric(sfuTracks, prometheus.GaugeValue, float64(st.Tracks))
	ch <- prometheus.MustNewConstMetric(sfuForwarded, prometheus.CounterValue, float64(st.Forwarded))
	ch <- prometheus.MustNewConstMetric(sfuKeyframes, prometheus.CounterValue, float64(st.KeyframeRequests))
	ch <- prometheus.MustNewConstMetric(sfuFastPath, prometheus.CounterValue, float64(st.FastPath))
	for path, n := range m.a.Rooms.Paths() {
		ch <- prometheus.MustNewConstMetric(callPaths, prometheus.GaugeValue, float64(n), path)
	}
	if m.a.TURN != nil {
		ch <- prometheus.MustNewConstMetric(turnAllocs, prometheus.GaugeValue, float64(m.a.TURN.Allocations()))
	}
}
