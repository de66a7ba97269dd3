package web

import (
	"net/http"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/privacy"
)

// erasureRoutes are a client's erasure of their own data (which waits two
// weeks and can be undone) and an admin's erasure of a client (at once).
func (s *Server) erasureRoutes() {
	if s.privacy == nil || s.privacy.Erasures == nil {
		return
	}
	m := s.mux
	m.HandleFunc("GET /api/v1/erasure", s.signedIn(s.apiPendingErasure))
	m.HandleFunc("POST /api/v1/erasure", s.signedIn(s.apiRequestErasure))
	m.HandleFunc("DELETE /api/v1/erasure", s.signedIn(s.apiCancelErasure))
	m.HandleFunc("POST /api/v1/users/{id}/erasure", s.signedIn(s.apiEraseUser))
	m.HandleFunc("POST /account/erasure", s.signedIn(s.requestErasureForm))
	m.HandleFunc("POST /account/erasure/cancel", s.signedIn(s.cancelErasureForm))
	m.HandleFunc("GET /users/{id}/erase", s.signedIn(s.eraseUserPage))
	m.HandleFunc("POST /users/{id}/erase", s.signedIn(s.eraseUserForm))
}

// apiPendingErasure answers the caller's waiting erasure, or 404.
func (s *Server) apiPendingErasure(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	e, err := s.privacy.PendingErasure(r.Context(), u.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}

// apiRequestErasure asks for the caller's erasure, {"confirm": "their
// email"}: 202 with the erasure, due in two weeks.
func (s *Server) apiRequestErasure(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	s.apiErase(w, r, u.ID, http.StatusAccepted)
}

// apiEraseUser is an admin's erasure of a client, {"confirm": "their
// email"}: 200 with the erasure, done.
func (s *Server) apiEraseUser(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.apiErase(w, r, id, http.StatusOK)
}

func (s *Server) apiErase(w http.ResponseWriter, r *http.Request, id int64, status int) {
	var in struct {
		Confirm string `json:"confirm"`
	}
	err := decodeJSON(w, r, &in)
	var e *privacy.Erasure
	if err == nil {
		e, err = s.privacy.RequestErasure(r.Context(), id, in.Confirm)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, status, e)
}

// apiCancelErasure undoes the caller's waiting erasure: 204.
func (s *Server) apiCancelErasure(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	if err := s.privacy.CancelErasure(r.Context(), u.ID); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// requestErasureForm is the profile's "Erase my data": a wrong
// confirmation comes back on the profile with the reason.
func (s *Server) requestErasureForm(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	err := parseForm(w, r)
	if err == nil {
		_, err = s.privacy.RequestErasure(r.Context(), u.ID, r.PostFormValue("confirm"))
	}
	if app.ErrorCode(err) == app.EINVALID || app.ErrorCode(err) == app.ECONFLICT {
		http.Redirect(w, r, "/profile?erasure="+app.ErrorCode(err)+"#your-data", http.StatusSeeOther)
		return
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	redirectFlash(w, r, "/profile", "erasurerequested")
}

// cancelErasureForm is the profile's "Keep my data".
func (s *Server) cancelErasureForm(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	err := parseForm(w, r)
	if err == nil {
		err = s.privacy.CancelErasure(r.Context(), u.ID)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	redirectFlash(w, r, "/profile", "erasurecancelled")
}

// eraseData is an admin's confirmation page for erasing a client.
type eraseData struct {
	Person  *coaching.User
	Message string
}

func (eraseData) PageTitle() string { return "Erase a client" }

// eraseUserPage asks an admin to confirm an erasure by typing the email.
func (s *Server) eraseUserPage(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	if !s.may(w, r, coaching.ActManageUsers) {
		return
	}
	id, err := pathID(r, "id")
	var p *coaching.User
	if err == nil {
		p, err = s.svc.Client(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "erase", eraseData{Person: p})
}

// eraseUserForm carries an admin's erasure out; a refusal comes back on
// the confirmation page with its reason.
func (s *Server) eraseUserForm(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	if !s.may(w, r, coaching.ActManageUsers) {
		return
	}
	id, err := pathID(r, "id")
	if err == nil {
		err = parseForm(w, r)
	}
	if err == nil {
		_, err = s.privacy.RequestErasure(r.Context(), id, r.PostFormValue("confirm"))
	}
	if code := app.ErrorCode(err); code == app.EINVALID || code == app.ECONFLICT {
		p, perr := s.svc.Client(r.Context(), id)
		if perr != nil {
			s.Error(w, r, perr)
			return
		}
		s.render(w, r, http.StatusBadRequest, "erase", eraseData{Person: p, Message: app.ErrorMessage(err)})
		return
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	redirectFlash(w, r, "/users", "erased")
}
