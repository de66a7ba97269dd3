package server

import (
	"rapport/internal/audit"
	"rapport/internal/notes"
)

// privateNotes builds the coaches' private notes over the database,
// recording every read in rec (the database's audit log when rec is nil),
// and lets the admins read them when PRIVATE_NOTES_ADMINS says so.
func (a *App) privateNotes(rec audit.Recorder) *notes.Service {
	if rec == nil {
		rec = a.DB
	}
	svc := notes.NewService(a.DB, rec, a.clock)
	svc.AdminsRead = a.Config.Privacy.NotesAdmins
	return svc
}
