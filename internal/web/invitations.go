package web

import (
	"net/http"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

// invitationRoutes are a coach's invitations and their answers, and a
// client's end of their work with a coach: the API and the forms.
func (s *Server) invitationRoutes() {
	m := s.mux
	m.HandleFunc("GET /api/v1/invitations", s.signedIn(s.apiListInvitations))
	m.HandleFunc("POST /api/v1/invitations/{coach_id}/accept", s.signedIn(s.apiAcceptInvitation))
	m.HandleFunc("POST /api/v1/invitations/{coach_id}/decline", s.signedIn(s.apiDeclineInvitation))
	m.HandleFunc("DELETE /api/v1/coaches/{coach_id}", s.signedIn(s.apiEndCoaching))
	m.HandleFunc("POST /invitations/{coach_id}/accept", s.signedIn(s.acceptInvitationForm))
	m.HandleFunc("POST /invitations/{coach_id}/decline", s.signedIn(s.declineInvitationForm))
	m.HandleFunc("GET /coaches/{coach_id}/end", s.signedIn(s.endCoachingPage))
	m.HandleFunc("POST /coaches/{coach_id}/end", s.signedIn(s.endCoachingForm))
}

// inviteJSON is the one answer to an invitation, whoever has the email.
type inviteJSON struct {
	Email  string `json:"email"`
	Status string `json:"status"`
}

// invitationJSON is an invitation as the API lists it: a coach's sent one
// (email and name as typed), or a client's received one (with its coach).
type invitationJSON struct {
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	Coach     *userJSON `json:"coach,omitempty"`
}

func toInvitationsJSON(list []*coaching.Invitation) []*invitationJSON {
	out := make([]*invitationJSON, len(list))
	for i, inv := range list {
		out[i] = &invitationJSON{Email: inv.Email, Name: inv.Name, CreatedAt: inv.CreatedAt, Coach: toUserJSON(inv.Coach)}
	}
	return out
}

func (s *Server) apiInviteClient(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	if !s.may(w, r, coaching.ActInvite) {
		return
	}
	var in coaching.Invite
	if err := decodeJSON(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	inv, err := s.svc.InviteClient(r.Context(), in)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, inviteJSON{Email: inv.Email, Status: "invited"})
}

// apiListInvitations lists a coach's sent invitations, or a client's
// received ones.
func (s *Server) apiListInvitations(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	p, err := page(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var list []*coaching.Invitation
	if u.Role == app.RoleCoach {
		list, err = s.svc.SentInvitations(r.Context(), p)
	} else {
		list, err = s.svc.ReceivedInvitations(r.Context(), p)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, listJSON[*invitationJSON]{Items: toInvitationsJSON(list), Limit: p.Limit, Offset: p.Offset})
}

func (s *Server) apiAcceptInvitation(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	id, err := pathID(r, "coach_id")
	var coach *coaching.User
	if err == nil {
		coach, err = s.svc.AcceptInvitation(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"coach": toUserJSON(coach), "status": "accepted"})
}

func (s *Server) apiDeclineInvitation(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	id, err := pathID(r, "coach_id")
	if err == nil {
		err = s.svc.DeclineInvitation(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiEndCoaching ends the calling client's work with a coach; the reason
// comes from an optional body {"reason": "..."}. Who is not the coach's
// client hears so before the body is read.
func (s *Server) apiEndCoaching(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	id, err := pathID(r, "coach_id")
	if err == nil {
		_, err = s.svc.Coach(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if r.ContentLength != 0 && r.Body != http.NoBody {
		if err := decodeJSON(w, r, &in); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	cancelled, err := s.svc.EndCoaching(r.Context(), id, in.Reason)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	ids := make([]int64, len(cancelled))
	for i, a := range cancelled {
		ids[i] = a.ID
	}
	writeJSON(w, http.StatusOK, map[string]any{"coach_id": id, "cancelled": ids})
}

func (s *Server) acceptInvitationForm(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	id, err := pathID(r, "coach_id")
	if err == nil {
		_, err = s.svc.AcceptInvitation(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	redirectFlash(w, r, "/dashboard", "accepted")
}

func (s *Server) declineInvitationForm(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	id, err := pathID(r, "coach_id")
	if err == nil {
		err = s.svc.DeclineInvitation(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	redirectFlash(w, r, "/dashboard", "declined")
}

type endCoachingData struct {
	Coach   *coaching.User
	Reason  string
	Fields  map[string]string
	Message string
}

func (endCoachingData) PageTitle() string { return "End your work with a coach" }

// endCoachingPage asks the client to confirm, with an optional reason.
func (s *Server) endCoachingPage(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	id, err := pathID(r, "coach_id")
	var coach *coaching.User
	if err == nil {
		coach, err = s.svc.Coach(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "coach_end", endCoachingData{Coach: coach})
}

func (s *Server) endCoachingForm(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	id, err := pathID(r, "coach_id")
	var coach *coaching.User
	if err == nil {
		coach, err = s.svc.Coach(r.Context(), id)
	}
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	reason := r.PostFormValue("reason")
	if _, err := s.svc.EndCoaching(r.Context(), id, reason); err != nil {
		s.formError(w, r, err, func(status int) {
			s.render(w, r, status, "coach_end", endCoachingData{Coach: coach, Reason: reason,
				Fields: app.ErrorFields(err), Message: formMessage(err)})
		})
		return
	}
	redirectFlash(w, r, "/dashboard", "ended")
}
