package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/membership"
)

// Skool is the membership sync as the admin pages see it.
type Skool interface {
	MembershipRuns(ctx context.Context, limit int) ([]membership.Run, error)
	MembershipHistory(ctx context.Context, email string, limit int) ([]membership.HistoryEvent, error)
	// SyncNow starts a run in the background; an error says why it cannot.
	SyncNow() error
}

// skoolData is the Skool sync's admin page.
type skoolData struct {
	Runs    []membership.Run
	Email   string                    // whose history is shown
	History []membership.HistoryEvent // their changes, newest first
	Message string
	Notice  string
	SetUp   bool // the sync is configured: it can be run now
}

func (skoolData) PageTitle() string { return "Skool sync" }

func (s *Server) skoolRoutes() {
	s.mux.HandleFunc("GET /admin/skool", s.signedIn(s.skoolPage))
	s.mux.HandleFunc("POST /admin/skool/sync", s.signedIn(s.skoolSyncNow))
	s.mux.HandleFunc("POST /users/{id}/pin", s.signedIn(s.pinRoleForm))
}

// skoolNotSetUp says what turns the sync on.
const skoolNotSetUp = "The Skool sync is not set up on this server: set SKOOL_EMAIL, SKOOL_PASSWORD, SKOOL_COACH_COMMUNITY and SKOOL_CLIENT_COMMUNITY, then restart it."

// skoolPage shows the last runs, and a person's history when asked.
func (s *Server) skoolPage(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	if u.Role != app.RoleAdmin {
		s.Error(w, r, app.Errorf(app.EFORBIDDEN, "the Skool sync is for admins"))
		return
	}
	d := skoolData{Email: strings.TrimSpace(r.URL.Query().Get("email"))}
	switch r.URL.Query().Get("flash") {
	case "started":
		d.Notice = "A sync started. Its run appears here when it ends."
	}
	if s.skool == nil {
		d.Message = skoolNotSetUp
		s.render(w, r, http.StatusOK, "skool", d)
		return
	}
	d.SetUp = true
	var err error
	if d.Runs, err = s.skool.MembershipRuns(r.Context(), 30); err != nil {
		s.Error(w, r, err)
		return
	}
	if d.Email != "" {
		if d.History, err = s.skool.MembershipHistory(r.Context(), d.Email, 100); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "skool", d)
}

// skoolSyncNow starts a run now (the "sync now" button).
func (s *Server) skoolSyncNow(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	switch {
	case u.Role != app.RoleAdmin:
		s.Error(w, r, app.Errorf(app.EFORBIDDEN, "the Skool sync is for admins"))
		return
	case s.skool == nil: // the page offers no button then; a stale page says why
		s.render(w, r, http.StatusConflict, "skool", skoolData{Message: skoolNotSetUp})
		return
	}
	if err := s.skool.SyncNow(); err != nil {
		s.Error(w, r, err)
		return
	}
	redirectFlash(w, r, "/admin/skool", "started")
}

// pinRoleForm pins a user's role so that the sync never changes it, or
// unpins it (the users page).
func (s *Server) pinRoleForm(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.Error(w, r, app.Invalid(map[string]string{"id": "must be a user's number"}))
		return
	}
	if err := s.svc.PinRole(r.Context(), id, r.PostFormValue("pinned") == "true"); err != nil {
		s.Error(w, r, err)
		return
	}
	redirectFlash(w, r, "/users", "saved")
}
