package web

import (
	"context"
	"html/template"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/markdown"
	"rapport/internal/notes"
)

func (s *Server) notePageRoutes() {
	m := s.mux
	m.HandleFunc("POST /clients/{id}/notes", s.signedIn(s.writeNoteForm))
	m.HandleFunc("GET /notes/{id}/edit", s.signedIn(s.editNotePage))
	m.HandleFunc("POST /notes/{id}", s.signedIn(s.updateNoteForm))
	m.HandleFunc("POST /notes/{id}/delete", s.signedIn(s.deleteNoteForm))
	m.HandleFunc("GET /note-templates", s.signedIn(s.templatesPage))
	m.HandleFunc("POST /note-templates", s.signedIn(s.createTemplateForm))
	m.HandleFunc("POST /note-templates/{id}", s.signedIn(s.updateTemplateForm))
	m.HandleFunc("POST /note-templates/{id}/delete", s.signedIn(s.deleteTemplateForm))
}

// notesPanelSize is how many notes the client's page shows at once.
const notesPanelSize = 50

// notesPanel is the private notes on a client's or a session's page, for
// a viewer who may read them; the editor shows for their coach.
type notesPanel struct {
	ClientID      int64
	AppointmentID int64  // a session's page; 0 on the client's
	Back          string // the page the panel is on
	Notes         []noteView
	Older         int  // the offset of older notes, when there are more
	CanWrite      bool // the viewer is the coach: the editor shows
	Templates     []*notes.Template
	Draft         noteDraft
}

// noteDraft is the note being written, kept when a form comes back
// refused so that nothing typed is lost.
type noteDraft struct {
	Body      string
	AIMayRead bool
	Template  string // the key of the template chosen
	Fields    map[string]string
	Message   string
}

// noteView is a note with its Markdown rendered and sanitized.
type noteView struct {
	*notes.Note
	HTML template.HTML
}

func noteViews(list []*notes.Note) []noteView {
	out := make([]noteView, len(list))
	for i, n := range list {
		out[i] = noteView{Note: n, HTML: markdown.Render(n.Body)}
	}
	return out
}

// loadNotesPanel reads the panel of a client's page (appointmentID 0) or
// a session's: nil when the viewer may not read the notes (the client,
// another coach, an admin unless the practice allows it).
func (s *Server) loadNotesPanel(r *http.Request, clientID, appointmentID int64, d noteDraft) (*notesPanel, error) {
	p := &notesPanel{ClientID: clientID, AppointmentID: appointmentID, Back: "/clients/" + itoa(clientID), Draft: d}
	list, err := s.panelNotes(r, p)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	p.Notes = noteViews(list)
	if p.CanWrite = s.notes.CheckWrite(r.Context(), clientID) == nil; !p.CanWrite {
		return p, nil
	}
	if p.Templates, err = s.notes.Templates(r.Context()); err != nil {
		return nil, err
	}
	if p.Draft.Body == "" && p.Draft.Template != "" {
		if t, err := s.notes.TemplateByKey(r.Context(), p.Draft.Template); err == nil {
			p.Draft.Body = t.Body
		}
	}
	return p, nil
}

// panelNotes reads the notes of the panel's session, or a page of the
// client's.
func (s *Server) panelNotes(r *http.Request, p *notesPanel) ([]*notes.Note, error) {
	if p.AppointmentID != 0 {
		p.Back = "/appointments/" + itoa(p.AppointmentID)
		return s.notes.SessionNotes(r.Context(), p.AppointmentID)
	}
	offset, _ := strconv.Atoi(r.URL.Query().Get("notes_offset"))
	offset = max(offset, 0)
	list, err := s.notes.ClientNotes(r.Context(), p.ClientID, coaching.Page{Limit: notesPanelSize + 1, Offset: offset})
	if len(list) > notesPanelSize {
		list, p.Older = list[:notesPanelSize], offset+notesPanelSize
	}
	return list, err
}

// draftOf reads a posted note form.
func draftOf(r *http.Request) noteDraft {
	return noteDraft{Body: r.PostFormValue("body"), AIMayRead: r.PostFormValue("ai_may_read") != "", Template: r.PostFormValue("template")}
}

// checkedForm reads the path's id and lets check refuse the caller (404
// or 403) before the posted form is read, then reads it; on an error it
// answers and reports false.
func (s *Server) checkedForm(w http.ResponseWriter, r *http.Request, check func(context.Context, int64) error) (int64, bool) {
	id, err := pathID(r, "id")
	if err == nil {
		err = check(r.Context(), id)
	}
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.Error(w, r, err)
		return 0, false
	}
	return id, true
}

