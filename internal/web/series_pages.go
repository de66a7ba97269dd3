package web

import (
	"net/http"
	"strconv"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

// moveFollowingData fills the page that moves an occurrence of a series
// and every later one.
type moveFollowingData struct {
	Appointment *coaching.Appointment
	StartsAt    string // datetime-local, in TZ
	TZ          string
	Fields      map[string]string
	Message     string
}

func (moveFollowingData) PageTitle() string { return "Move the series" }

// moveFollowingPage asks the coach for an occurrence's new day and time.
func (s *Server) moveFollowingPage(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	a, ok := s.seriesOccurrence(w, r, u)
	if !ok {
		return
	}
	loc := s.viewerLocation(r)
	s.render(w, r, http.StatusOK, "series_move", moveFollowingData{Appointment: a,
		StartsAt: a.StartsAt.In(loc).Format(formTimeLayout), TZ: tzName(loc)})
}

// moveFollowingForm moves the occurrence and every later one.
func (s *Server) moveFollowingForm(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	a, ok := s.seriesOccurrence(w, r, u)
	if !ok {
		return
	}
	if err := parseForm(w, r); err != nil {
		s.Error(w, r, err)
		return
	}
	d := moveFollowingData{Appointment: a, StartsAt: r.PostFormValue("starts_at"), TZ: r.PostFormValue("tz")}
	loc, err := time.LoadLocation(d.TZ)
	if err != nil || d.TZ == "" || d.TZ == "Local" {
		loc = s.viewerLocation(r)
		d.TZ = tzName(loc)
	}
	start, err := time.ParseInLocation(formTimeLayout, d.StartsAt, loc)
	if err != nil {
		err = app.Invalid(map[string]string{"starts_at": "must be a date and time"})
	} else {
		_, err = s.svc.MoveFollowing(r.Context(), a.ID, start)
	}
	if err != nil {
		s.formError(w, r, err, func(status int) {
			d.Fields, d.Message = app.ErrorFields(err), formMessage(err)
			s.render(w, r, status, "series_move", d)
		})
		return
	}
	redirectFlash(w, r, "/appointments/"+strconv.FormatInt(a.ID, 10), "seriesmoved")
}

// seriesOccurrence loads the scheduled occurrence of a series that the
// caller may edit, answering every refusal itself.
func (s *Server) seriesOccurrence(w http.ResponseWriter, r *http.Request, u *coaching.User) (*coaching.Appointment, bool) {
	a, ok := s.loadAppointment(w, r)
	switch {
	case !ok:
		return nil, false
	case !coaching.CanEdit(u.Actor(), a):
		s.Error(w, r, app.Errorf(app.EFORBIDDEN, "only the coach can move the series"))
	case a.SeriesID == "":
		s.Error(w, r, app.Errorf(app.EINVALID, "this appointment is not part of a series"))
	case a.Status != coaching.ApptScheduled:
		s.Error(w, r, app.Errorf(app.ECONFLICT, "this appointment is %s and can no longer change", a.Status))
	default:
		return a, true
	}
	return nil, false
}
