package web

import (
	"net/http"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/intake"
)

// clientIntake is the questionnaires part of a client's page.
type clientIntake struct {
	// Requests are those sent to the client that the viewer may see,
	// newest first: all of them to the client, a coach's own to a coach.
	Requests []*intake.Request
	// Sendable are the viewing coach's questionnaires, to send.
	Sendable    []*intake.Questionnaire
	SendMessage string // why the last one was not sent
}

// clientIntake fills the questionnaires part of client id's page for u;
// an admin sees none of them.
func (s *Server) clientIntake(r *http.Request, u *coaching.User, id int64, sendMessage string) (clientIntake, error) {
	ci := clientIntake{SendMessage: sendMessage}
	list, err := s.intake.ClientRequests(r.Context(), id, intake.AnyState)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return ci, nil
	}
	ci.Requests = list
	if err == nil && u.Role == app.RoleCoach {
		ci.Sendable, err = s.intake.Questionnaires(r.Context())
	}
	return ci, err
}

// dashboardIntake is what the dashboard lists of questionnaires: a
// client's to fill in, a coach's answered lately; nothing for an admin.
func (s *Server) dashboardIntake(r *http.Request, u *coaching.User) ([]*intake.Request, error) {
	f := intake.RequestFilter{State: intake.OpenState, Page: coaching.Page{Limit: 20}}
	switch u.Role {
	case app.RoleClient:
	case app.RoleCoach:
		f = intake.RequestFilter{State: intake.SubmittedState, Page: coaching.Page{Limit: 5}}
	default:
		return nil, nil
	}
	return s.intake.Requests(r.Context(), f)
}

// appointmentIntake are the questionnaires a booking asked its client to
// fill in, for its coach and its client; nothing for an admin.
func (s *Server) appointmentIntake(r *http.Request, u *coaching.User, apptID int64) ([]*intake.Request, error) {
	if u.Role != app.RoleClient && u.Role != app.RoleCoach {
		return nil, nil
	}
	return s.intake.Requests(r.Context(), intake.RequestFilter{AppointmentID: apptID, Page: coaching.Page{Limit: 20}})
}