// writeNoteForm saves a new private note from a client's or a session's
// page. Who may not write it is told so (404 or 403) before the form is
// read; a refused note comes back on its page with what was typed.
func (s *Server) writeNoteForm(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	clientID, ok := s.checkedForm(w, r, s.notes.CheckWrite)
	if !ok {
		return
	}
	d := draftOf(r)
	apptID, err := optionalID(r.PostFormValue("appointment_id"), "appointment_id")
	if err == nil {
		_, err = s.notes.Write(r.Context(), clientID, notes.Draft{AppointmentID: apptID, Body: d.Body, AIMayRead: d.AIMayRead})
	}
	if err == nil {
		http.Redirect(w, r, backPath(r.PostFormValue("back"))+"?flash=notesaved#private-notes", http.StatusSeeOther)
		return
	}
	s.formError(w, r, err, func(status int) {
		d.Fields, d.Message = app.ErrorFields(err), formMessage(err)
		s.showNoteFormAgain(w, r, u, status, clientID, apptID, d)
	})
}

// showNoteFormAgain shows a refused note on the page it came from: its
// session's, when the session is the client's and the viewer's to see,
// else the client's.
func (s *Server) showNoteFormAgain(w http.ResponseWriter, r *http.Request, u *coaching.User, status int, clientID, apptID int64, d noteDraft) {
	if apptID != 0 {
		if a, err := s.svc.Appointment(r.Context(), apptID); err == nil && a.ClientID == clientID && a.CoachID == u.ID {
			s.showAppointment(w, r, u, a, status, d)
			return
		}
	}
	s.showClient(w, r, u, clientID, status, clientForms{Note: d})
}

// optionalID reads an ID a form may leave empty (0), naming the field when
// it is not one.
func optionalID(v, field string) (int64, error) {
	if v = strings.TrimSpace(v); v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, app.Invalid(map[string]string{field: "must be the number of one of your sessions"})
	}
	return id, nil
}

// backRe are the pages a notes form may return to.
var backRe = regexp.MustCompile(`^/(appointments|clients)/[0-9]{1,19}$`)

// backPath is the page a form says it came from, when it is one a notes
// form may return to (never another site), else the clients' list.
func backPath(v string) string {
	if backRe.MatchString(v) {
		return v
	}
	return "/clients"
}

// noteEditData is the page that edits one note.
type noteEditData struct {
	Note      *notes.Note
	Body      string
	AIMayRead bool
	Back      string
	Fields    map[string]string
	Message   string
}

func (noteEditData) PageTitle() string { return "Edit private note" }

// noteBack is the page a note is shown on: its session's, or its client's.
func noteBack(n *notes.Note) string {
	if n.AppointmentID != 0 {
		return "/appointments/" + itoa(n.AppointmentID)
	}
	return "/clients/" + itoa(n.ClientID)
}

// editNotePage shows a note in the editor: its coach's page alone.
func (s *Server) editNotePage(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.notes.CheckChange(r.Context(), id)
	}
	var n *notes.Note
	if err == nil {
		n, err = s.notes.Note(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "note_edit", noteEditData{Note: n, Body: n.Body, AIMayRead: n.AIMayRead, Back: noteBack(n)})
}

// updateNoteForm saves an edited note. Who may not change it is told so
// before the form is read.
func (s *Server) updateNoteForm(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, ok := s.checkedForm(w, r, s.notes.CheckChange)
	if !ok {
		return
	}
	d := draftOf(r)
	n, err := s.notes.Update(r.Context(), id, notes.Change{Body: &d.Body, AIMayRead: &d.AIMayRead})
	if err == nil {
		http.Redirect(w, r, noteBack(n)+"?flash=notesaved#private-notes", http.StatusSeeOther)
		return
	}
	s.formError(w, r, err, func(status int) {
		n, nerr := s.notes.Note(r.Context(), id)
		if nerr != nil {
			s.Error(w, r, nerr)
			return
		}
		s.render(w, r, status, "note_edit", noteEditData{Note: n, Body: d.Body, AIMayRead: d.AIMayRead, Back: noteBack(n),
			Fields: app.ErrorFields(err), Message: formMessage(err)})
	})
}

// deleteNoteForm deletes a note and returns to the page the form names.
func (s *Server) deleteNoteForm(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, ok := s.checkedForm(w, r, s.notes.CheckChange)
	if !ok {
		return
	}
	if err := s.notes.Delete(r.Context(), id); err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, backPath(r.PostFormValue("back"))+"?flash=notedeleted#private-notes", http.StatusSeeOther)
}
