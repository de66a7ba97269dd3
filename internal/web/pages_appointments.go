package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/intake"
	"rapport/internal/protocol"
	"rapport/internal/room"
)

// formTimeLayout is how <input type="datetime-local"> sends a time.
const formTimeLayout = "2006-01-02T15:04"

type appointmentsData struct {
	Rows   []apptRow
	Status string
	Scope  string // upcoming or past
	More   bool
	Next   int
}

func (appointmentsData) PageTitle() string { return "Appointments" }

func (s *Server) appointmentsPage(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	q := r.URL.Query()
	offset, _ := strconv.Atoi(q.Get("offset"))
	now := s.svc.Clock.Now()
	d := appointmentsData{Status: q.Get("status"), Scope: q.Get("scope")}
	f := coaching.AppointmentFilter{Page: coaching.Page{Limit: 26, Offset: max(offset, 0)}}
	if d.Scope == "past" {
		f.To, f.Desc = now, true
	} else {
		// What is still to come: scheduled ones, unless the viewer asks
		// for another status.
		d.Scope, f.From, f.Status = "upcoming", now.Add(-4*time.Hour), coaching.ApptScheduled
	}
	if st := coaching.AppointmentStatus(d.Status); st.Valid() {
		f.Status = st
	}
	list, err := s.svc.ListAppointments(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if len(list) > 25 {
		list, d.More, d.Next = list[:25], true, f.Page.Offset+25
	}
	d.Rows = rows(list, u, now)
	s.render(w, r, http.StatusOK, "appointments", d)
}

type appointmentData struct {
	Appointment *coaching.Appointment
	Sessions    []*coaching.CallSession
	Transcripts []transcript      // the chat and what was said in each call, newest call first
	Summary     *coaching.Summary // the AI's, when the caller may read it
	Notes       *notesPanel       // the coach's private notes of the session, when the caller may read them
	IsCoach     bool              // the caller is the appointment's coach (shares the summary)
	CallMode    string            // how the call travels, in words
	CanJoin     bool
	CanEdit     bool
	CanCancel   bool
	CanMove     bool // the client may move it to another free time (within the coach's notice)
	CanAnswer   bool // a request the caller (its coach) may accept or decline
	Request     string
	// Questionnaires are those the booking asked its client to fill in.
	Questionnaires []*intake.Request
}

func (d appointmentData) PageTitle() string { return d.Appointment.Title }

func (s *Server) appointmentPage(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	a, ok := s.loadAppointment(w, r)
	if !ok {
		return
	}
	s.showAppointment(w, r, u, a, http.StatusOK, noteDraft{Template: r.URL.Query().Get("template")})
}

// showAppointment renders an appointment's page, with the private notes
// for a viewer who may read them and d in their editor.
func (s *Server) showAppointment(w http.ResponseWriter, r *http.Request, u *coaching.User, a *coaching.Appointment, status int, d noteDraft) {
	sessions, err := s.svc.CallSessions(r.Context(), a.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	transcripts, err := s.transcripts(r, a, sessions)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	summary, err := s.svc.Summary(r.Context(), a.ID)
	if err != nil && app.ErrorCode(err) != app.ENOTFOUND {
		s.Error(w, r, err)
		return
	}
	panel, err := s.loadNotesPanel(r, a.ClientID, a.ID, d)
	var asked []*intake.Request
	if err == nil {
		asked, err = s.appointmentIntake(r, u, a.ID)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	open := a.Status == coaching.ApptScheduled
	now := s.svc.Clock.Now()
	waiting := a.Status == coaching.ApptRequested && !a.Lapsed(now)
	s.render(w, r, status, "appointment", appointmentData{
		Appointment: a, Sessions: sessions, Transcripts: transcripts, CallMode: s.callModeFact(a),
		Summary: summary, IsCoach: u.ID == a.CoachID, Notes: panel,
		CanJoin: canJoin(a, s.svc.Clock.Now()) && coaching.CanEnterRoom(u.Actor(), a),
		CanEdit: open && coaching.CanEdit(u.Actor(), a), CanCancel: open || waiting,
		CanMove:   open && u.ID == a.ClientID && a.StartsAt.After(now),
		CanAnswer: waiting && coaching.CanAnswer(u.Actor(), a), Request: requestLabel(a, u, now), Questionnaires: asked,
	})
}

// callModeFact says how the appointment's call travels, and whether that is
// the server's default, for the appointment page.
func (s *Server) callModeFact(a *coaching.Appointment) string {
	words := callModeWords(a.CallModeOr(s.defaultCallMode()))
	words = strings.ToUpper(words[:1]) + words[1:]
	if a.CallMode == coaching.CallModeDefault {
		return words + " (the server's default)"
	}
	return words
}

// defaultCallMode is how calls travel when their appointment leaves it to
// the server (CALL_MODE): through the SFU unless the setting says p2p.
func (s *Server) defaultCallMode() coaching.CallMode {
	if s.cfg.CallMode == coaching.CallModeP2P {
		return coaching.CallModeP2P
	}
	return coaching.CallModeSFU
}

// callModeWords says a call mode (not the default) in words.
func callModeWords(m coaching.CallMode) string {
	if m == coaching.CallModeP2P {
		return "directly between you, peer-to-peer"
	}
	return "through the server"
}

// transcriptMax is how many messages of a call the appointment page shows;
// the API pages through the rest.
const transcriptMax = 200

// transcript is the chat of one call, and what was said in it as the AI
// heard it, for the appointment page.
type transcript struct {
	Session  *coaching.CallSession
	Messages []protocol.Message
	Earlier  bool // more messages than shown
	Said     []spokenLine
}

// spokenLine is a transcript line with its speaker's name.
type spokenLine struct {
	Who  string
	At   time.Time
	Body string
	AI   bool
}

// transcripts reads the chat of each call that has one, newest call first.
func (s *Server) transcripts(r *http.Request, a *coaching.Appointment, sessions []*coaching.CallSession) ([]transcript, error) {
	var out []transcript
	for i := len(sessions) - 1; i >= 0; i-- {
		page, err := s.sessionMessages(r, sessions[i].ID, 0, transcriptMax)
		if err != nil {
			return nil, err
		}
		said, err := s.said(r, a, sessions[i])
		if err != nil {
			return nil, err
		}
		if len(page.Items) > 0 || len(said) > 0 {
			out = append(out, transcript{Session: sessions[i], Messages: page.Items, Earlier: page.Before != 0, Said: said})
		}
	}
	return out, nil
}

// said is what was said in a call, as the AI heard it: for the
// appointment's coach and client (an admin sees none of it).
func (s *Server) said(r *http.Request, a *coaching.Appointment, cs *coaching.CallSession) ([]spokenLine, error) {
	lines, err := s.svc.Transcript(r.Context(), cs)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]spokenLine, len(lines))
	for i, l := range lines {
		out[i] = spokenLine{Who: speakerName(a, l.SpeakerID), At: l.CreatedAt, Body: l.Body, AI: l.SpeakerID == 0}
	}
	return out, nil
}

func speakerName(a *coaching.Appointment, id int64) string {
	switch id {
	case 0:
		return room.AIName
	case a.CoachID:
		return a.Coach.DisplayName()
	}
	return a.Client.DisplayName()
}

// shareSummaryForm lets the client read the AI's summary, or not (the
// coach's form on the appointment page).
func (s *Server) shareSummaryForm(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.svc.ShareSummary(r.Context(), id, r.PostFormValue("shared") == "true")
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/appointments/%d", id), http.StatusSeeOther)
}

// loadAppointment reads {id} and the appointment, answering the error itself.
func (s *Server) loadAppointment(w http.ResponseWriter, r *http.Request) (*coaching.Appointment, bool) {
	id, err := pathID(r, "id")
	if err == nil {
		var a *coaching.Appointment
		if a, err = s.svc.Appointment(r.Context(), id); err == nil {
			return a, true
		}
	}
	s.Error(w, r, err)
	return nil, false
}

// appointmentForm is the booking and editing form, with what was typed, so
// that a refused form comes back with nothing lost.
type appointmentForm struct {
	ID       int64
	ClientID string
	Title    string
	StartsAt string // datetime-local, in TZ
	TZ       string
	Minutes  string
	Notes    string
	CallMode string // "", sfu or p2p, as the select sends it
	// EveryWeeks ("", 1 or 2) and Count make a new booking a series.
	EveryWeeks, Count string
	Clients           []*coaching.User
	Fields            map[string]string
	Message           string

	DefaultCallMode string // the server's call mode in words, for the default's option
}

func (f appointmentForm) PageTitle() string {
	if f.ID != 0 {
		return "Edit appointment"
	}
	return "New appointment"
}

func (s *Server) newAppointmentPage(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	loc := s.viewerLocation(r)
	start := s.svc.Clock.Now().In(loc).Add(24 * time.Hour).Truncate(time.Hour)
	f := appointmentForm{ClientID: r.URL.Query().Get("client"), StartsAt: start.Format(formTimeLayout),
		Minutes: "60", TZ: tzName(loc), Count: "10"}
	s.renderAppointmentForm(w, r, http.StatusOK, f)
}

func (s *Server) renderAppointmentForm(w http.ResponseWriter, r *http.Request, status int, f appointmentForm) {
	if f.ID == 0 {
		clients, err := s.svc.ListClients(r.Context(), coaching.Page{Limit: 200})
		if err != nil {
			s.Error(w, r, err)
			return
		}
		f.Clients = clients
	}
	f.DefaultCallMode = callModeWords(s.defaultCallMode())
	s.render(w, r, status, "appointment_form", f)
}

// readAppointmentForm reads the posted form and the time in its zone (the
// form's tz field, else the viewer's zone).
func (s *Server) readAppointmentForm(r *http.Request) (appointmentForm, time.Time, time.Duration, error) {
	f := appointmentForm{ClientID: r.PostFormValue("client_id"), Title: r.PostFormValue("title"),
		StartsAt: r.PostFormValue("starts_at"), TZ: r.PostFormValue("tz"), Minutes: r.PostFormValue("duration_minutes"),
		Notes: r.PostFormValue("notes"), CallMode: r.PostFormValue("call_mode"),
		EveryWeeks: r.PostFormValue("every_weeks"), Count: r.PostFormValue("count")}
	fields := map[string]string{}
	loc, err := time.LoadLocation(f.TZ)
	if err != nil || f.TZ == "" || f.TZ == "Local" {
		loc = s.viewerLocation(r)
		f.TZ = tzName(loc)
	}
	start, err := time.ParseInLocation(formTimeLayout, strings.TrimSpace(f.StartsAt), loc)
	if err != nil {
		fields["starts_at"] = "must be a date and time"
	}
	minutes, err := strconv.ParseInt(strings.TrimSpace(f.Minutes), 10, 64)
	if err != nil {
		fields["duration_minutes"] = "must be a number of minutes"
	}
	return f, start, coaching.MinutesDuration(minutes), app.Invalid(fields)
}

func (s *Server) createAppointmentForm(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	err := coaching.May(r.Context(), coaching.ActBook)
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	f, start, dur, err := s.readAppointmentForm(r)
	if err == nil {
		clientID, _ := strconv.ParseInt(f.ClientID, 10, 64)
		b := coaching.Booking{ClientID: clientID, Title: f.Title, StartsAt: start, Duration: dur,
			Notes: f.Notes, CallMode: coaching.CallMode(f.CallMode)}
		var a *coaching.Appointment
		if a, err = s.bookFromForm(r, b, f); err == nil {
			redirectFlash(w, r, "/appointments/"+itoa(a.ID), bookedFlash(a))
			return
		}
	}
	s.formError(w, r, err, func(status int) {
		f.Fields, f.Message = app.ErrorFields(err), appointmentFormMessage(err, f.TZ)
		s.renderAppointmentForm(w, r, status, f)
	})
}

// bookFromForm books the form's appointment, or its series when it
// repeats; it returns the (first) appointment.
func (s *Server) bookFromForm(r *http.Request, b coaching.Booking, f appointmentForm) (*coaching.Appointment, error) {
	if f.EveryWeeks == "" {
		return s.svc.Book(r.Context(), b)
	}
	every, _ := strconv.Atoi(f.EveryWeeks)
	count, err := strconv.Atoi(strings.TrimSpace(f.Count))
	if err != nil {
		return nil, app.Invalid(map[string]string{"count": "must be a number of sessions"})
	}
	list, err := s.svc.BookSeries(r.Context(), b, coaching.Repeat{EveryWeeks: every, Count: count, Zone: f.TZ})
	if err != nil {
		return nil, err
	}
	return list[0], nil
}

// bookedFlash is the notice after a booking: of a series or not.
func bookedFlash(a *coaching.Appointment) string {
	if a.SeriesID != "" {
		return "seriesbooked"
	}
	return "booked"
}

// appointmentFormMessage is the notice above a refused appointment form: an
// overlap says when the other appointment is, in the form's time zone.
func appointmentFormMessage(err error, tz string) string {
	var o *coaching.OverlapError
	if !errors.As(err, &o) {
		return formMessage(err)
	}
	loc, lerr := time.LoadLocation(tz)
	if lerr != nil {
		loc = time.UTC
	}
	return fmt.Sprintf("This time overlaps “%s” on %s.", o.Title, o.StartsAt.In(loc).Format("Mon 2 Jan 2006 at 15:04 MST"))
}

// formError shows a refused form again with its errors, or answers any
// other error (not found, forbidden) the usual way.
func (s *Server) formError(w http.ResponseWriter, r *http.Request, err error, again func(status int)) {
	switch app.ErrorCode(err) {
	case app.EINVALID:
		again(http.StatusBadRequest)
	case app.ECONFLICT:
		again(http.StatusConflict)
	default:
		s.Error(w, r, err)
	}
}

func (s *Server) editAppointmentPage(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	a, ok := s.loadAppointment(w, r)
	if !ok {
		return
	}
	if !coaching.CanEdit(u.Actor(), a) {
		s.Error(w, r, app.Errorf(app.EFORBIDDEN, "only the coach can change this appointment"))
		return
	}
	loc := s.viewerLocation(r)
	s.renderAppointmentForm(w, r, http.StatusOK, appointmentForm{ID: a.ID, ClientID: itoa(a.ClientID), Title: a.Title,
		StartsAt: a.StartsAt.In(loc).Format(formTimeLayout), TZ: tzName(loc),
		Minutes: strconv.Itoa(int(a.Duration / time.Minute)), Notes: a.Notes, CallMode: string(a.CallMode)})
}

// updateAppointmentForm saves the edit form. Who may not edit the
// appointment is told so (404 or 403) before the form is read.
func (s *Server) updateAppointmentForm(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.svc.CheckEdit(r.Context(), id)
	}
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	f, start, dur, err := s.readAppointmentForm(r)
	f.ID = id
	if err == nil {
		_, err = s.svc.UpdateAppointment(r.Context(), id, formChange(r, f, start, dur))
		if err == nil {
			redirectFlash(w, r, "/appointments/"+itoa(id), "saved")
			return
		}
	}
	s.formError(w, r, err, func(status int) {
		f.Fields, f.Message = app.ErrorFields(err), appointmentFormMessage(err, f.TZ)
		s.renderAppointmentForm(w, r, status, f)
	})
}

