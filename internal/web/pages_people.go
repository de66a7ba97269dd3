package web

import (
	"net/http"
	"strconv"
	"strings"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/privacy"
)

// pageSize is how many people a list page shows.
const pageSize = 100

// pager is the position in a paged list, for Previous and Next links.
type pager struct {
	Offset, Prev, Next int
	HasPrev, HasNext   bool
}

// pageOf reads ?offset= and returns the page to ask for: one row more than
// shown, so that a full page knows whether another follows.
func pageOf(r *http.Request) (coaching.Page, int) {
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	offset = max(offset, 0)
	return coaching.Page{Limit: pageSize + 1, Offset: offset}, offset
}

// trim cuts the extra row off a page and fills the pager.
func trim[T any](list []T, offset int) ([]T, pager) {
	p := pager{Offset: offset, HasPrev: offset > 0, Prev: max(offset-pageSize, 0), Next: offset + pageSize}
	if len(list) > pageSize {
		list, p.HasNext = list[:pageSize], true
	}
	return list, p
}

type clientsData struct {
	Pager       pager
	Query, Role string // unused filters, so that pages share the pager
	Clients     []*coaching.User
	Invitations []*coaching.Invitation // a coach's, still pending
	Email       string
	Name        string
	Fields      map[string]string
	Message     string
}

func (clientsData) PageTitle() string { return "Clients" }

func (s *Server) clientsPage(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	s.renderClients(w, r, http.StatusOK, clientsData{})
}

