package web

import (
	"net/http"
	"strconv"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

// scheduleRoutes are what clients book from: the coach's availability and
// session types, the free slots, and booking one.
func (s *Server) scheduleRoutes() {
	m := s.mux
	m.HandleFunc("GET /api/v1/availability", s.signedIn(s.apiAvailability))
	m.HandleFunc("PUT /api/v1/availability", s.signedIn(s.apiSetAvailability))
	m.HandleFunc("GET /api/v1/session-types", s.signedIn(s.apiMySessionTypes))
	m.HandleFunc("POST /api/v1/session-types", s.signedIn(s.apiCreateSessionType))
	m.HandleFunc("DELETE /api/v1/session-types/{id}", s.signedIn(s.apiArchiveSessionType))
	m.HandleFunc("GET /api/v1/coaches/{id}/session-types", s.signedIn(s.apiCoachSessionTypes))
	m.HandleFunc("GET /api/v1/coaches/{id}/slots", s.signedIn(s.apiSlots))
	m.HandleFunc("POST /api/v1/coaches/{id}/bookings", s.signedIn(s.apiBookSlot))
	m.HandleFunc("GET /api/v1/appointments/{id}/slots", s.signedIn(s.apiMoveSlots))
	m.HandleFunc("POST /api/v1/appointments/{id}/move", s.signedIn(s.apiMove))
}

// apiMoveSlots answers where the client could move their appointment to.
func (s *Server) apiMoveSlots(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	var slots *coaching.Slots
	if err == nil {
		slots, err = s.svc.MoveSlots(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, slots)
}

// apiMove moves the client's appointment to a free slot ({"starts_at"}); a
// slot no longer free is 409 with the free slots now.
func (s *Server) apiMove(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	var in struct {
		StartsAt time.Time `json:"starts_at"`
	}
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	var appt *coaching.Appointment
	if err == nil {
		appt, err = s.svc.MoveAppointment(r.Context(), id, in.StartsAt)
	}
	if app.ErrorCode(err) == app.ECONFLICT {
		s.slotTaken(w, r, err, func() (*coaching.Slots, error) { return s.svc.MoveSlots(r.Context(), id) })
		return
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAppointmentJSON(appt))
}

func (s *Server) apiAvailability(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	av, err := s.svc.MyAvailability(r.Context(), tzName(s.viewerLocation(r)))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, av)
}

func (s *Server) apiSetAvailability(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	if !s.may(w, r, coaching.ActBook) {
		return
	}
	var av coaching.Availability
	err := decodeJSON(w, r, &av)
	if err == nil {
		err = s.svc.SetAvailability(r.Context(), &av)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, &av)
}

func (s *Server) apiMySessionTypes(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	s.writeSessionTypes(w, r, u.ID)
}

func (s *Server) apiCoachSessionTypes(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.writeSessionTypes(w, r, id)
}

func (s *Server) writeSessionTypes(w http.ResponseWriter, r *http.Request, coachID int64) {
	list, err := s.svc.SessionTypesOf(r.Context(), coachID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if list == nil {
		list = []*coaching.SessionType{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list})
}

func (s *Server) apiCreateSessionType(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	if !s.may(w, r, coaching.ActBook) {
		return
	}
	var in coaching.NewSessionType
	err := decodeJSON(w, r, &in)
	var st *coaching.SessionType
	if err == nil {
		st, err = s.svc.CreateSessionType(r.Context(), in)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, st)
}

func (s *Server) apiArchiveSessionType(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.svc.ArchiveSessionType(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiSlots answers the free slots of one of a coach's session types
// (?session_type=ID).
func (s *Server) apiSlots(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	coachID, err := pathID(r, "id")
	var typeID int64
	if err == nil {
		typeID, err = queryID(r, "session_type")
	}
	var slots *coaching.Slots
	if err == nil {
		slots, err = s.svc.FreeSlotsOf(r.Context(), coachID, typeID)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, slots)
}

// bookingRequest is a client's booking of a free slot.
type bookingRequest struct {
	SessionTypeID int64     `json:"session_type_id"`
	StartsAt      time.Time `json:"starts_at"`
}

// apiBookSlot books the calling client a free slot of their coach. A slot
// that is not (or no longer) free is 409 with the free slots as they are
// now, so that the page offers fresh ones at once.
func (s *Server) apiBookSlot(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	coachID, err := pathID(r, "id")
	var in bookingRequest
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	var appt *coaching.Appointment
	if err == nil {
		appt, err = s.svc.BookSlot(r.Context(), coachID, in.SessionTypeID, in.StartsAt)
	}
	if app.ErrorCode(err) == app.ECONFLICT {
		s.slotTaken(w, r, err, func() (*coaching.Slots, error) { return s.svc.FreeSlotsOf(r.Context(), coachID, in.SessionTypeID) })
		return
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toAppointmentJSON(appt))
}

// slotTaken answers a booking or a move that lost its slot: the error, and
// the free slots now.
func (s *Server) slotTaken(w http.ResponseWriter, r *http.Request, err error, now func() (*coaching.Slots, error)) {
	fresh, ferr := now()
	if ferr != nil {
		s.Error(w, r, ferr)
		return
	}
	writeJSON(w, http.StatusConflict, map[string]any{
		"error": errorDetail{Code: app.ECONFLICT, Message: app.ErrorMessage(err), Fields: app.ErrorFields(err)},
		"slots": fresh.Starts})
}

// queryID reads a positive ID from the query string; a missing or bad one
// names the parameter.
func queryID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.URL.Query().Get(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, app.Invalid(map[string]string{name: "must be the ID of a session type"})
	}
	return id, nil
}