// formChange is the edit a posted form asks for. A form without the call
// mode's select (an older page, a script) leaves the mode as it is.
func formChange(r *http.Request, f appointmentForm, start time.Time, dur time.Duration) coaching.AppointmentChange {
	ch := coaching.AppointmentChange{Title: &f.Title, StartsAt: &start, Duration: &dur, Notes: &f.Notes}
	if r.PostForm.Has("call_mode") {
		mode := coaching.CallMode(f.CallMode)
		ch.CallMode = &mode
	}
	return ch
}

type cancelData struct {
	Appointment *coaching.Appointment
	Reason      string
	Following   bool // and every later session of its series
	Fields      map[string]string
	Message     string
}

func (cancelData) PageTitle() string { return "Cancel appointment" }

// cancelAppointmentPage asks for a reason to cancel a scheduled
// appointment; one that is cancelled or completed already goes back to its
// page, which says so.
func (s *Server) cancelAppointmentPage(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	a, ok := s.loadAppointment(w, r)
	switch {
	case !ok:
	case a.Status == coaching.ApptCancelled:
		redirectFlash(w, r, "/appointments/"+itoa(a.ID), "alreadycancelled")
	case a.Status != coaching.ApptScheduled && a.Status != coaching.ApptRequested:
		redirectFlash(w, r, "/appointments/"+itoa(a.ID), "notcancellable")
	default:
		s.render(w, r, http.StatusOK, "appointment_cancel", cancelData{Appointment: a})
	}
}

func (s *Server) cancelAppointmentForm(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	a, ok := s.loadAppointment(w, r)
	if !ok {
		return
	}
	if err := parseForm(w, r); err != nil {
		s.Error(w, r, err)
		return
	}
	reason, following := r.PostFormValue("reason"), r.PostFormValue("following") != ""
	var err error
	if following {
		_, err = s.svc.CancelFollowing(r.Context(), a.ID, reason)
	} else {
		_, err = s.svc.CancelAppointment(r.Context(), a.ID, reason)
	}
	if err != nil {
		s.formError(w, r, err, func(status int) {
			s.render(w, r, status, "appointment_cancel", cancelData{Appointment: a, Reason: reason, Following: following,
				Fields: app.ErrorFields(err), Message: formMessage(err)})
		})
		return
	}
	flash := "cancelled"
	if following {
		flash = "seriescancelled"
	}
	redirectFlash(w, r, "/appointments/"+itoa(a.ID), flash)
}

func tzName(loc *time.Location) string {
	if loc == nil || loc.String() == "Local" {
		return "UTC"
	}
	return loc.String()
}
