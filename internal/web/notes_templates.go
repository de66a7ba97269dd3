package web

import (
	"net/http"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/notes"
)

// templatesData is the coach's page of note templates: the built-in ones
// to read, their own to change, and a form for a new one.
type templatesData struct {
	BuiltIn []noteTemplateView
	Own     []templateForm
	New     templateForm
}

func (templatesData) PageTitle() string { return "Note templates" }

// noteTemplateView is a built-in template with its text rendered.
type noteTemplateView struct {
	*notes.Template
	Preview noteView
}

// templateForm is one template's form, with what was typed and why it was
// refused.
type templateForm struct {
	ID      int64
	Name    string
	Body    string
	Fields  map[string]string
	Message string
}

func (s *Server) templatesPage(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	s.showTemplates(w, r, http.StatusOK, nil)
}

// showTemplates renders the templates page; again, when set, is a form
// that came back refused, shown in its place with what was typed.
func (s *Server) showTemplates(w http.ResponseWriter, r *http.Request, status int, again *templateForm) {
	list, err := s.notes.Templates(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var d templatesData
	for _, t := range list {
		if t.BuiltIn != "" {
			d.BuiltIn = append(d.BuiltIn, noteTemplateView{Template: t, Preview: noteViews([]*notes.Note{{Body: t.Body}})[0]})
			continue
		}
		f := templateForm{ID: t.ID, Name: t.Name, Body: t.Body}
		if again != nil && again.ID == t.ID {
			f = *again
		}
		d.Own = append(d.Own, f)
	}
	if again != nil && again.ID == 0 {
		d.New = *again
	}
	s.render(w, r, status, "note_templates", d)
}

// readTemplateForm reads a posted template after checking that the caller
// may keep it (id 0: a new one).
func (s *Server) readTemplateForm(w http.ResponseWriter, r *http.Request, id int64) (templateForm, error) {
	err := s.notes.CheckTemplate(r.Context(), id)
	if err == nil {
		err = parseForm(w, r)
	}
	return templateForm{ID: id, Name: r.PostFormValue("name"), Body: r.PostFormValue("body")}, err
}

func (s *Server) createTemplateForm(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	f, err := s.readTemplateForm(w, r, 0)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	_, err = s.notes.CreateTemplate(r.Context(), notes.TemplateDraft{Name: f.Name, Body: f.Body})
	s.templateSaved(w, r, f, err, "templatesaved")
}

func (s *Server) updateTemplateForm(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	var f templateForm
	if err == nil {
		f, err = s.readTemplateForm(w, r, id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	_, err = s.notes.UpdateTemplate(r.Context(), id, notes.TemplateChange{Name: &f.Name, Body: &f.Body})
	s.templateSaved(w, r, f, err, "templatesaved")
}

func (s *Server) deleteTemplateForm(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.notes.DeleteTemplate(r.Context(), id)
	}
	s.templateSaved(w, r, templateForm{ID: id}, err, "templatedeleted")
}

// templateSaved returns to the templates page with flash after a change,
// or shows the refused form again.
func (s *Server) templateSaved(w http.ResponseWriter, r *http.Request, f templateForm, err error, flash string) {
	if err == nil {
		redirectFlash(w, r, "/note-templates", flash)
		return
	}
	s.formError(w, r, err, func(status int) {
		f.Fields, f.Message = app.ErrorFields(err), formMessage(err)
		s.showTemplates(w, r, status, &f)
	})
}
