package web

import (
	"net/http"

	"rapport/internal/coaching"
)

// seriesRoutes book and end recurring series.
func (s *Server) seriesRoutes() {
	s.mux.HandleFunc("POST /api/v1/series", s.signedIn(s.apiBookSeries))
	s.mux.HandleFunc("DELETE /api/v1/appointments/{id}/following", s.signedIn(s.apiCancelFollowing))
	s.mux.HandleFunc("PATCH /api/v1/appointments/{id}/following", s.signedIn(s.apiMoveFollowing))
	s.mux.HandleFunc("GET /series/{id}/join", s.signedIn(s.joinSeries))
	s.mux.HandleFunc("GET /appointments/{id}/following", s.signedIn(s.moveFollowingPage))
	s.mux.HandleFunc("POST /appointments/{id}/following", s.signedIn(s.moveFollowingForm))
}

// seriesJSON is the body of POST /api/v1/series: a booking, and how it
// repeats.
type seriesJSON struct {
	bookingJSON
	EveryWeeks int    `json:"every_weeks"`
	Count      int    `json:"count"`
	TimeZone   string `json:"time_zone"`
}

// apiBookSeries books a weekly or fortnightly series: all its occurrences,
// or none.
func (s *Server) apiBookSeries(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	if !s.may(w, r, coaching.ActBook) {
		return
	}
	var in seriesJSON
	err := decodeJSON(w, r, &in)
	var list []*coaching.Appointment
	if err == nil {
		start, perr := parseStartsAt(in.StartsAt)
		if err = perr; err == nil {
			list, err = s.svc.BookSeries(r.Context(), coaching.Booking{CoachID: in.CoachID, ClientID: in.ClientID, Title: in.Title,
				StartsAt: start, Duration: coaching.MinutesDuration(in.DurationMinutes), Notes: in.Notes, CallMode: in.CallMode},
				coaching.Repeat{EveryWeeks: in.EveryWeeks, Count: in.Count, Zone: in.TimeZone})
		}
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	items := make([]*appointmentJSON, len(list))
	for i, a := range list {
		items[i] = toAppointmentJSON(a)
	}
	writeJSON(w, http.StatusCreated, map[string]any{"series_id": list[0].SeriesID, "items": items})
}

// apiCancelFollowing cancels an occurrence and the later ones of its series.
func (s *Server) apiCancelFollowing(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	var in struct {
		Reason string `json:"reason"`
	}
	if err == nil && r.ContentLength != 0 {
		err = decodeJSON(w, r, &in)
	}
	var done []*coaching.Appointment
	if err == nil {
		done, err = s.svc.CancelFollowing(r.Context(), id, in.Reason)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"cancelled": appointmentIDs(done)})
}

// apiMoveFollowing moves an occurrence and the later ones of its series:
// {"starts_at": RFC 3339}, the occurrence's new start.
func (s *Server) apiMoveFollowing(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	var in struct {
		StartsAt string `json:"starts_at"`
	}
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	var moved []*coaching.Appointment
	if err == nil {
		start, perr := parseStartsAt(in.StartsAt)
		if err = perr; err == nil {
			moved, err = s.svc.MoveFollowing(r.Context(), id, start)
		}
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	items := make([]*appointmentJSON, len(moved))
	for i, a := range moved {
		items[i] = toAppointmentJSON(a)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// appointmentIDs lists the IDs of appointments.
func appointmentIDs(list []*coaching.Appointment) []int64 {
	ids := make([]int64, len(list))
	for i, a := range list {
		ids[i] = a.ID
	}
	return ids
}

// joinSeries leads a series' calendar link to the room of its current
// occurrence.
func (s *Server) joinSeries(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	a, err := s.svc.CurrentOccurrence(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/rooms/"+a.RoomID, http.StatusSeeOther)
}
