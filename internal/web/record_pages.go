package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/markdown"
	"rapport/internal/record"
)

func (s *Server) recordPageRoutes() {
	m := s.mux
	m.HandleFunc("GET /clients/{id}/record", s.signedIn(s.clientRecordPage))
	m.HandleFunc("GET /record", s.signedIn(s.ownRecordPage))
	m.HandleFunc("POST /clients/{id}/goals", s.signedIn(s.createGoalForm))
	m.HandleFunc("POST /goals/{id}", s.signedIn(s.updateGoalForm))
	m.HandleFunc("POST /goals/{id}/delete", s.signedIn(s.deleteGoalForm))
}

// recordData is the record page: a client's record, for their coach or
// themself.
type recordData struct {
	Record *record.Record
	Own    bool   // the client's own view
	Path   string // the page's path, for the search and the forms
	Goals  []goalView
	New    goalForm // the new goal's form
	// Notes are the private notes' Markdown rendered, by note ID.
	Notes map[int64]template.HTML
}

// PageTitle names the page.
func (d recordData) PageTitle() string {
	if d.Own {
		return "Your record"
	}
	return "Record of " + d.Record.Client.DisplayName()
}

// goalView is a goal with what its form shows: the goal, or what was typed
// when a change was refused.
type goalView struct {
	*record.Goal
	Form goalForm
}

// goalForm is what a goal's form shows, and why it was refused.
type goalForm struct {
	ID       int64 // the goal's; 0: a new goal
	CoachID  int64
	Title    string
	Progress string
	Note     string
	Done     bool
	Fields   map[string]string
	Message  string
}

// formOf is a goal's form as the goal stands.
func formOf(g *record.Goal) goalForm {
	return goalForm{ID: g.ID, CoachID: g.CoachID, Title: g.Title, Progress: strconv.Itoa(g.Progress), Note: g.Note, Done: g.Done}
}

// recordPath is the page of a client's record for the viewer: their own
// at /record, a client's at /clients/{id}/record.
func recordPath(u *coaching.User, clientID int64) string {
	if u.ID == clientID {
		return "/record"
	}
	return "/clients/" + itoa(clientID) + "/record"
}

