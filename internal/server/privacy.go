package server

import (
	"time"

	"rapport/internal/app"
	"rapport/internal/audit"
	"rapport/internal/privacy"
)

// buildPrivacy builds the clients' export and erasure over the database,
// recording each export in rec (the database's audit log when rec is nil);
// an erasure records in the database, in its own transaction.
func (a *App) buildPrivacy(rec audit.Recorder) {
	if rec == nil {
		rec = a.DB
	}
	a.Privacy = &privacy.Service{Store: a.DB, Erasures: a.DB, Clock: a.Service.Clock, Audit: rec, Holder: leaseHolder("export")}
}

// erasures is the loop that carries out the erasures whose two weeks have
// passed, every hour on one server at a time (the lease "erasures").
func (a *App) erasures() *app.LeasedLoop {
	return &app.LeasedLoop{Name: "erasures", Lease: a.DB, Holder: leaseHolder("erasures"), Clock: a.Service.Clock,
		Every: time.Hour, Job: a.Privacy.EraseDue, Did: "erased", Log: a.log}
}
