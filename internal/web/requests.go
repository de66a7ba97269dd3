package web

import (
	"net/http"
	"slices"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

// requestRoutes are the coach's answers to booking requests: through the
// API, and the dashboard's and appointment page's Accept and Decline.
func (s *Server) requestRoutes() {
	m := s.mux
	m.HandleFunc("POST /api/v1/appointments/{id}/accept", s.signedIn(s.apiAcceptRequest))
	m.HandleFunc("POST /api/v1/appointments/{id}/decline", s.signedIn(s.apiDeclineRequest))
	m.HandleFunc("POST /appointments/{id}/accept", s.signedIn(s.acceptRequestForm))
	m.HandleFunc("POST /appointments/{id}/decline", s.signedIn(s.declineRequestForm))
}

// apiAcceptRequest confirms a request: 200 with the appointment, now
// scheduled. Who may not answer it is told so (404 or 403) first; a
// request answered or lapsed already is 409.
func (s *Server) apiAcceptRequest(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	var a *coaching.Appointment
	if err == nil {
		a, err = s.svc.AcceptRequest(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAppointmentJSON(a))
}

// apiDeclineRequest turns a request down, with an optional JSON body
// {"reason": "..."}; who may not answer it is told so before the body is
// read.
func (s *Server) apiDeclineRequest(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.svc.CheckAnswer(r.Context(), id)
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err == nil && r.ContentLength != 0 && r.Body != http.NoBody {
		err = decodeJSON(w, r, &in)
	}
	var a *coaching.Appointment
	if err == nil {
		a, err = s.svc.DeclineRequest(r.Context(), id, in.Reason)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAppointmentJSON(a))
}

// acceptRequestForm is the Accept button; it goes back to where it was
// pressed (the dashboard or the appointment's page).
func (s *Server) acceptRequestForm(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	if err == nil {
		err = parseForm(w, r)
	}
	if err == nil {
		_, err = s.svc.AcceptRequest(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	redirectFlash(w, r, backTo(r, id), "requestaccepted")
}

// declineRequestForm is the Decline button, with the reason typed beside
// it (optional).
func (s *Server) declineRequestForm(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.svc.CheckAnswer(r.Context(), id)
	}
	if err == nil {
		err = parseForm(w, r)
	}
	if err == nil {
		_, err = s.svc.DeclineRequest(r.Context(), id, r.PostFormValue("reason"))
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	redirectFlash(w, r, backTo(r, id), "requestdeclined")
}

// backTo is where an answer's form returns: the appointment's page when
// it was sent from there, else the dashboard. Only these two: a form
// field cannot send the browser elsewhere.
func backTo(r *http.Request, id int64) string {
	if r.PostFormValue("back") == "appointment" {
		return "/appointments/" + itoa(id)
	}
	return "/dashboard"
}

// requestLabel says where a request stands, for the viewer: the client
// waits for their coach, the coach has it to answer; one that reached its
// start unanswered lapsed. It is "" for any other appointment.
func requestLabel(a *coaching.Appointment, viewer *coaching.User, now time.Time) string {
	switch {
	case a.Status != coaching.ApptRequested:
		return ""
	case a.Lapsed(now):
		return "Lapsed — not answered in time"
	case viewer.ID == a.ClientID && a.Coach != nil:
		return "Requested — waiting for " + a.Coach.DisplayName()
	case viewer.ID == a.CoachID:
		return "Request — accept or decline"
	}
	return "Requested — waiting for the coach"
}

// pendingRequests are the viewer's requests still waiting for an answer
// (a coach's to answer, a client's waiting), soonest first; lapsed ones
// are left out.
func (s *Server) pendingRequests(r *http.Request, u *coaching.User, now time.Time) ([]apptRow, error) {
	if u.Role == app.RoleAdmin {
		return nil, nil
	}
	list, err := s.svc.ListAppointments(r.Context(), coaching.AppointmentFilter{Status: coaching.ApptRequested,
		From: now, Page: coaching.Page{Limit: 20}})
	list = slices.DeleteFunc(list, func(a *coaching.Appointment) bool { return a.Lapsed(now) })
	return rows(list, u, now), err
}
