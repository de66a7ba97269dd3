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
