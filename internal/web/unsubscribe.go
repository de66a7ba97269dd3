package web

import (
	"net/http"
	"strings"

	"rapport/internal/coaching"
)

// unsubscribeRoutes are the one-click unsubscribe links of the reminder
// emails (RFC 8058). They need no session: the token in the path is the
// key. GET only shows a page whose button POSTs, since mail scanners
// follow links; the POST (the button's, or a mail client's one-click
// "List-Unsubscribe=One-Click") turns reminders off. The cross-origin
// check lets exactly this POST through (Handler): a mail provider's
// servers send it from no page of ours.
func (s *Server) unsubscribeRoutes() {
	m := s.mux
	m.HandleFunc("GET "+unsubscribePattern, s.unsubscribePage)
	m.HandleFunc("POST "+unsubscribePattern, s.unsubscribe)
}

// unsubscribePattern is the unsubscribe link's route, after its method.
const unsubscribePattern = coaching.UnsubscribePath + "{token}"

// unsubscribeData is the unsubscribe page: before, or once done.
type unsubscribeData struct {
	Email     string
	Token     string
	Reminders bool // they still get reminders
	Done      bool
}

func (unsubscribeData) PageTitle() string { return "Reminder emails" }

func (s *Server) unsubscribePage(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	who, err := s.svc.UnsubscribeTarget(r.Context(), token)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	s.render(w, r, http.StatusOK, "unsubscribe", unsubscribeData{Email: who.Email, Token: token, Reminders: who.Reminders})
}

func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	if err := s.svc.UnsubscribeReminders(r.Context(), token); err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	s.render(w, r, http.StatusOK, "unsubscribe", unsubscribeData{Done: true})
}

// isUnsubscribe reports whether a request is an unsubscribe link's: its
// token stays out of the log.
func isUnsubscribe(path string) bool { return strings.HasPrefix(path, coaching.UnsubscribePath) }
