package web

import (
	"net/http"
	"net/url"
	"slices"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/intake"
)

// tzCookie is where app.js keeps the browser's time zone for the server.
const tzCookie = "rapport_tz"

// viewerLocation is the viewer's time zone: their profile's, else their
// browser's (which app.js puts in a cookie), else UTC. The browser shows every
// time in it; the server needs it to read times typed into forms and to know
// when "today" is.
func (s *Server) viewerLocation(r *http.Request) *time.Location {
	if loc := s.viewerProfile(r).Timezone(); loc != nil {
		return loc
	}
	if ck, err := r.Cookie(tzCookie); err == nil {
		if name, err := url.QueryUnescape(ck.Value); err == nil && name != "" && name != "Local" && len(name) < 64 {
			if loc, err := time.LoadLocation(name); err == nil {
				return loc
			}
		}
	}
	return time.UTC
}

// viewerProfile is the signed-in viewer's profile (nil for nobody, or
// when it cannot be read), read once per request: the layout and the page
// both want its time zone.
func (s *Server) viewerProfile(r *http.Request) *coaching.Profile {
	rec := recordFrom(r.Context())
	if rec != nil && rec.profileLoaded {
		return rec.profile
	}
	var p *coaching.Profile
	if u := userFrom(r.Context()); u != nil {
		if got, err := s.svc.Profile(r.Context(), u.ID); err == nil {
			p = got
		}
	}
	if rec != nil {
		rec.profile, rec.profileLoaded = p, true
	}
	return p
}

// canJoin reports whether the room of a is open: from 15 minutes before the
// start until an hour after the scheduled end, while it is still scheduled
// (a call that dropped is rejoined for the whole slot), as the room itself
// decides.
func canJoin(a *coaching.Appointment, now time.Time) bool { return a.RoomOpenAt(now) }

// apptRow is an appointment as a list shows it.
type apptRow struct {
	*coaching.Appointment
	CanJoin bool
	Now     bool           // scheduled, and its time is now: under way or about to be
	Other   *coaching.User // the other party, from the viewer's side
	Request string         // where a request stands, for the viewer; "": not a request
}

func rows(list []*coaching.Appointment, viewer *coaching.User, now time.Time) []apptRow {
	out := make([]apptRow, len(list))
	for i, a := range list {
		other := a.Client
		if viewer.ID == a.ClientID {
			other = a.Coach
		}
		out[i] = apptRow{Appointment: a, CanJoin: canJoin(a, now) && coaching.CanEnterRoom(viewer.Actor(), a), Other: other,
			Now: a.Status == coaching.ApptScheduled && !now.Before(a.StartsAt) && now.Before(a.EndsAt()), Request: requestLabel(a, viewer, now)}
	}
	return out
}

type dashboardData struct {
	Today, Upcoming, Past []apptRow
	Requests              []apptRow // booking requests waiting for the coach's answer
	Next                  *apptRow
	People                []*coaching.User       // a coach's clients, a client's coaches, an admin's newest users
	Invitations           []*coaching.Invitation // a client's, from coaches
	Questionnaires        []*intake.Request      // a client's to fill in, a coach's answered lately
}

