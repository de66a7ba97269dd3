package outbox_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"rapport/internal/mail/mailtest"
)

// BenchmarkSenderToMailpit sends b.N queued emails to Mailpit on loopback,
// through the sender's rounds (one connection per batch of 100, each
// message marked sent in the database as it is accepted), and reports
// emails a second. The issue asks for at least 200.
//
//	go test -run '^$' -bench SenderToMailpit -benchtime 2000x ./internal/mail/outbox
func BenchmarkSenderToMailpit(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			r := mustRig(b, dialect)
			to := mailtest.Recipient("bench")
			for i := range b.N {
				r.mustQueue(b, fmt.Sprintf("bench:%d", i), to)
			}
			s := r.sender(r.mp.SMTP, "bench")
			b.ResetTimer()
			start := time.Now()
			n, err := s.Round(context.Background())
			elapsed := time.Since(start)
			b.StopTimer()
			if err != nil || n != b.N {
				b.Fatalf("sent %d of %d: %v", n, b.N, err)
			}
			b.ReportMetric(float64(n)/elapsed.Seconds(), "emails/s")
			r.mp.Delete(b, "to:"+to)
		})
	}
}
