package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

// publicBookingRoutes are a coach's public booking link, /book/<slug>,
// which anyone may open: the session types open to new people, their free
// times, and (signed in) booking one. A slug always has a letter, so
// /book/<slug> never reads as the clients' /book/<coach ID>/<type>; the
// public pages stay under the slug alone, the type and time in the query.
func (s *Server) publicBookingRoutes() {
	m := s.mux
	m.HandleFunc("GET /book/{slug}", s.publicBookPage)
	m.HandleFunc("POST /book/{slug}", s.signedIn(s.publicBookForm))
	m.HandleFunc("POST /availability/public-link", s.signedIn(s.publicLinkForm))
	s.publicAPIRoutes()
}

// publicBookData is a coach's public page: the list of their open session
// types, the free times of one (Type), or one chosen time to confirm (At).
type publicBookData struct {
	Coach   *coaching.PublicCoach
	Type    *coaching.SessionType // nil: the list of types
	Days    []slotDay
	Zone    string // the viewer's, which the times are shown in
	Later   string
	Earlier bool
	At      time.Time // the chosen time on the viewer's clock; zero: none chosen
	Viewer  string    // "" (signed out), "client" or "staff" (who cannot book here)
	Message string
}

func (d publicBookData) PageTitle() string { return "Book with " + d.Coach.Name }

// TypeURL is the page of one of the coach's open session types.
func (d publicBookData) TypeURL(typeID int64) string {
	return "/book/" + d.Coach.Slug + "?type=" + itoa(typeID)
}

// SlotURL is the page that confirms a time of the chosen type.
func (d publicBookData) SlotURL(t time.Time) string {
	return d.TypeURL(d.Type.ID) + "&at=" + url.QueryEscape(t.UTC().Format(time.RFC3339))
}

// SignInURL signs in and comes back to confirm the chosen time.
func (d publicBookData) SignInURL() string {
	return "/signin?next=" + url.QueryEscape(d.SlotURL(d.At))
}

// viewerKind says how the page treats who is looking: signed out, a
// client (who may book), or a coach or admin (who may not).
func viewerKind(u *coaching.User) string {
	switch {
	case u == nil:
		return ""
	case u.Role == app.RoleClient:
		return "client"
	}
	return "staff"
}

