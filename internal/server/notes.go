package server

import (
	"context"
	"log/slog"

	"rapport/internal/audit"
	"rapport/internal/notes"
)

// privateNotes builds the coaches' private notes over the database,
// recording every read in rec (a stand-in that writes each entry to the
// log when rec is nil), and lets the admins read them when
// PRIVATE_NOTES_ADMINS says so.
func (a *App) privateNotes(rec audit.Recorder) *notes.Service {
	if rec == nil {
		rec = logRecorder{log: a.log}
	}
	svc := notes.NewService(a.DB, rec, a.clock)
	svc.AdminsRead = a.Config.Privacy.NotesAdmins
	return svc
}

// logRecorder keeps audit entries in the server's log, until the audit log
// has a table of its own to keep them in.
type logRecorder struct{ log *slog.Logger }

// Record implements audit.Recorder.
func (r logRecorder) Record(ctx context.Context, e *audit.Entry) error {
	r.log.InfoContext(ctx, "audit", "action", e.Action, "actor", e.ActorID, "subject", e.SubjectID, "detail", e.Detail, "at", e.At)
	return nil
}
