package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

// bookingPageRoutes are the pages of self-booking: the coach's
// availability and session types, and a client's booking of a free slot.
func (s *Server) bookingPageRoutes() {
	m := s.mux
	m.HandleFunc("GET /availability", s.signedIn(s.availabilityPage))
	m.HandleFunc("POST /availability", s.signedIn(s.saveAvailabilityForm))
	m.HandleFunc("POST /session-types", s.signedIn(s.createSessionTypeForm))
	m.HandleFunc("POST /session-types/{id}/archive", s.signedIn(s.archiveSessionTypeForm))
	m.HandleFunc("GET /book", s.signedIn(s.bookPage))
	m.HandleFunc("GET /book/{coach}/{type}", s.signedIn(s.slotsPage))
	m.HandleFunc("POST /book/{coach}/{type}", s.signedIn(s.bookSlotForm))
	m.HandleFunc("GET /appointments/{id}/move", s.signedIn(s.movePage))
	m.HandleFunc("POST /appointments/{id}/move", s.signedIn(s.moveForm))
}

// availabilityData is the coach's availability page.
type availabilityData struct {
	Form    availabilityForm
	Types   []*coaching.SessionType
	NewType coaching.NewSessionType
	Fields  map[string]string
	Message string
	Link    string // the coach's public booking link
	Slug    string // its slug, or as typed into the form
}

func (availabilityData) PageTitle() string { return "Availability" }

func (s *Server) availabilityPage(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	av, err := s.svc.MyAvailability(r.Context(), tzName(s.viewerLocation(r)))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.renderAvailability(w, r, http.StatusOK, u, availabilityData{Form: availabilityFormOf(av)})
}