func (s *Server) renderClients(w http.ResponseWriter, r *http.Request, status int, d clientsData) {
	p, offset := pageOf(r)
	clients, err := s.svc.ListClients(r.Context(), p)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d.Clients, d.Pager = trim(clients, offset)
	if u := userFrom(r.Context()); u != nil && u.Role == app.RoleCoach {
		if d.Invitations, err = s.svc.SentInvitations(r.Context(), coaching.Page{Limit: 200}); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	s.render(w, r, status, "clients", d)
}

func (s *Server) inviteClientForm(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	if !s.may(w, r, coaching.ActInvite) {
		return
	}
	if err := parseForm(w, r); err != nil {
		s.Error(w, r, err)
		return
	}
	in := coaching.Invite{Email: r.PostFormValue("email"), Name: r.PostFormValue("name")}
	if _, err := s.svc.InviteClient(r.Context(), in); err != nil {
		s.formError(w, r, err, func(status int) {
			s.renderClients(w, r, status, clientsData{Email: in.Email, Name: in.Name,
				Fields: app.ErrorFields(err), Message: formMessage(err)})
		})
		return
	}
	redirectFlash(w, r, "/clients", "invited")
}

type clientData struct {
	Client       *coaching.User
	Profile      *coaching.Profile
	Appointments []apptRow
	Notes        *notesPanel  // the coach's private notes, when the caller may read them
	Intake       clientIntake // the questionnaires sent to the client, and sending one
}

func (d clientData) PageTitle() string { return d.Client.DisplayName() }

func (s *Server) clientPage(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	id, err := pathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.showClient(w, r, u, id, http.StatusOK, clientForms{Note: noteDraft{Template: r.URL.Query().Get("template")}})
}

// renderClient shows the page of client id, with sendMessage saying why
// a questionnaire was not sent.
func (s *Server) renderClient(w http.ResponseWriter, r *http.Request, status int, u *coaching.User, id int64, sendMessage string) {
	s.showClient(w, r, u, id, status, clientForms{SendMessage: sendMessage})
}

// clientForms are what the client page's forms show again: the private
// note's editor, and why a questionnaire was not sent.
type clientForms struct {
	Note        noteDraft
	SendMessage string
}

// showClient renders a client's page, with the private notes for a
// viewer who may read them, the questionnaires, and the forms as f says.
func (s *Server) showClient(w http.ResponseWriter, r *http.Request, u *coaching.User, id int64, status int, f clientForms) {
	var d clientData
	var err error
	d.Client, err = s.svc.Client(r.Context(), id)
	if err == nil {
		d.Intake, err = s.clientIntake(r, u, id, f.SendMessage)
	}
	if err == nil {
		d.Profile, err = s.svc.Profile(r.Context(), id)
	}
	if err == nil {
		var list []*coaching.Appointment
		list, err = s.svc.ListAppointments(r.Context(), coaching.AppointmentFilter{ClientID: id, Desc: true, Page: coaching.Page{Limit: 50}})
		d.Appointments = rows(list, u, s.svc.Clock.Now())
	}
	if err == nil && d.Client.Role == app.RoleClient {
		d.Notes, err = s.loadNotesPanel(r, id, 0, f.Note)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, status, "client", d)
}

type profileData struct {
	Bio, Goals, Timezone, Phone string
	Fields                      map[string]string
	Message                     string
	Calendar                    calendarLinks // the person's feed
	Emails                      coaching.EmailChoices
	// Erasure is the person's own erasure while it waits, whatever their
	// role now; ErasureProblem why their request was refused ("invalid",
	// "conflict").
	Erasure        *privacy.Erasure
	ErasureProblem string
}

func (profileData) PageTitle() string { return "Your profile" }

func (s *Server) profilePage(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	p, err := s.svc.Profile(r.Context(), u.ID)
	var cal calendarLinks
	if err == nil {
		cal, err = s.profileCalendar(r)
	}
	var emails coaching.EmailChoices
	if err == nil {
		emails, err = s.svc.EmailChoices(r.Context())
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d := profileData{Bio: p.Text(coaching.ProfileBio), Goals: p.Text(coaching.ProfileGoals),
		Timezone: p.Text(coaching.ProfileTimezone), Phone: p.Text(coaching.ProfilePhone), Calendar: cal, Emails: emails,
		ErasureProblem: r.URL.Query().Get("erasure")}
	if s.privacy != nil && s.privacy.Erasures != nil { // anyone's own, whatever their role now
		d.Erasure, _ = s.privacy.PendingErasure(r.Context(), u.ID) // none waiting is the usual case
	}
	s.render(w, r, http.StatusOK, "profile", d)
}

// saveProfileForm writes the form's fields into the profile, keeping the
// fields the form does not show.
func (s *Server) saveProfileForm(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	if err := parseForm(w, r); err != nil {
		s.Error(w, r, err)
		return
	}
	d := profileData{Bio: r.PostFormValue("bio"), Goals: r.PostFormValue("goals"),
		Timezone: strings.TrimSpace(r.PostFormValue("timezone")), Phone: strings.TrimSpace(r.PostFormValue("phone"))}
	p, err := s.svc.Profile(r.Context(), u.ID)
	if err == nil {
		data := p.Data
		data[coaching.ProfileBio], data[coaching.ProfileGoals] = d.Bio, d.Goals
		data[coaching.ProfileTimezone], data[coaching.ProfilePhone] = d.Timezone, d.Phone
		_, err = s.svc.PutProfile(r.Context(), data)
	}
	if err != nil {
		s.formError(w, r, err, func(status int) {
			d.Fields, d.Message = app.ErrorFields(err), formMessage(err)
			d.Calendar, _ = s.profileCalendar(r) // the form's answer matters; the link shows on the next view if not now
			d.Emails, _ = s.svc.EmailChoices(r.Context())
			s.render(w, r, status, "profile", d)
		})
		return
	}
	redirectFlash(w, r, "/profile", "saved")
}

type usersData struct {
	Pager   pager
	Users   []*coaching.User
	Query   string
	Role    string
	New     coaching.NewUser
	Fields  map[string]string
	Message string
}

func (usersData) PageTitle() string { return "Users" }

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	s.renderUsers(w, r, http.StatusOK, usersData{Query: r.URL.Query().Get("q"), Role: r.URL.Query().Get("role"),
		New: coaching.NewUser{Role: app.RoleCoach}})
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, status int, d usersData) {
	p, offset := pageOf(r)
	f := coaching.UserFilter{Query: d.Query, Page: p}
	if role := app.Role(d.Role); role.Valid() {
		f.Role = role
	}
	users, err := s.svc.ListUsers(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d.Users, d.Pager = trim(users, offset)
	s.render(w, r, status, "users", d)
}

func (s *Server) createUserForm(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	if !s.may(w, r, coaching.ActManageUsers) {
		return
	}
	if err := parseForm(w, r); err != nil {
		s.Error(w, r, err)
		return
	}
	in := coaching.NewUser{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Role: app.Role(r.PostFormValue("role"))}
	if _, err := s.svc.CreateUser(r.Context(), in); err != nil {
		s.formError(w, r, err, func(status int) {
			s.renderUsers(w, r, status, usersData{New: in, Fields: app.ErrorFields(err), Message: formMessage(err)})
		})
		return
	}
	redirectFlash(w, r, "/users", "created")
}

func (s *Server) updateUserForm(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	if !s.may(w, r, coaching.ActManageUsers) {
		return
	}
	id, err := pathID(r, "id")
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var ch coaching.UserChange
	if v := r.PostFormValue("role"); v != "" {
		role := app.Role(v)
		ch.Role = &role
	}
	if v := r.PostFormValue("status"); v != "" {
		st := coaching.UserStatus(v)
		ch.Status = &st
	}
	if _, err := s.svc.UpdateUser(r.Context(), id, ch); err != nil {
		s.formError(w, r, err, func(status int) {
			s.renderUsers(w, r, status, usersData{New: coaching.NewUser{Role: app.RoleCoach}, Message: summary(err)})
		})
		return
	}
	redirectFlash(w, r, "/users", "saved")
}
