package coaching

import (
	"context"

	"rapport/internal/app"
)

// What the AI co-coach keeps of a call: the transcript of what was said, and
// the summary it writes afterwards. They are the coach's: the client reads
// the transcript of a call they were in, and the summary once the coach
// shares it; nobody else (admins neither) reads them.

// Summary returns the AI's summary of an appointment's call: to its coach,
// and to its client once shared. Anyone else is told there is none.
func (s *Service) Summary(ctx context.Context, appointmentID int64) (*Summary, error) {
	a, appt, err := s.participant(ctx, appointmentID)
	if err != nil {
		return nil, err
	}
	sum, err := s.Store.SummaryOf(ctx, appt.ID)
	if err != nil {
		return nil, err
	}
	if a.UserID != appt.CoachID && !sum.Shared {
		return nil, notFound("summary")
	}
	return sum, nil
}

// ShareSummary lets the client read the summary, or stops it: the coach's
// choice alone.
func (s *Service) ShareSummary(ctx context.Context, appointmentID int64, shared bool) error {
	a, appt, err := s.participant(ctx, appointmentID)
	if err != nil {
		return err
	}
	if a.UserID != appt.CoachID {
		return app.Errorf(app.EFORBIDDEN, "only the coach shares the summary")
	}
	return s.Store.ShareSummary(ctx, appt.ID, shared)
}

// Transcript returns what was said in a call, as the AI heard it, to the
// appointment's coach and client.
func (s *Service) Transcript(ctx context.Context, session *CallSession) ([]*TranscriptLine, error) {
	if _, _, err := s.participant(ctx, session.AppointmentID); err != nil {
		return nil, err
	}
	return s.Store.TranscriptLines(ctx, session.ID, 0, 2000)
}

// participant returns the caller and the appointment when the caller is
// its coach or client; anyone else is told it does not exist.
func (s *Service) participant(ctx context.Context, appointmentID int64) (*app.Actor, *Appointment, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, nil, err
	}
	appt, err := s.Store.AppointmentByID(ctx, appointmentID)
	if err != nil {
		return nil, nil, err
	}
	if !CanEnterRoom(a, appt) {
		return nil, nil, notFound("appointment")
	}
	return a, appt, nil
}
