package server

import (
	"rapport/internal/audit"
	"rapport/internal/record"
)

// clientRecords builds the clients' records and goals over the database,
// reading the private notes and the questionnaires through their services
// and recording every opening by a coach in rec (the database's audit log
// when rec is nil).
func (a *App) clientRecords(rec audit.Recorder) *record.Service {
	if rec == nil {
		rec = a.DB
	}
	return record.NewService(a.DB, a.Notes, a.Intake, rec, a.clock)
}