func (s *Server) renderAvailability(w http.ResponseWriter, r *http.Request, status int, u *coaching.User, d availabilityData) {
	types, err := s.svc.SessionTypesOf(r.Context(), u.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d.Types = types
	if err := s.fillPublicLink(r, &d); err != nil {
		s.Error(w, r, err)
		return
	}
	if d.NewType.Minutes == 0 {
		d.NewType.Minutes = 60
	}
	s.render(w, r, status, "availability", d)
}

func (s *Server) saveAvailabilityForm(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	if !s.may(w, r, coaching.ActBook) {
		return
	}
	if err := parseForm(w, r); err != nil {
		s.Error(w, r, err)
		return
	}
	f := availabilityForm{TimeZone: r.PostFormValue("time_zone"), Overrides: r.PostFormValue("overrides"),
		BufferBefore: r.PostFormValue("buffer_before_minutes"), BufferAfter: r.PostFormValue("buffer_after_minutes"),
		NoticeHours: r.PostFormValue("notice_hours"), ChangeHours: r.PostFormValue("change_notice_hours"), Horizon: r.PostFormValue("horizon_days"), MaxPerDay: r.PostFormValue("max_per_day"),
		Reminders: r.PostFormValue("reminders")}
	for i, d := range weekOrder {
		f.Days[i] = dayForm{Key: lower(d), Name: d.String(), Hours: r.PostFormValue("hours_" + lower(d))}
	}
	av, err := f.availability()
	if err == nil {
		err = s.svc.SetAvailability(r.Context(), av)
	}
	if err != nil {
		s.formError(w, r, err, func(status int) {
			s.renderAvailability(w, r, status, u, availabilityData{Form: f, Fields: app.ErrorFields(err), Message: summary(err)})
		})
		return
	}
	redirectFlash(w, r, "/availability", "saved")
}

func (s *Server) createSessionTypeForm(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	if !s.may(w, r, coaching.ActBook) {
		return
	}
	if err := parseForm(w, r); err != nil {
		s.Error(w, r, err)
		return
	}
	in := coaching.NewSessionType{Name: r.PostFormValue("name"), Description: r.PostFormValue("description"),
		CallMode: coaching.CallMode(r.PostFormValue("call_mode")), Audience: r.PostFormValue("audience"), Confirm: r.PostFormValue("confirm")}
	minutes, perr := parseInt64(r.PostFormValue("duration_minutes"))
	in.Minutes = minutes
	_, err := s.svc.CreateSessionType(r.Context(), in)
	if perr != nil && err == nil {
		err = app.Invalid(map[string]string{"duration_minutes": "must be a number of minutes"})
	}
	if err != nil {
		s.formError(w, r, err, func(status int) {
			av, aerr := s.svc.MyAvailability(r.Context(), tzName(s.viewerLocation(r)))
			if aerr != nil {
				s.Error(w, r, aerr)
				return
			}
			s.renderAvailability(w, r, status, u, availabilityData{Form: availabilityFormOf(av), NewType: in,
				Fields: prefixFields("type.", app.ErrorFields(err)), Message: summary(err)})
		})
		return
	}
	redirectFlash(w, r, "/availability", "typecreated")
}

func (s *Server) archiveSessionTypeForm(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.svc.ArchiveSessionType(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	redirectFlash(w, r, "/availability", "typearchived")
}

// bookCoach is one of a client's coaches with what may be booked with them.
type bookCoach struct {
	Coach *coaching.User
	Types []*coaching.SessionType
}

type bookData struct{ Coaches []bookCoach }

func (bookData) PageTitle() string { return "Book a session" }

// bookPage lists the client's coaches and the session types of each.
func (s *Server) bookPage(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	if u.Role != app.RoleClient {
		s.Error(w, r, app.Errorf(app.EFORBIDDEN, "clients book here; a coach sets their availability"))
		return
	}
	coaches, err := s.svc.ListCoaches(r.Context(), coaching.Page{Limit: 50})
	var d bookData
	for _, c := range coaches {
		if err != nil {
			break
		}
		var types []*coaching.SessionType
		types, err = s.svc.SessionTypesOf(r.Context(), c.ID)
		d.Coaches = append(d.Coaches, bookCoach{Coach: c, Types: types})
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "book", d)
}

// slotDay is one date's free slots, on the viewer's clock.
type slotDay struct {
	Date  time.Time
	Slots []time.Time
}

type slotsData struct {
	Action  string // where a chosen time is posted, and the pages link to
	Moving  bool   // the times are where an appointment may move to
	Type    *coaching.SessionType
	Days    []slotDay // up to slotDaysShown days with free times
	Zone    string    // the viewer's, which the times are shown in
	Message string
	Later   string // the date of the next days with free times, for ?from=
	Earlier bool   // the page starts after the first free day
}

// slotDaysShown is how many days with free times one page shows.
const slotDaysShown = 10

func (slotsData) PageTitle() string { return "Choose a time" }

// slotsPage shows the free slots of a session type by day, in the
// client's own time zone.
func (s *Server) slotsPage(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	s.renderSlots(w, r, http.StatusOK, "")
}

func (s *Server) renderSlots(w http.ResponseWriter, r *http.Request, status int, message string) {
	coachID, err := pathID(r, "coach")
	var typeID int64
	if err == nil {
		typeID, err = pathID(r, "type")
	}
	var slots *coaching.Slots
	if err == nil {
		slots, err = s.svc.FreeSlotsOf(r.Context(), coachID, typeID)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.renderTimes(w, r, status, slotsData{Action: "/book/" + itoa(coachID) + "/" + itoa(typeID), Message: message}, slots)
}

// renderTimes shows free times by day, on the viewer's clock.
func (s *Server) renderTimes(w http.ResponseWriter, r *http.Request, status int, d slotsData, slots *coaching.Slots) {
	loc := s.viewerLocation(r)
	d.Type, d.Zone = slots.Type, tzName(loc)
	d.Days, d.Later, d.Earlier = pageOfDays(byDay(slots.Starts, loc), r.URL.Query().Get("from"))
	s.render(w, r, status, "book_slots", d)
}

// movePage offers the client the free times their appointment may move to.
func (s *Server) movePage(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	s.renderMove(w, r, http.StatusOK, "")
}

func (s *Server) renderMove(w http.ResponseWriter, r *http.Request, status int, message string) {
	id, err := pathID(r, "id")
	var slots *coaching.Slots
	if err == nil {
		slots, err = s.svc.MoveSlots(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.renderTimes(w, r, status, slotsData{Action: "/appointments/" + itoa(id) + "/move", Moving: true, Message: message}, slots)
}

// moveForm moves the appointment to the chosen time; a time taken
// meanwhile shows the free times again, saying so.
func (s *Server) moveForm(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	if err == nil {
		err = parseForm(w, r)
	}
	if err == nil {
		start, perr := time.Parse(time.RFC3339, r.PostFormValue("starts_at"))
		if perr != nil {
			err = app.Invalid(map[string]string{"starts_at": "must be one of the times offered"})
		} else {
			_, err = s.svc.MoveAppointment(r.Context(), id, start)
		}
	}
	switch app.ErrorCode(err) {
	case "":
		redirectFlash(w, r, "/appointments/"+itoa(id), "moved")
	case app.ECONFLICT, app.EINVALID:
		s.renderMove(w, r, http.StatusConflict, "That time was just taken, or is no longer free. Here are the free times now.")
	default:
		s.Error(w, r, err)
	}
}

// pageOfDays keeps slotDaysShown days from the date from (2006-01-02; empty:
// the first), and says the date the next page starts at, if any.
func pageOfDays(days []slotDay, from string) (page []slotDay, later string, earlier bool) {
	i := 0
	for i < len(days) && from != "" && days[i].Date.Format("2006-01-02") < from {
		i++
	}
	end := min(i+slotDaysShown, len(days))
	if end < len(days) {
		later = days[end].Date.Format("2006-01-02")
	}
	return days[i:end], later, i > 0
}

// byDay groups slots by their date on loc's clock.
func byDay(starts []time.Time, loc *time.Location) []slotDay {
	var out []slotDay
	for _, t := range starts {
		local := t.In(loc)
		y, m, d := local.Date()
		if n := len(out); n == 0 || !sameDate(out[n-1].Date, y, m, d) {
			out = append(out, slotDay{Date: time.Date(y, m, d, 12, 0, 0, 0, loc)})
		}
		out[len(out)-1].Slots = append(out[len(out)-1].Slots, local)
	}
	return out
}

func sameDate(t time.Time, y int, m time.Month, d int) bool {
	ty, tm, td := t.Date()
	return ty == y && tm == m && td == d
}

// bookSlotForm books the slot chosen; a slot taken meanwhile shows the
// free slots again, saying so.
func (s *Server) bookSlotForm(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	coachID, err := pathID(r, "coach")
	var typeID int64
	if err == nil {
		typeID, err = pathID(r, "type")
	}
	if err == nil {
		err = parseForm(w, r)
	}
	var appt *coaching.Appointment
	if err == nil {
		start, perr := time.Parse(time.RFC3339, r.PostFormValue("starts_at"))
		if perr != nil {
			err = app.Invalid(map[string]string{"starts_at": "must be one of the times offered"})
		} else {
			appt, err = s.svc.BookSlot(r.Context(), coachID, typeID, start)
		}
	}
	switch app.ErrorCode(err) {
	case "":
		flash := "booked"
		if appt.Status == coaching.ApptRequested {
			flash = "requested"
		}
		redirectFlash(w, r, "/appointments/"+itoa(appt.ID), flash)
	case app.ECONFLICT, app.EINVALID:
		s.renderSlots(w, r, http.StatusConflict, "That time was just taken, or is no longer free. Here are the free times now.")
	default:
		s.Error(w, r, err)
	}
}

// prefixFields puts prefix before every field name (one page, two forms).
func prefixFields(prefix string, fields map[string]string) map[string]string {
	out := make(map[string]string, len(fields))
	for k, v := range fields {
		out[prefix+k] = v
	}
	return out
}

// lower is a weekday's form key: "monday".
func lower(d time.Weekday) string { return strings.ToLower(d.String()) }

func parseInt64(v string) (int64, error) { return strconv.ParseInt(strings.TrimSpace(v), 10, 64) }
