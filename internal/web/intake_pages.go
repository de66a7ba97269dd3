package web

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/intake"
)

// intakePageRoutes are the pages of the questionnaires: the coach's list
// and builder, sending one, and the page where a client fills one in.
func (s *Server) intakePageRoutes() {
	m := s.mux
	m.HandleFunc("GET /questionnaires", s.signedIn(s.questionnairesPage))
	m.HandleFunc("GET /questionnaires/new", s.signedIn(s.newQuestionnairePage))
	m.HandleFunc("POST /questionnaires", s.signedIn(s.createQuestionnaireForm))
	m.HandleFunc("GET /questionnaires/{id}", s.signedIn(s.questionnairePage))
	m.HandleFunc("POST /questionnaires/{id}", s.signedIn(s.updateQuestionnaireForm))
	m.HandleFunc("POST /questionnaires/{id}/session-types", s.signedIn(s.askAtBookingForm))
	m.HandleFunc("POST /questionnaires/{id}/archive", s.signedIn(s.archiveQuestionnaireForm))
	m.HandleFunc("POST /questionnaire-requests", s.signedIn(s.sendQuestionnaireForm))
	m.HandleFunc("GET /questionnaire-requests/{id}", s.signedIn(s.requestPage))
	m.HandleFunc("POST /questionnaire-requests/{id}", s.signedIn(s.answerForm))
}

type questionnairesData struct {
	Questionnaires []*intake.Questionnaire
	Types          map[int64]string // the coach's session types by ID, for names
}

func (questionnairesData) PageTitle() string { return "Questionnaires" }

func (s *Server) questionnairesPage(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	list, err := s.intake.Questionnaires(r.Context())
	var types map[int64]string
	if err == nil {
		types, err = s.typeNames(r, u)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "questionnaires", questionnairesData{Questionnaires: list, Types: types})
}

// typeNames are the coach u's session types' names by ID.
func (s *Server) typeNames(r *http.Request, u *coaching.User) (map[int64]string, error) {
	types, err := s.svc.SessionTypesOf(r.Context(), u.ID)
	out := make(map[int64]string, len(types))
	for _, st := range types {
		out[st.ID] = st.Name
	}
	return out, err
}

// questionRow is one question of the builder form, as typed: Index is its
// row on the form, which names its fields ("questions.<Index>.text").
type questionRow struct {
	Index    int
	ID       string // "" for a new question
	Kind     string
	Text     string
	Required bool
	Options  string // one a line
	Order    string
	Delete   bool
}

// builderForm is the questionnaire builder as typed.
type builderForm struct {
	Title, Intro string
	Repeat       bool
	Rows         []questionRow
}

// newRows is how many empty questions the builder offers to fill.
const newRows = 3

// builderFormOf is the form of a questionnaire, with empty rows to add
// questions in.
func builderFormOf(qn *intake.Questionnaire) builderForm {
	f := builderForm{Title: qn.Title, Intro: qn.Intro, Repeat: qn.Repeat}
	for i, q := range qn.Questions {
		f.Rows = append(f.Rows, questionRow{Index: i, ID: strconv.FormatInt(q.ID, 10), Kind: string(q.Kind), Text: q.Text,
			Required: q.Required, Options: strings.Join(q.Options, "\n"), Order: strconv.Itoa(i + 1)})
	}
	return f.withBlanks()
}

// withBlanks adds the empty rows.
func (f builderForm) withBlanks() builderForm {
	n := len(f.Rows)
	for i := n; i < n+newRows; i++ {
		f.Rows = append(f.Rows, questionRow{Index: i, Kind: string(intake.ShortText), Order: strconv.Itoa(i + 1)})
	}
	return f
}

// parseBuilder reads the builder form: its rows until the first missing.
func parseBuilder(r *http.Request) builderForm {
	f := builderForm{Title: r.PostFormValue("title"), Intro: r.PostFormValue("intro"), Repeat: r.PostFormValue("repeat") != ""}
	for i := 0; i < intake.MaxQuestions+newRows+50; i++ {
		key := "questions." + strconv.Itoa(i) + "."
		if _, ok := r.PostForm[key+"kind"]; !ok {
			break
		}
		f.Rows = append(f.Rows, questionRow{Index: i, ID: strings.TrimSpace(r.PostFormValue(key + "id")), Kind: r.PostFormValue(key + "kind"),
			Text: r.PostFormValue(key + "text"), Required: r.PostFormValue(key+"required") != "", Options: r.PostFormValue(key + "options"),
			Order: strings.TrimSpace(r.PostFormValue(key + "order")), Delete: r.PostFormValue(key+"delete") != ""})
	}
	return f
}

