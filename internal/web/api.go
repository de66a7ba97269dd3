package web

import (
	"net/http"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

func (s *Server) apiRoutes() {
	m := s.mux
	m.HandleFunc("GET /api/v1/me", s.signedIn(s.apiMe))
	m.HandleFunc("GET /api/v1/appointments", s.signedIn(s.apiListAppointments))
	m.HandleFunc("POST /api/v1/appointments", s.signedIn(s.apiBook))
	m.HandleFunc("GET /api/v1/appointments/{id}", s.signedIn(s.apiGetAppointment))
	m.HandleFunc("PATCH /api/v1/appointments/{id}", s.signedIn(s.apiUpdateAppointment))
	m.HandleFunc("DELETE /api/v1/appointments/{id}", s.signedIn(s.apiCancelAppointment))
	m.HandleFunc("GET /api/v1/clients", s.signedIn(s.apiListClients))
	m.HandleFunc("POST /api/v1/clients", s.signedIn(s.apiInviteClient))
	m.HandleFunc("GET /api/v1/profile", s.signedIn(s.apiGetProfile))
	m.HandleFunc("PUT /api/v1/profile", s.signedIn(s.apiPutProfile))
	m.HandleFunc("GET /api/v1/users", s.signedIn(s.apiListUsers))
	m.HandleFunc("POST /api/v1/users", s.signedIn(s.apiCreateUser))
	m.HandleFunc("PATCH /api/v1/users/{id}", s.signedIn(s.apiUpdateUser))
}

// userJSON is a user as the API shows it.
type userJSON struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	AvatarURL string    `json:"avatar_url,omitempty"`
	Role      app.Role  `json:"role"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at,omitzero"`
}

func toUserJSON(u *coaching.User) *userJSON {
	if u == nil {
		return nil
	}
	return &userJSON{ID: u.ID, Email: u.Email, Name: u.Name, AvatarURL: u.AvatarURL, Role: u.Role,
		Status: string(u.Status), CreatedAt: u.CreatedAt}
}

func toUsersJSON(us []*coaching.User) []*userJSON {
	out := make([]*userJSON, len(us))
	for i, u := range us {
		out[i] = toUserJSON(u)
	}
	return out
}

type listJSON[T any] struct {
	Items  []T `json:"items"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	writeJSON(w, http.StatusOK, toUserJSON(u))
}

// page reads ?limit= and ?offset=.
func page(r *http.Request) (coaching.Page, error) {
	limit, err := queryInt(r, "limit", 50)
	if err != nil {
		return coaching.Page{}, err
	}
	offset, err := queryInt(r, "offset", 0)
	if limit <= 0 {
		limit = 50
	}
	return coaching.Page{Limit: min(limit, 200), Offset: offset}, err
}

func (s *Server) apiListClients(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	p, err := page(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	clients, err := s.svc.ListClients(r.Context(), p)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, listJSON[*userJSON]{Items: toUsersJSON(clients), Limit: p.Limit, Offset: p.Offset})
}

type profileJSON struct {
	UserID    int64          `json:"user_id"`
	Data      map[string]any `json:"data"`
	UpdatedAt time.Time      `json:"updated_at,omitzero"`
}

func (s *Server) apiGetProfile(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	p, err := s.svc.Profile(r.Context(), u.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, profileJSON{UserID: p.UserID, Data: p.Data, UpdatedAt: p.UpdatedAt})
}

func (s *Server) apiPutProfile(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	var in struct {
		Data map[string]any `json:"data"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if in.Data == nil {
		s.Error(w, r, app.Invalid(map[string]string{"data": "is required: an object of profile fields"}))
		return
	}
	p, err := s.svc.PutProfile(r.Context(), in.Data)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, profileJSON{UserID: p.UserID, Data: p.Data, UpdatedAt: p.UpdatedAt})
}

func (s *Server) apiListUsers(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	if !s.may(w, r, coaching.ActManageUsers) {
		return
	}
	p, err := page(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	f := coaching.UserFilter{Role: app.Role(q.Get("role")), Status: coaching.UserStatus(q.Get("status")), Query: q.Get("q"), Page: p}
	if f.Role != "" && !f.Role.Valid() {
		s.Error(w, r, app.Invalid(map[string]string{"role": "must be admin, coach or client"}))
		return
	}
	if f.Status != "" && !f.Status.Valid() {
		s.Error(w, r, app.Invalid(map[string]string{"status": "must be active, invited or disabled"}))
		return
	}
	users, err := s.svc.ListUsers(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, listJSON[*userJSON]{Items: toUsersJSON(users), Limit: p.Limit, Offset: p.Offset})
}

func (s *Server) apiCreateUser(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	if !s.may(w, r, coaching.ActManageUsers) {
		return
	}
	var in coaching.NewUser
	if err := decodeJSON(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	nu, err := s.svc.CreateUser(r.Context(), in)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toUserJSON(nu))
}

func (s *Server) apiUpdateUser(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	if !s.may(w, r, coaching.ActManageUsers) {
		return
	}
	id, err := pathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var ch coaching.UserChange
	if err := decodeJSON(w, r, &ch); err != nil {
		s.Error(w, r, err)
		return
	}
	nu, err := s.svc.UpdateUser(r.Context(), id, ch)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toUserJSON(nu))
}
