package web

import (
	"net/http"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

// publicAPIRoutes are the public booking link in JSON: a coach's open
// session types and free slots for anyone, booking for a signed-in
// client, and the coach's own link.
func (s *Server) publicAPIRoutes() {
	m := s.mux
	m.HandleFunc("GET /api/v1/public/coaches/{slug}", s.apiPublicCoach)
	m.HandleFunc("GET /api/v1/public/coaches/{slug}/slots", s.apiPublicSlots)
	m.HandleFunc("POST /api/v1/public/coaches/{slug}/bookings", s.signedIn(s.apiPublicBook))
	m.HandleFunc("GET /api/v1/public-link", s.signedIn(s.apiPublicLink))
	m.HandleFunc("PUT /api/v1/public-link", s.signedIn(s.apiSetPublicLink))
}

func (s *Server) apiPublicCoach(w http.ResponseWriter, r *http.Request) {
	page, err := s.svc.PublicPage(r.Context(), r.PathValue("slug"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	types := make([]publicTypeJSON, len(page.Types))
	for i, st := range page.Types {
		types[i] = toPublicType(st)
	}
	writeJSON(w, http.StatusOK, map[string]any{"name": page.Name, "slug": page.Slug, "session_types": types})
}

// publicTypeJSON is a session type as anyone may see it on a public link:
// what it is, not who stored it when.
type publicTypeJSON struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Minutes     int    `json:"duration_minutes"`
	Description string `json:"description"`
	Confirm     string `json:"confirm"`
}

func toPublicType(st *coaching.SessionType) publicTypeJSON {
	return publicTypeJSON{ID: st.ID, Name: st.Name, Minutes: st.Minutes, Description: st.Description, Confirm: st.Confirm}
}

// apiPublicSlots answers the free slots of an open session type
// (?session_type=ID): the times only.
func (s *Server) apiPublicSlots(w http.ResponseWriter, r *http.Request) {
	typeID, err := queryID(r, "session_type")
	var slots *coaching.Slots
	if err == nil {
		slots, err = s.svc.PublicSlots(r.Context(), coaching.PublicLink{Slug: r.PathValue("slug"), TypeID: typeID})
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"time_zone": slots.TimeZone, "session_type": toPublicType(slots.Type), "slots": slots.Starts})
}

// apiPublicBook books the calling client a free slot through a public
// link, as POST /api/v1/coaches/{id}/bookings does; a slot no longer
// free is 409 with the free slots now.
func (s *Server) apiPublicBook(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	var in bookingRequest
	err := decodeJSON(w, r, &in)
	link := coaching.PublicLink{Slug: r.PathValue("slug"), TypeID: in.SessionTypeID}
	var appt *coaching.Appointment
	if err == nil {
		appt, err = s.svc.BookPublic(r.Context(), link, in.StartsAt)
	}
	if app.ErrorCode(err) == app.ECONFLICT {
		s.slotTaken(w, r, err, func() (*coaching.Slots, error) { return s.svc.PublicSlots(r.Context(), link) })
		return
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toAppointmentJSON(appt))
}

// publicLinkJSON is a coach's public booking link.
type publicLinkJSON struct {
	Slug string `json:"slug"`
	URL  string `json:"url"`
}

func (s *Server) apiPublicLink(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	slug, err := s.svc.MyPublicSlug(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, publicLinkJSON{Slug: slug, URL: s.baseURL(r) + "/book/" + slug})
}

func (s *Server) apiSetPublicLink(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	var in publicLinkJSON
	err := decodeJSON(w, r, &in)
	slug := ""
	if err == nil {
		slug, err = s.svc.SetPublicSlug(r.Context(), in.Slug)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, publicLinkJSON{Slug: slug, URL: s.baseURL(r) + "/book/" + slug})
}