// clientRecordPage shows a client's record to their coach; the client is
// sent to their own view.
func (s *Server) clientRecordPage(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	id, err := pathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if u.ID == id {
		to := "/record"
		if q := r.URL.Query().Get("q"); q != "" {
			to += "?q=" + url.QueryEscape(q)
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	s.showRecord(w, r, u, id, http.StatusOK, goalForm{})
}

// ownRecordPage shows the calling client their own record.
func (s *Server) ownRecordPage(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	if u.Role != app.RoleClient {
		s.Error(w, r, app.Errorf(app.ENOTFOUND, "only a client has a record of their own: open a client's from their page"))
		return
	}
	s.showRecord(w, r, u, u.ID, http.StatusOK, goalForm{})
}

// showRecord renders a client's record with the goal form f shown again
// (the new goal's when f.ID is 0, else that goal's).
func (s *Server) showRecord(w http.ResponseWriter, r *http.Request, u *coaching.User, clientID int64, status int, f goalForm) {
	rec, err := s.record.Record(r.Context(), clientID, r.URL.Query().Get("q"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d := recordData{Record: rec, Own: u.ID == clientID, Path: recordPath(u, clientID), Notes: map[int64]template.HTML{}}
	for _, g := range rec.Goals {
		v := goalView{Goal: g, Form: formOf(g)}
		if f.ID == g.ID {
			v.Form = f
		}
		d.Goals = append(d.Goals, v)
	}
	if f.ID == 0 {
		d.New = f
	}
	for _, e := range rec.Entries {
		if e.Note != nil {
			d.Notes[e.Note.ID] = markdown.Render(e.Note.Body)
		}
	}
	s.render(w, r, status, "record", d)
}

// goalFormOf reads a posted goal form.
func goalFormOf(r *http.Request) goalForm {
	coachID, _ := strconv.ParseInt(r.PostFormValue("coach_id"), 10, 64)
	return goalForm{CoachID: coachID, Title: r.PostFormValue("title"), Progress: r.PostFormValue("progress"),
		Note: r.PostFormValue("note"), Done: r.PostFormValue("done") != ""}
}

// progressOf reads a form's progress: blank is 0, and what is not a whole
// number is -1, which the record refuses as out of range.
func progressOf(v string) int {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return -1
	}
	return n
}

// createGoalForm sets a new goal from the record page. Who may not is told
// so before the form is read; a refused goal comes back with what was
// typed.
func (s *Server) createGoalForm(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	clientID, err := pathID(r, "id")
	if err == nil {
		err = s.record.CheckGoals(r.Context(), clientID)
	}
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	f := goalFormOf(r)
	_, err = s.record.CreateGoal(r.Context(), clientID, record.GoalDraft{CoachID: f.CoachID, Title: f.Title,
		Progress: progressOf(f.Progress), Note: f.Note, Done: f.Done})
	s.goalSaved(w, r, u, clientID, f, err)
}

// updateGoalForm saves a goal changed on the record page.
func (s *Server) updateGoalForm(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	id, err := pathID(r, "id")
	var g *record.Goal
	if err == nil {
		g, err = s.record.Goal(r.Context(), id)
	}
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	f := goalFormOf(r)
	f.ID, f.CoachID = id, g.CoachID
	progress := progressOf(f.Progress)
	_, err = s.record.UpdateGoal(r.Context(), id, record.GoalChange{Title: &f.Title, Progress: &progress, Note: &f.Note, Done: &f.Done})
	s.goalSaved(w, r, u, g.ClientID, f, err)
}

// goalSaved returns to the record after a goal form: to its goals when
// err is nil, else to the form with what was typed and why it was
// refused.
func (s *Server) goalSaved(w http.ResponseWriter, r *http.Request, u *coaching.User, clientID int64, f goalForm, err error) {
	if err == nil {
		http.Redirect(w, r, recordPath(u, clientID)+"?flash=goalsaved#goals", http.StatusSeeOther)
		return
	}
	s.formError(w, r, err, func(status int) {
		f.Fields, f.Message = app.ErrorFields(err), formMessage(err)
		s.showRecord(w, r, u, clientID, status, f)
	})
}

// deleteGoalForm deletes a goal from the record page.
func (s *Server) deleteGoalForm(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	id, err := pathID(r, "id")
	var g *record.Goal
	if err == nil {
		g, err = s.record.Goal(r.Context(), id)
	}
	if err == nil {
		err = parseForm(w, r)
	}
	if err == nil {
		err = s.record.DeleteGoal(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, recordPath(u, g.ClientID)+"?flash=goaldeleted#goals", http.StatusSeeOther)
}

// callsText says how long a session's calls took against the time booked:
// "52 min in one call · booked for 60 min".
func callsText(s *record.Session) string {
	booked := " · booked for " + strconv.Itoa(int(s.Appointment.Duration/time.Minute)) + " min"
	switch s.Calls {
	case 0:
		return "No call took place" + booked
	case 1:
		return callLength(s.Length) + " in one call" + booked
	}
	return callLength(s.Length) + " in " + strconv.Itoa(s.Calls) + " calls" + booked
}

// callLength is the time spent in calls as people say it: "under a
// minute", "52 min", "1 h 5 min".
func callLength(d time.Duration) string {
	m := int(d / time.Minute)
	switch {
	case m < 1:
		return "under a minute"
	case m < 60:
		return strconv.Itoa(m) + " min"
	case m%60 == 0:
		return strconv.Itoa(m/60) + " h"
	}
	return strconv.Itoa(m/60) + " h " + strconv.Itoa(m%60) + " min"
}

// markText is text with every match of q marked (<mark>), escaped for
// HTML.
func markText(q, text string) template.HTML {
	var b strings.Builder
	writeMarked(&b, q, text)
	return template.HTML(b.String())
}

// writeMarked writes text escaped for HTML, with every match of q marked.
func writeMarked(b *strings.Builder, q, text string) {
	last := 0
	for _, sp := range record.Find(text, q) {
		b.WriteString(template.HTMLEscapeString(text[last:sp.Start]))
		b.WriteString("<mark>")
		b.WriteString(template.HTMLEscapeString(text[sp.Start:sp.End]))
		b.WriteString("</mark>")
		last = sp.End
	}
	b.WriteString(template.HTMLEscapeString(text[last:]))
}

// The record's long lists, the lines of its transcripts and the messages
// of its conversations, are written here rather than by the template:
// hundreds of items of a few values each, which the template's reflection
// would take most of the page's time over. Everything is escaped; the
// markup is the template's own (record.html).

// transcriptItems are a session's lines as the items of a list, with q
// marked.
func transcriptItems(q string, lines []*record.Line) template.HTML {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(`<li class="transcript-msg"><span class="transcript-who">`)
		b.WriteString(template.HTMLEscapeString(lineSpeaker(l)))
		b.WriteString(`</span> `)
		writeMarked(&b, q, l.Body)
		b.WriteString("</li>")
	}
	return template.HTML(b.String())
}

// messageItems are a run of messages as the items of a list, each with
// its sender, its time and its file, with q marked.
func messageItems(q string, msgs []*record.Message) template.HTML {
	var b strings.Builder
	for _, m := range msgs {
		b.WriteString(`<li class="transcript-msg"><span class="transcript-who">`)
		b.WriteString(template.HTMLEscapeString(m.Sender))
		b.WriteString(`</span> <span class="muted small">`)
		b.WriteString(string(timeTag(m.CreatedAt, "moment", "2 Jan, 15:04")))
		b.WriteString(`</span> <span class="pre">`)
		writeMarked(&b, q, m.Body)
		b.WriteString(`</span>`)
		if f := m.File; f != nil {
			b.WriteString(` <a href="/api/v1/files/` + strconv.FormatInt(f.ID, 10) + `" download>`)
			b.WriteString(string(clipIcon))
			writeMarked(&b, q, f.Name)
			b.WriteString(`</a>`)
		}
		b.WriteString("</li>")
	}
	return template.HTML(b.String())
}

// clipIcon is the paperclip beside a file, wherever the server draws one
// (the layout's "clip" too); messages.js draws the same.
const clipIcon template.HTML = `<svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5"/></svg>`
