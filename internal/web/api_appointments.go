package web

import (
	"net/http"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

// appointmentJSON is an appointment as the API shows it.
type appointmentJSON struct {
	ID              int64     `json:"id"`
	Title           string    `json:"title"`
	StartsAt        time.Time `json:"starts_at"`
	EndsAt          time.Time `json:"ends_at"`
	DurationMinutes int       `json:"duration_minutes"`
	Status          string    `json:"status"`
	RoomID          string    `json:"room_id"`
	RoomURL         string    `json:"room_url"`
	Notes           string    `json:"notes"`
	CancelReason    string    `json:"cancel_reason,omitempty"`
	CancelledLate   bool      `json:"cancelled_late,omitempty"`
	SeriesID        string    `json:"series_id,omitempty"`
	CallMode        string    `json:"call_mode"` // "sfu", "p2p", or "": the server's default
	Coach           *userJSON `json:"coach"`
	Client          *userJSON `json:"client"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

func toAppointmentJSON(a *coaching.Appointment) *appointmentJSON {
	return &appointmentJSON{
		ID: a.ID, Title: a.Title, StartsAt: a.StartsAt, EndsAt: a.EndsAt(), DurationMinutes: int(a.Duration / time.Minute),
		Status: string(a.Status), RoomID: a.RoomID, RoomURL: "/rooms/" + a.RoomID, Notes: a.Notes,
		CancelReason: a.CancelReason, CancelledLate: a.CancelledLate, SeriesID: a.SeriesID, CallMode: string(a.CallMode), Coach: toUserJSON(a.Coach), Client: toUserJSON(a.Client),
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
	}
}

// bookingJSON is the body of POST /api/v1/appointments.
type bookingJSON struct {
	CoachID         int64             `json:"coach_id"`
	ClientID        int64             `json:"client_id"`
	Title           string            `json:"title"`
	StartsAt        string            `json:"starts_at"`
	DurationMinutes int64             `json:"duration_minutes"`
	Notes           string            `json:"notes"`
	CallMode        coaching.CallMode `json:"call_mode"` // absent or "": the server's default
}

// changeJSON is the body of PATCH /api/v1/appointments/{id}.
type changeJSON struct {
	Title           *string                     `json:"title"`
	StartsAt        *string                     `json:"starts_at"`
	DurationMinutes *int64                      `json:"duration_minutes"`
	Notes           *string                     `json:"notes"`
	Status          *coaching.AppointmentStatus `json:"status"`
	CallMode        *coaching.CallMode          `json:"call_mode"` // absent: unchanged; "": the server's default
}

func (c changeJSON) change() (coaching.AppointmentChange, error) {
	ch := coaching.AppointmentChange{Title: c.Title, Notes: c.Notes, Status: c.Status, CallMode: c.CallMode}
	if c.DurationMinutes != nil {
		d := coaching.MinutesDuration(*c.DurationMinutes)
		ch.Duration = &d
	}
	if c.StartsAt != nil {
		t, err := parseStartsAt(*c.StartsAt)
		if err != nil {
			return ch, err
		}
		ch.StartsAt = &t
	}
	return ch, nil
}

// parseStartsAt reads an RFC 3339 time, naming the field when it is not one.
func parseStartsAt(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, app.Invalid(map[string]string{"starts_at": "must be a time with its zone, like 2030-01-02T15:04:00+01:00"})
	}
	return t, nil
}

func (s *Server) apiListAppointments(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	f, err := appointmentFilter(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	list, err := s.svc.ListAppointments(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	items := make([]*appointmentJSON, len(list))
	for i, a := range list {
		items[i] = toAppointmentJSON(a)
	}
	writeJSON(w, http.StatusOK, listJSON[*appointmentJSON]{Items: items, Limit: f.Page.Limit, Offset: f.Page.Offset})
}

// appointmentFilter reads ?status=&from=&to=&order=&limit=&offset=.
func appointmentFilter(r *http.Request) (coaching.AppointmentFilter, error) {
	q := r.URL.Query()
	p, err := page(r)
	if err != nil {
		return coaching.AppointmentFilter{}, err
	}
	f := coaching.AppointmentFilter{Status: coaching.AppointmentStatus(q.Get("status")), Desc: q.Get("order") == "desc", Page: p}
	fields := map[string]string{}
	if f.Status != "" && !f.Status.Valid() {
		fields["status"] = "must be requested, scheduled, cancelled, completed or no_show"
	}
	if o := q.Get("order"); o != "" && o != "asc" && o != "desc" {
		fields["order"] = "must be asc or desc"
	}
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				fields[name] = "must be a time like 2030-01-02T15:04:05Z"
			}
			*dst = t
		}
	}
	return f, app.Invalid(fields)
}

func (s *Server) apiBook(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	if !s.may(w, r, coaching.ActBook) {
		return
	}
	var in bookingJSON
	if err := decodeJSON(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	start, err := parseStartsAt(in.StartsAt)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	a, err := s.svc.Book(r.Context(), coaching.Booking{CoachID: in.CoachID, ClientID: in.ClientID, Title: in.Title,
		StartsAt: start, Duration: coaching.MinutesDuration(in.DurationMinutes), Notes: in.Notes, CallMode: in.CallMode})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/appointments/"+itoa(a.ID))
	writeJSON(w, http.StatusCreated, toAppointmentJSON(a))
}

func (s *Server) apiGetAppointment(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	id, err := pathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	a, err := s.svc.Appointment(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAppointmentJSON(a))
}

// apiUpdateAppointment edits an appointment. Who may not edit it is told so
// (404 or 403) before the body is read.
func (s *Server) apiUpdateAppointment(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.svc.CheckEdit(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in changeJSON
	if err := decodeJSON(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	ch, err := in.change()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	a, err := s.svc.UpdateAppointment(r.Context(), id, ch)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAppointmentJSON(a))
}

// apiCancelAppointment cancels; the reason comes from an optional JSON body
// {"reason": "..."} or the ?reason= parameter. Who may not see the
// appointment is told it does not exist before the body is read.
func (s *Server) apiCancelAppointment(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	id, err := pathID(r, "id")
	if err == nil {
		_, err = s.svc.Appointment(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in struct {
		Reason string `json:"reason"`
	}
	in.Reason = r.URL.Query().Get("reason")
	if r.ContentLength != 0 && r.Body != http.NoBody {
		if err := decodeJSON(w, r, &in); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	a, err := s.svc.CancelAppointment(r.Context(), id, in.Reason)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAppointmentJSON(a))
}
