package web

import (
	"net/http"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

// emailChoiceRoutes are each person's choices of the emails they get: on
// the profile page and through the API.
func (s *Server) emailChoiceRoutes() {
	m := s.mux
	m.HandleFunc("GET /api/v1/profile/email", s.signedIn(s.apiEmailChoices))
	m.HandleFunc("PUT /api/v1/profile/email", s.signedIn(s.apiSetEmailChoices))
	m.HandleFunc("POST /profile/email", s.signedIn(s.saveEmailChoicesForm))
}

func (s *Server) apiEmailChoices(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	c, err := s.svc.EmailChoices(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// apiSetEmailChoices replaces the caller's choices: every choice must be
// given, so that a client that does not know a newer one cannot turn it
// off by leaving it out.
func (s *Server) apiSetEmailChoices(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	var in struct {
		Bookings  *bool `json:"bookings"`
		Reminders *bool `json:"reminders"`
		Messages  *bool `json:"messages"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	fields := map[string]string{}
	for name, v := range map[string]*bool{coaching.ChoiceBookings: in.Bookings, coaching.ChoiceReminders: in.Reminders, coaching.ChoiceMessages: in.Messages} {
		if v == nil {
			fields[name] = "is required: true or false"
		}
	}
	if err := app.Invalid(fields); err != nil {
		s.Error(w, r, err)
		return
	}
	c, err := s.svc.SetEmailChoices(r.Context(), coaching.EmailChoices{Bookings: *in.Bookings, Reminders: *in.Reminders, Messages: *in.Messages})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// saveEmailChoicesForm reads the profile's checkboxes: a box left
// unticked is not sent, and means no.
func (s *Server) saveEmailChoicesForm(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	if err := parseForm(w, r); err != nil {
		s.Error(w, r, err)
		return
	}
	c := coaching.EmailChoices{Bookings: r.PostFormValue(coaching.ChoiceBookings) != "",
		Reminders: r.PostFormValue(coaching.ChoiceReminders) != "", Messages: r.PostFormValue(coaching.ChoiceMessages) != ""}
	if _, err := s.svc.SetEmailChoices(r.Context(), c); err != nil {
		s.Error(w, r, err)
		return
	}
	redirectFlash(w, r, "/profile", "emailssaved")
}