func (dashboardData) PageTitle() string { return "Dashboard" }

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	ctx := r.Context()
	now := s.svc.Clock.Now()
	loc := s.viewerLocation(r)
	y, m, d := now.In(loc).Date()
	dayStart := time.Date(y, m, d, 0, 0, 0, 0, loc)
	dayEnd := dayStart.AddDate(0, 0, 1)
	sched := coaching.ApptScheduled
	var data dashboardData
	// Today holds what touches today: a session that began before midnight
	// and is still under way too.
	today, err := s.svc.ListAppointments(ctx, coaching.AppointmentFilter{Status: sched, From: dayStart.Add(-coaching.MaxDuration), To: dayEnd})
	today = slices.DeleteFunc(today, func(a *coaching.Appointment) bool { return !a.EndsAt().After(dayStart) })
	if err == nil {
		var upcoming, past []*coaching.Appointment
		upcoming, err = s.svc.ListAppointments(ctx, coaching.AppointmentFilter{Status: sched, From: dayEnd, Page: coaching.Page{Limit: 10}})
		if err == nil {
			past, err = s.svc.ListAppointments(ctx, coaching.AppointmentFilter{To: now, Desc: true, Page: coaching.Page{Limit: 10}})
		}
		data.Today, data.Upcoming, data.Past = rows(today, u, now), rows(upcoming, u, now), rows(over(past, now), u, now)
	}
	if err == nil {
		data.Requests, err = s.pendingRequests(r, u, now)
	}
	if err == nil {
		data.People, err = s.people(r, u)
	}
	if err == nil && u.Role == app.RoleClient {
		data.Invitations, err = s.svc.ReceivedInvitations(ctx, coaching.Page{Limit: 20})
	}
	if err == nil {
		data.Questionnaires, err = s.dashboardIntake(r, u)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	data.Next = nextAppointment(data.Today, data.Upcoming, now)
	s.render(w, r, http.StatusOK, "dashboard", data)
}

// over keeps the appointments whose time has ended, or that will not take
// place: one under way is not a past session yet.
func over(list []*coaching.Appointment, now time.Time) []*coaching.Appointment {
	out := list[:0]
	for _, a := range list {
		if a.Status != coaching.ApptScheduled || !a.EndsAt().After(now) {
			out = append(out, a)
		}
	}
	return out
}

// nextAppointment is the first appointment that has not ended yet.
func nextAppointment(today, upcoming []apptRow, now time.Time) *apptRow {
	for _, list := range [][]apptRow{today, upcoming} {
		for i := range list {
			if list[i].EndsAt().After(now) {
				return &list[i]
			}
		}
	}
	return nil
}

// people are the dashboard's side list for the viewer's role.
func (s *Server) people(r *http.Request, u *coaching.User) ([]*coaching.User, error) {
	p := coaching.Page{Limit: 8}
	switch u.Role {
	case app.RoleCoach:
		return s.svc.ListClients(r.Context(), p)
	case app.RoleAdmin:
		return s.svc.ListUsers(r.Context(), coaching.UserFilter{Page: p})
	}
	return s.svc.ListCoaches(r.Context(), p)
}

type roomData struct {
	Appointment *coaching.Appointment
	CanJoin     bool           // the room is open: room.js connects
	Other       *coaching.User // the other party, from the viewer's side
	OpensAt     time.Time      // when the room opens (15 minutes before the start)
}

func (roomData) PageTitle() string { return "Room" }

// roomPage opens an appointment's room to its coach and client; room.js
// connects while it is open. Anyone else is told it does not exist.
func (s *Server) roomPage(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	a, err := s.svc.Room(r.Context(), r.PathValue("room_id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d := roomData{Appointment: a, CanJoin: canJoin(a, s.svc.Clock.Now()), Other: a.Client, OpensAt: a.RoomOpensAt()}
	if u.ID == a.ClientID {
		d.Other = a.Coach
	}
	// A call that runs past its scheduled end is never cut: its page still
	// reconnects while the room is live.
	if !d.CanJoin && a.Status == coaching.ApptScheduled && s.rooms != nil && s.rooms.Live(a.ID) {
		d.CanJoin = true
	}
	s.render(w, r, http.StatusOK, "room", d)
}

// redirectFlash sends the browser to path with a short notice.
func redirectFlash(w http.ResponseWriter, r *http.Request, path, flash string) {
	http.Redirect(w, r, path+"?flash="+url.QueryEscape(flash), http.StatusSeeOther)
}

// may reports whether the caller's role allows act, answering the refusal
// itself when it does not. Handlers ask it before they read a body, so that
// a person who may not act hears that, not how their input is judged.
func (s *Server) may(w http.ResponseWriter, r *http.Request, act coaching.Act) bool {
	if err := coaching.May(r.Context(), act); err != nil {
		s.Error(w, r, err)
		return false
	}
	return true
}

// parseForm reads a form body of at most 1 MiB.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		return app.Errorf(app.EINVALID, "the form could not be read")
	}
	return nil
}
