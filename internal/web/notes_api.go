package web

import (
	"html/template"
	"net/http"
	"time"

	"rapport/internal/coaching"
	"rapport/internal/markdown"
	"rapport/internal/notes"
)

// notesRoutes are the coaches' private notes and their templates: the
// pages and the API.
func (s *Server) notesRoutes() {
	m := s.mux
	m.HandleFunc("GET /api/v1/clients/{id}/notes", s.signedIn(s.apiClientNotes))
	m.HandleFunc("POST /api/v1/clients/{id}/notes", s.signedIn(s.apiWriteNote))
	m.HandleFunc("GET /api/v1/appointments/{id}/notes", s.signedIn(s.apiSessionNotes))
	m.HandleFunc("GET /api/v1/notes/{id}", s.signedIn(s.apiGetNote))
	m.HandleFunc("PATCH /api/v1/notes/{id}", s.signedIn(s.apiUpdateNote))
	m.HandleFunc("DELETE /api/v1/notes/{id}", s.signedIn(s.apiDeleteNote))
	m.HandleFunc("GET /api/v1/note-templates", s.signedIn(s.apiListTemplates))
	m.HandleFunc("POST /api/v1/note-templates", s.signedIn(s.apiCreateTemplate))
	m.HandleFunc("PATCH /api/v1/note-templates/{id}", s.signedIn(s.apiUpdateTemplate))
	m.HandleFunc("DELETE /api/v1/note-templates/{id}", s.signedIn(s.apiDeleteTemplate))
	s.notePageRoutes()
}

// noteJSON is a private note as the API shows it: its Markdown, and the
// same rendered as sanitized HTML.
type noteJSON struct {
	ID            int64         `json:"id"`
	CoachID       int64         `json:"coach_id"`
	CoachName     string        `json:"coach_name"`
	ClientID      int64         `json:"client_id"`
	AppointmentID int64         `json:"appointment_id,omitempty"`
	Session       *sessionJSON  `json:"session,omitempty"`
	Body          string        `json:"body"`
	HTML          template.HTML `json:"html"`
	AIMayRead     bool          `json:"ai_may_read"`
	CreatedAt     time.Time     `json:"created_at"`
	UpdatedAt     time.Time     `json:"updated_at"`
}

// sessionJSON names the session a note is of.
type sessionJSON struct {
	Title    string    `json:"title"`
	StartsAt time.Time `json:"starts_at"`
}

func toNoteJSON(n *notes.Note) *noteJSON {
	out := &noteJSON{ID: n.ID, CoachID: n.CoachID, CoachName: n.CoachName, ClientID: n.ClientID, AppointmentID: n.AppointmentID,
		Body: n.Body, HTML: markdown.Render(n.Body), AIMayRead: n.AIMayRead, CreatedAt: n.CreatedAt, UpdatedAt: n.UpdatedAt}
	if n.AppointmentID != 0 {
		out.Session = &sessionJSON{Title: n.SessionTitle, StartsAt: n.SessionStartAt}
	}
	return out
}

func toNotesJSON(list []*notes.Note) []*noteJSON {
	out := make([]*noteJSON, len(list))
	for i, n := range list {
		out[i] = toNoteJSON(n)
	}
	return out
}

// noteDraftJSON is the body of POST /api/v1/clients/{id}/notes.
type noteDraftJSON struct {
	AppointmentID int64  `json:"appointment_id"`
	Body          string `json:"body"`
	AIMayRead     bool   `json:"ai_may_read"`
}

// noteChangeJSON is the body of PATCH /api/v1/notes/{id}.
type noteChangeJSON struct {
	Body      *string `json:"body"`
	AIMayRead *bool   `json:"ai_may_read"`
}

func (s *Server) apiClientNotes(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	var p coaching.Page
	if err == nil {
		p, err = page(r)
	}
	var list []*notes.Note
	if err == nil {
		list, err = s.notes.ClientNotes(r.Context(), id, p)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, listJSON[*noteJSON]{Items: toNotesJSON(list), Limit: p.Limit, Offset: p.Offset})
}

func (s *Server) apiSessionNotes(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	var list []*notes.Note
	if err == nil {
		list, err = s.notes.SessionNotes(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, listJSON[*noteJSON]{Items: toNotesJSON(list), Limit: len(list)})
}

// apiWriteNote stores a new note. Who may not write about the client is
// told so (404 or 403) before the body is read.
func (s *Server) apiWriteNote(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.notes.CheckWrite(r.Context(), id)
	}
	var in noteDraftJSON
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	var n *notes.Note
	if err == nil {
		n, err = s.notes.Write(r.Context(), id, notes.Draft{AppointmentID: in.AppointmentID, Body: in.Body, AIMayRead: in.AIMayRead})
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/notes/"+itoa(n.ID))
	writeJSON(w, http.StatusCreated, toNoteJSON(n))
}

func (s *Server) apiGetNote(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	var n *notes.Note
	if err == nil {
		n, err = s.notes.Note(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toNoteJSON(n))
}

// apiUpdateNote changes a note. Who may not change it is told so before
// the body is read.
func (s *Server) apiUpdateNote(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.notes.CheckChange(r.Context(), id)
	}
	var in noteChangeJSON
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	var n *notes.Note
	if err == nil {
		n, err = s.notes.Update(r.Context(), id, notes.Change{Body: in.Body, AIMayRead: in.AIMayRead})
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toNoteJSON(n))
}

func (s *Server) apiDeleteNote(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.notes.Delete(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// templateJSON is a note template as the API shows it. A built-in one has
// no ID; key names either kind.
type templateJSON struct {
	Key       string    `json:"key"`
	ID        int64     `json:"id,omitempty"`
	BuiltIn   bool      `json:"built_in"`
	Name      string    `json:"name"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

func toTemplateJSON(t *notes.Template) *templateJSON {
	return &templateJSON{Key: t.Key(), ID: t.ID, BuiltIn: t.BuiltIn != "", Name: t.Name, Body: t.Body,
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}

// templateInJSON is the body of POST and PATCH /api/v1/note-templates.
type templateInJSON struct {
	Name *string `json:"name"`
	Body *string `json:"body"`
}

func (s *Server) apiListTemplates(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	list, err := s.notes.Templates(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out := make([]*templateJSON, len(list))
	for i, t := range list {
		out[i] = toTemplateJSON(t)
	}
	writeJSON(w, http.StatusOK, listJSON[*templateJSON]{Items: out, Limit: len(out)})
}

func (s *Server) apiCreateTemplate(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	err := s.notes.CheckTemplate(r.Context(), 0)
	var in templateInJSON
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	var t *notes.Template
	if err == nil {
		t, err = s.notes.CreateTemplate(r.Context(), notes.TemplateDraft{Name: deref(in.Name), Body: deref(in.Body)})
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/note-templates/"+itoa(t.ID))
	writeJSON(w, http.StatusCreated, toTemplateJSON(t))
}

// apiUpdateTemplate changes a template. Who may not is told so before the
// body is read.
func (s *Server) apiUpdateTemplate(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.notes.CheckTemplate(r.Context(), id)
	}
	var in templateInJSON
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	var t *notes.Template
	if err == nil {
		t, err = s.notes.UpdateTemplate(r.Context(), id, notes.TemplateChange{Name: in.Name, Body: in.Body})
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toTemplateJSON(t))
}

func (s *Server) apiDeleteTemplate(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.notes.DeleteTemplate(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// deref is *p, or "" for nil.
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
