package web

import (
	"context"
	"net/http"
	"strconv"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/mail"
)

// DevMail reads the outbox, for the developer's /dev/mail.
type DevMail interface {
	RecentMail(ctx context.Context, limit int) ([]*mail.Queued, error)
	MailByID(ctx context.Context, id int64) (*mail.Queued, error)
}

// devMailRoutes show the outbox where the developer sign-in is on (a
// laptop, with no sign-in provider): the emails Rapport would send, which
// wait unsent when no SMTP server is set. Like /auth/dev they answer this
// machine only, and a signed-in person (the developer sign-in's token).
func (s *Server) devMailRoutes() {
	if !s.cfg.DevSignIn || s.outbox == nil {
		return
	}
	s.mux.HandleFunc("GET /dev/mail", s.localOnly(s.signedIn(s.devMailList)))
	s.mux.HandleFunc("GET /dev/mail/{id}", s.localOnly(s.signedIn(s.devMailMessage)))
}

type devMailData struct {
	Sends bool // an SMTP server is set
	List  []*mail.Queued
	Mail  *mail.Queued
}

func (d devMailData) PageTitle() string {
	if d.Mail != nil {
		return d.Mail.Subject
	}
	return "Outbox"
}

// devMailList lists the newest 100 emails, sent or not.
func (s *Server) devMailList(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	list, err := s.outbox.RecentMail(r.Context(), 100)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "dev_mail", devMailData{Sends: s.cfg.MailSends, List: list})
}

// devMailMessage shows one email: its text, and its HTML as escaped source.
func (s *Server) devMailMessage(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.Error(w, r, app.Errorf(app.ENOTFOUND, "email not found"))
		return
	}
	m, err := s.outbox.MailByID(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "dev_mail", devMailData{Sends: s.cfg.MailSends, Mail: m})
}