// blank reports whether a row is a new question left empty.
func (q questionRow) blank() bool {
	return q.ID == "" && strings.TrimSpace(q.Text) == "" && strings.TrimSpace(q.Options) == ""
}

// draft is the questionnaire the form asks for: its rows in their order,
// less the ones deleted and the new ones left empty. rows maps each of
// its questions to its row on the form; fields are what the form itself
// could not read.
func (f builderForm) draft() (d intake.Draft, rows []int, fields map[string]string) {
	fields = map[string]string{}
	kept := slices.DeleteFunc(slices.Clone(f.Rows), func(q questionRow) bool { return q.Delete || q.blank() })
	order := func(q questionRow) int {
		n, err := strconv.Atoi(q.Order)
		if err != nil {
			fields["questions."+strconv.Itoa(q.Index)+".order"] = "must be a number"
			return q.Index + 1
		}
		return n
	}
	slices.SortStableFunc(kept, func(a, b questionRow) int { return cmp.Compare(order(a), order(b)) })
	d = intake.Draft{Content: intake.Content{Title: f.Title, Intro: f.Intro}, Repeat: f.Repeat}
	for _, q := range kept {
		var id int64
		if q.ID != "" {
			var err error
			if id, err = strconv.ParseInt(q.ID, 10, 64); err != nil {
				fields["questions."+strconv.Itoa(q.Index)+".id"] = "is not a question of this questionnaire"
			}
		}
		var options []string
		if intake.Kind(q.Kind).HasOptions() {
			options = strings.Split(strings.ReplaceAll(q.Options, "\r\n", "\n"), "\n")
		}
		d.Questions = append(d.Questions, intake.Question{ID: id, Kind: intake.Kind(q.Kind), Text: q.Text, Required: q.Required, Options: options})
		rows = append(rows, q.Index)
	}
	return d, rows, fields
}

// onRows is err with the fields of questions named by their rows on the
// form: "questions.2.text" of the draft is "questions.<rows[2]>.text".
// Other errors pass as they are.
func onRows(err error, rows []int) error {
	fields := app.ErrorFields(err)
	if app.ErrorCode(err) != app.EINVALID || len(fields) == 0 {
		return err
	}
	out := make(map[string]string, len(fields))
	for k, v := range fields {
		if rest, ok := strings.CutPrefix(k, "questions."); ok {
			i, suffix, _ := strings.Cut(rest, ".")
			if n, err := strconv.Atoi(i); err == nil && n >= 0 && n < len(rows) && suffix != "" {
				k = "questions." + strconv.Itoa(rows[n]) + "." + suffix
			}
		}
		out[k] = v
	}
	return &app.Error{Code: app.EINVALID, Message: app.ErrorMessage(err), Fields: out}
}

// typeChoice is a session type on the questionnaire page: whether it
// asks for this questionnaire, or which other one.
type typeChoice struct {
	ID        int64
	Name      string
	Checked   bool
	Elsewhere string // the title of the other questionnaire it asks for
}

// questionnaireData is the builder page: a new questionnaire (ID 0) or
// one to edit, send and ask at booking.
type questionnaireData struct {
	ID      int64
	Form    builderForm
	Kinds   []intake.Kind
	Fields  map[string]string
	Message string
	// Of a questionnaire that exists:
	Types       []typeChoice
	Clients     []*coaching.User
	Sent        []*intake.Request
	SendMessage string
}

func (d questionnaireData) PageTitle() string {
	if d.ID == 0 {
		return "New questionnaire"
	}
	return d.Form.Title
}

func (s *Server) newQuestionnairePage(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	if err := intake.MayBuild(r.Context()); err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "questionnaire", questionnaireData{Form: builderForm{}.withBlanks(), Kinds: intake.Kinds})
}

func (s *Server) createQuestionnaireForm(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	err := intake.MayBuild(r.Context())
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	f := parseBuilder(r)
	d, rows, fields := f.draft()
	var qn *intake.Questionnaire
	if err = app.Invalid(fields); err == nil {
		qn, err = s.intake.Create(r.Context(), d)
		err = onRows(err, rows)
	}
	if err != nil {
		s.formError(w, r, err, func(status int) {
			s.render(w, r, status, "questionnaire", questionnaireData{Form: f, Kinds: intake.Kinds,
				Fields: app.ErrorFields(err), Message: formMessage(err)})
		})
		return
	}
	redirectFlash(w, r, "/questionnaires/"+itoa(qn.ID), "questionnairesaved")
}

