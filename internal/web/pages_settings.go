package web

import (
	"net/http"

	"rapport/internal/ai"
	"rapport/internal/app"
	"rapport/internal/coaching"
)

// settingsRoutes are a coach's settings pages.
func (s *Server) settingsRoutes() {
	s.mux.HandleFunc("GET /settings/ai", s.signedIn(s.aiSettingsPage))
	s.mux.HandleFunc("POST /settings/ai", s.signedIn(s.saveAISettingsForm))
}

// aiStyle is one choice of the style select.
type aiStyle struct {
	Value, Label, About string
}

// aiStyles are the choices of coaching.AIStyles, the default first.
var aiStyles = []aiStyle{
	{coaching.AIStyleWarm, "Warm", "encouraging; takes what the client feels seriously (the default)"},
	{coaching.AIStyleDirect, "Direct", "says what it thinks, concretely, in a sentence or two"},
	{coaching.AIStyleSocratic, "Socratic", "mostly asks one good question instead of giving answers"},
	{coaching.AIStyleBrief, "Brief", "keeps every answer to one or two short sentences"},
}

// aiSettingsData is the AI settings form: what the coach wrote and chose,
// and what the page explains.
type aiSettingsData struct {
	Persona, Style string
	Default        string // the AI's own persona, used while Persona is empty
	Max            int    // the persona's length limit in characters
	Styles         []aiStyle
	Fields         map[string]string
	Message        string
}

func (aiSettingsData) PageTitle() string { return "AI settings" }

// aiSettingsPage shows a coach how the AI co-coach works in their sessions.
// A client has no such settings and is refused.
func (s *Server) aiSettingsPage(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	p, err := s.svc.AIPersona(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.renderAISettings(w, r, http.StatusOK, aiSettingsData{Persona: p.Persona, Style: p.Style})
}

func (s *Server) renderAISettings(w http.ResponseWriter, r *http.Request, status int, d aiSettingsData) {
	d.Default, d.Max, d.Styles = ai.DefaultPersona, coaching.MaxAIPersona, aiStyles
	if d.Style == "" {
		d.Style = coaching.AIStyleWarm
	}
	s.render(w, r, status, "ai_settings", d)
}

// saveAISettingsForm saves the persona and style into the coach's profile,
// keeping its other fields; a refused form comes back as it was typed.
func (s *Server) saveAISettingsForm(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	if !s.may(w, r, coaching.ActSetAIPersona) {
		return
	}
	if err := parseForm(w, r); err != nil {
		s.Error(w, r, err)
		return
	}
	d := aiSettingsData{Persona: r.PostFormValue("ai_persona"), Style: r.PostFormValue("ai_style")}
	if _, err := s.svc.PutAIPersona(r.Context(), coaching.AIPersona{Persona: d.Persona, Style: d.Style}); err != nil {
		s.formError(w, r, err, func(status int) {
			d.Fields, d.Message = app.ErrorFields(err), formMessage(err)
			s.renderAISettings(w, r, status, d)
		})
		return
	}
	redirectFlash(w, r, "/settings/ai", "saved")
}