// publicBookPage shows, to anyone, a coach's open session types; with
// ?type= the free times of one; with &at= that time, to sign in and book.
// An unknown slug, or one of someone who no longer coaches, is 404.
func (s *Server) publicBookPage(w http.ResponseWriter, r *http.Request) {
	page, err := s.svc.PublicPage(r.Context(), r.PathValue("slug"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d := publicBookData{Coach: page, Viewer: viewerKind(userFrom(r.Context()))}
	if r.URL.Query().Get("type") == "" {
		s.render(w, r, http.StatusOK, "public_book", d)
		return
	}
	s.renderPublicSlots(w, r, http.StatusOK, d)
}

// renderPublicSlots shows the free times of the type in the query, or the
// time chosen (&at=) when it is still free; a time no longer free shows
// the free times, saying so.
func (s *Server) renderPublicSlots(w http.ResponseWriter, r *http.Request, status int, d publicBookData) {
	typeID, err := queryID(r, "type")
	if err != nil {
		err = app.Errorf(app.ENOTFOUND, "session type not found")
	}
	var slots *coaching.Slots
	if err == nil {
		slots, err = s.svc.PublicSlots(r.Context(), coaching.PublicLink{Slug: d.Coach.Slug, TypeID: typeID})
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	loc := s.viewerLocation(r)
	d.Type, d.Zone = slots.Type, tzName(loc)
	if at := r.URL.Query().Get("at"); at != "" && d.Message == "" {
		if t, ok := freeSlot(slots.Starts, at); ok {
			d.At = t.In(loc)
			s.render(w, r, status, "public_book", d)
			return
		}
		d.Message = "That time is no longer free. Here are the free times now."
	}
	d.Days, d.Later, d.Earlier = pageOfDays(byDay(slots.Starts, loc), r.URL.Query().Get("from"))
	s.render(w, r, status, "public_book", d)
}

// freeSlot finds the time at (RFC 3339) among the free starts.
func freeSlot(starts []time.Time, at string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, at)
	if err != nil {
		return time.Time{}, false
	}
	for _, s := range starts {
		if s.Equal(t) {
			return s, true
		}
	}
	return time.Time{}, false
}

// publicBookForm books the chosen time for the signed-in client, who
// becomes a client of the coach if they were not; a time taken meanwhile
// shows the free times again, saying so.
func (s *Server) publicBookForm(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	page, err := s.svc.PublicPage(r.Context(), r.PathValue("slug"))
	if err == nil {
		err = parseForm(w, r)
	}
	var appt *coaching.Appointment
	if err == nil {
		appt, err = s.bookPublicForm(r, page.Slug)
	}
	switch app.ErrorCode(err) {
	case "":
		redirectFlash(w, r, "/appointments/"+itoa(appt.ID), "booked")
	case app.ECONFLICT, app.EINVALID:
		r.URL.RawQuery = url.Values{"type": {r.PostFormValue("type")}}.Encode()
		s.renderPublicSlots(w, r, http.StatusConflict, publicBookData{Coach: page, Viewer: viewerKind(u),
			Message: "That time was just taken, or is no longer free. Here are the free times now."})
	default:
		s.Error(w, r, err)
	}
}

// bookPublicForm reads the form's type and time and books them.
func (s *Server) bookPublicForm(r *http.Request, slug string) (*coaching.Appointment, error) {
	typeID, err := parseInt64(r.PostFormValue("type"))
	if err != nil || typeID <= 0 {
		return nil, app.Errorf(app.ENOTFOUND, "session type not found")
	}
	start, err := time.Parse(time.RFC3339, r.PostFormValue("starts_at"))
	if err != nil {
		return nil, app.Invalid(map[string]string{"starts_at": "must be one of the times offered"})
	}
	return s.svc.BookPublic(r.Context(), coaching.PublicLink{Slug: slug, TypeID: typeID}, start)
}

// publicLinkIn reads the public link a sign-in's return path goes back
// to, /book/<slug>?type=<id>, or nil when it goes anywhere else. The path
// came through the sign-in's state and is local (localPath); what it
// names is judged by the domain, which admits nobody through a link that
// offers no such session to new people.
func publicLinkIn(next string) *coaching.PublicLink {
	u, err := url.Parse(next)
	if err != nil {
		return nil
	}
	slug, ok := strings.CutPrefix(u.Path, "/book/")
	if !ok || slug == "" || strings.Contains(slug, "/") {
		return nil
	}
	typeID, err := parseInt64(u.Query().Get("type"))
	if err != nil || typeID <= 0 {
		return nil
	}
	return &coaching.PublicLink{Slug: slug, TypeID: typeID}
}

// publicLinkForm changes the coach's public link; a malformed or taken one
// shows the availability page with the error beside the field.
func (s *Server) publicLinkForm(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	if err := parseForm(w, r); err != nil {
		s.Error(w, r, err)
		return
	}
	typed := r.PostFormValue("slug")
	_, err := s.svc.SetPublicSlug(r.Context(), typed)
	if err != nil {
		s.formError(w, r, err, func(status int) {
			av, aerr := s.svc.MyAvailability(r.Context(), tzName(s.viewerLocation(r)))
			if aerr != nil {
				s.Error(w, r, aerr)
				return
			}
			s.renderAvailability(w, r, status, u, availabilityData{Form: availabilityFormOf(av),
				Fields: prefixFields("link.", app.ErrorFields(err)), Message: summary(err), Slug: typed})
		})
		return
	}
	redirectFlash(w, r, "/availability", "linkchanged")
}

// fillPublicLink puts the coach's public link on their availability page,
// making its slug on first view.
func (s *Server) fillPublicLink(r *http.Request, d *availabilityData) error {
	slug, err := s.svc.MyPublicSlug(r.Context())
	if err != nil {
		return err
	}
	d.Link = s.baseURL(r) + "/book/" + slug
	if d.Slug == "" {
		d.Slug = slug
	}
	return nil
}