func (s *Server) questionnairePage(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	id, err := pathID(r, "id")
	var qn *intake.Questionnaire
	if err == nil {
		qn, err = s.intake.Questionnaire(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.renderQuestionnaire(w, r, http.StatusOK, u, qn, questionnaireData{Form: builderFormOf(qn)})
}

// renderQuestionnaire shows the page of qn with the builder's form and
// notices in d, filling in the rest.
func (s *Server) renderQuestionnaire(w http.ResponseWriter, r *http.Request, status int, u *coaching.User, qn *intake.Questionnaire, d questionnaireData) {
	ctx := r.Context()
	d.ID, d.Kinds = qn.ID, intake.Kinds
	types, err := s.svc.SessionTypesOf(ctx, u.ID)
	var all []*intake.Questionnaire
	if err == nil {
		all, err = s.intake.Questionnaires(ctx)
	}
	if err == nil {
		d.Clients, err = s.svc.ListClients(ctx, coaching.Page{Limit: 200})
	}
	if err == nil {
		d.Sent, err = s.intake.Requests(ctx, intake.RequestFilter{QuestionnaireID: qn.ID, Page: coaching.Page{Limit: 50}})
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	asking := map[int64]string{}
	for _, other := range all {
		for _, tid := range other.SessionTypeIDs {
			asking[tid] = other.Title
		}
	}
	for _, st := range types {
		c := typeChoice{ID: st.ID, Name: st.Name, Checked: slices.Contains(qn.SessionTypeIDs, st.ID)}
		if !c.Checked {
			c.Elsewhere = asking[st.ID]
		}
		d.Types = append(d.Types, c)
	}
	s.render(w, r, status, "questionnaire", d)
}

func (s *Server) updateQuestionnaireForm(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	id, err := pathID(r, "id")
	var qn *intake.Questionnaire
	if err == nil {
		qn, err = s.intake.Questionnaire(r.Context(), id)
	}
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	f := parseBuilder(r)
	d, rows, fields := f.draft()
	if err = app.Invalid(fields); err == nil {
		_, err = s.intake.Update(r.Context(), id, d)
		err = onRows(err, rows)
	}
	if err != nil {
		s.formError(w, r, err, func(status int) {
			s.renderQuestionnaire(w, r, status, u, qn, questionnaireData{Form: f, Fields: app.ErrorFields(err), Message: formMessage(err)})
		})
		return
	}
	redirectFlash(w, r, "/questionnaires/"+itoa(id), "questionnairesaved")
}

func (s *Server) askAtBookingForm(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	if err == nil {
		_, err = s.intake.Questionnaire(r.Context(), id)
	}
	if err == nil {
		err = parseForm(w, r)
	}
	var typeIDs []int64
	for _, v := range r.PostForm["session_type_id"] {
		n, perr := strconv.ParseInt(v, 10, 64)
		if perr != nil && err == nil {
			err = app.Invalid(map[string]string{"session_type_ids": "must be session types of yours"})
		}
		typeIDs = append(typeIDs, n)
	}
	if err == nil {
		_, err = s.intake.AskAtBooking(r.Context(), id, typeIDs)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	redirectFlash(w, r, "/questionnaires/"+itoa(id), "questionnaireasked")
}

func (s *Server) archiveQuestionnaireForm(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.intake.Archive(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	redirectFlash(w, r, "/questionnaires", "questionnaireremoved")
}

// sendQuestionnaireForm sends a questionnaire to a client from the
// questionnaire's page (back=questionnaire) or the client's (back=client);
// a refusal shows that page again, saying why.
func (s *Server) sendQuestionnaireForm(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	if err := parseForm(w, r); err != nil {
		s.Error(w, r, err)
		return
	}
	qid, _ := strconv.ParseInt(r.PostFormValue("questionnaire_id"), 10, 64)
	cid, _ := strconv.ParseInt(r.PostFormValue("client_id"), 10, 64)
	fromClient := r.PostFormValue("back") == "client"
	var err error
	switch {
	case fromClient && qid <= 0:
		err = app.Invalid(map[string]string{"questionnaire_id": "choose a questionnaire"})
	case !fromClient && cid <= 0:
		err = app.Invalid(map[string]string{"client_id": "choose a client"})
	default:
		_, err = s.intake.Send(r.Context(), qid, cid)
	}
	code := app.ErrorCode(err)
	switch {
	case err == nil && fromClient:
		redirectFlash(w, r, "/clients/"+itoa(cid), "questionnairesent")
	case err == nil:
		redirectFlash(w, r, "/questionnaires/"+itoa(qid), "questionnairesent")
	case code != app.EINVALID && code != app.ECONFLICT:
		s.Error(w, r, err)
	case fromClient:
		s.renderClient(w, r, statusOf[code], u, cid, summary(err))
	default:
		qn, qerr := s.intake.Questionnaire(r.Context(), qid)
		if qerr != nil {
			s.Error(w, r, qerr)
			return
		}
		s.renderQuestionnaire(w, r, statusOf[code], u, qn, questionnaireData{Form: builderFormOf(qn), SendMessage: summary(err)})
	}
}
