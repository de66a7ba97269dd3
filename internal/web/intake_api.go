package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/intake"
)

// intakeRoutes are the questionnaires: the coach's (built, asked at
// booking, sent) and the requests a client fills in, as JSON and as pages.
func (s *Server) intakeRoutes() {
	m := s.mux
	m.HandleFunc("GET /api/v1/questionnaires", s.signedIn(s.apiQuestionnaires))
	m.HandleFunc("POST /api/v1/questionnaires", s.signedIn(s.apiCreateQuestionnaire))
	m.HandleFunc("GET /api/v1/questionnaires/{id}", s.signedIn(s.apiQuestionnaire))
	m.HandleFunc("PUT /api/v1/questionnaires/{id}", s.signedIn(s.apiUpdateQuestionnaire))
	m.HandleFunc("DELETE /api/v1/questionnaires/{id}", s.signedIn(s.apiArchiveQuestionnaire))
	m.HandleFunc("PUT /api/v1/questionnaires/{id}/session-types", s.signedIn(s.apiAskAtBooking))
	m.HandleFunc("GET /api/v1/questionnaire-requests", s.signedIn(s.apiRequests))
	m.HandleFunc("POST /api/v1/questionnaire-requests", s.signedIn(s.apiSendQuestionnaire))
	m.HandleFunc("GET /api/v1/questionnaire-requests/{id}", s.signedIn(s.apiRequest))
	m.HandleFunc("PUT /api/v1/questionnaire-requests/{id}/answers", s.signedIn(s.apiSaveAnswers))
	m.HandleFunc("POST /api/v1/questionnaire-requests/{id}/submit", s.signedIn(s.apiSubmitAnswers))
	m.HandleFunc("GET /api/v1/clients/{id}/answers", s.signedIn(s.apiClientAnswers))
	s.intakePageRoutes()
}

// questionnaireJSON is a questionnaire as the API shows it.
type questionnaireJSON struct {
	ID             int64             `json:"id"`
	Title          string            `json:"title"`
	Intro          string            `json:"intro"`
	Repeat         bool              `json:"repeat"`
	Questions      []intake.Question `json:"questions"`
	SessionTypeIDs []int64           `json:"session_type_ids"`
	CreatedAt      time.Time         `json:"created_at"`
	UpdatedAt      time.Time         `json:"updated_at"`
}

func toQuestionnaireJSON(qn *intake.Questionnaire) *questionnaireJSON {
	j := &questionnaireJSON{ID: qn.ID, Title: qn.Title, Intro: qn.Intro, Repeat: qn.Repeat, Questions: qn.Questions,
		SessionTypeIDs: qn.SessionTypeIDs, CreatedAt: qn.CreatedAt, UpdatedAt: qn.UpdatedAt}
	if j.Questions == nil {
		j.Questions = []intake.Question{}
	}
	if j.SessionTypeIDs == nil {
		j.SessionTypeIDs = []int64{}
	}
	return j
}

// personJSON names one of a request's two people.
type personJSON struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

func toPersonJSON(u *coaching.User) *personJSON {
	if u == nil {
		return nil
	}
	return &personJSON{ID: u.ID, Name: u.Name, Email: u.Email}
}

// requestJSON is a request as the API shows it: the questions as they
// were asked, and the answers by question ID, each of its kind's type.
type requestJSON struct {
	ID              int64             `json:"id"`
	QuestionnaireID int64             `json:"questionnaire_id"`
	Version         int               `json:"version"`
	AppointmentID   *int64            `json:"appointment_id"`
	Status          intake.Status     `json:"status"`
	Title           string            `json:"title"`
	Intro           string            `json:"intro"`
	Questions       []intake.Question `json:"questions"`
	Answers         map[string]any    `json:"answers"`
	Coach           *personJSON       `json:"coach"`
	Client          *personJSON       `json:"client"`
	SentAt          time.Time         `json:"sent_at"`
	SavedAt         *time.Time        `json:"saved_at"`
	SubmittedAt     *time.Time        `json:"submitted_at"`
}

func toRequestJSON(r *intake.Request) *requestJSON {
	j := &requestJSON{ID: r.ID, QuestionnaireID: r.QuestionnaireID, Version: r.Version.Number, Status: r.Status(),
		Title: r.Version.Title, Intro: r.Version.Intro, Questions: r.Version.Questions, Answers: map[string]any{},
		Coach: toPersonJSON(r.Coach), Client: toPersonJSON(r.Client), SentAt: r.SentAt, SavedAt: r.SavedAt, SubmittedAt: r.SubmittedAt}
	if r.AppointmentID != 0 {
		j.AppointmentID = &r.AppointmentID
	}
	for _, it := range r.Items() {
		if len(it.Answer) > 0 {
			j.Answers[strconv.FormatInt(it.ID, 10)] = answerValue(it)
		}
	}
	return j
}

// answerValue is an answer as JSON: a number for a scale, a list for
// several choices, text for the rest.
func answerValue(it intake.Item) any {
	switch it.Kind {
	case intake.Choices:
		return it.Answer
	case intake.Scale:
		if n, err := strconv.Atoi(it.Answer[0]); err == nil {
			return n
		}
	}
	return it.Answer[0]
}

func toRequestsJSON(list []*intake.Request) []*requestJSON {
	out := make([]*requestJSON, len(list))
	for i, r := range list {
		out[i] = toRequestJSON(r)
	}
	return out
}

// draftJSON is what creates or replaces a questionnaire.
type draftJSON struct {
	Title     string            `json:"title"`
	Intro     string            `json:"intro"`
	Repeat    bool              `json:"repeat"`
	Questions []intake.Question `json:"questions"`
}

func (d draftJSON) draft() intake.Draft {
	return intake.Draft{Content: intake.Content{Title: d.Title, Intro: d.Intro, Questions: d.Questions}, Repeat: d.Repeat}
}

func (s *Server) apiQuestionnaires(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	list, err := s.intake.Questionnaires(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out := make([]*questionnaireJSON, len(list))
	for i, qn := range list {
		out[i] = toQuestionnaireJSON(qn)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

func (s *Server) apiCreateQuestionnaire(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	if err := intake.MayBuild(r.Context()); err != nil {
		s.Error(w, r, err)
		return
	}
	var d draftJSON
	err := decodeJSON(w, r, &d)
	var qn *intake.Questionnaire
	if err == nil {
		qn, err = s.intake.Create(r.Context(), d.draft())
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toQuestionnaireJSON(qn))
}

func (s *Server) apiQuestionnaire(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	var qn *intake.Questionnaire
	if err == nil {
		qn, err = s.intake.Questionnaire(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toQuestionnaireJSON(qn))
}

// apiUpdateQuestionnaire replaces a questionnaire's content; the one it
// is cannot be changed by someone who may not see it, so that is asked
// before the body is judged.
func (s *Server) apiUpdateQuestionnaire(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	if err == nil {
		_, err = s.intake.Questionnaire(r.Context(), id)
	}
	var d draftJSON
	if err == nil {
		err = decodeJSON(w, r, &d)
	}
	var qn *intake.Questionnaire
	if err == nil {
		qn, err = s.intake.Update(r.Context(), id, d.draft())
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toQuestionnaireJSON(qn))
}

func (s *Server) apiArchiveQuestionnaire(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.intake.Archive(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiAskAtBooking(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	if err == nil {
		_, err = s.intake.Questionnaire(r.Context(), id)
	}
	var in struct {
		SessionTypeIDs []int64 `json:"session_type_ids"`
	}
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	var qn *intake.Questionnaire
	if err == nil {
		qn, err = s.intake.AskAtBooking(r.Context(), id, in.SessionTypeIDs)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toQuestionnaireJSON(qn))
}

// apiRequests lists the caller's requests: ?state=open or submitted,
// ?client_id=, ?questionnaire_id=, ?appointment_id=, and the page.
func (s *Server) apiRequests(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	p, err := page(r)
	f := intake.RequestFilter{State: r.URL.Query().Get("state"), Page: p}
	if err == nil && f.State != intake.AnyState && f.State != intake.OpenState && f.State != intake.SubmittedState {
		err = app.Invalid(map[string]string{"state": "must be open or submitted"})
	}
	for _, q := range []struct {
		name string
		to   *int64
	}{{"client_id", &f.ClientID}, {"questionnaire_id", &f.QuestionnaireID}, {"appointment_id", &f.AppointmentID}} {
		if n, qerr := queryInt(r, q.name, 0); err == nil {
			*q.to, err = int64(n), qerr
		}
	}
	var list []*intake.Request
	if err == nil {
		list, err = s.intake.Requests(r.Context(), f)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, listJSON[*requestJSON]{Items: toRequestsJSON(list), Limit: p.Limit, Offset: p.Offset})
}

func (s *Server) apiSendQuestionnaire(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	var in struct {
		QuestionnaireID int64 `json:"questionnaire_id"`
		ClientID        int64 `json:"client_id"`
	}
	err := decodeJSON(w, r, &in)
	var req *intake.Request
	if err == nil {
		req, err = s.intake.Send(r.Context(), in.QuestionnaireID, in.ClientID)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toRequestJSON(req))
}

func (s *Server) apiRequest(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	var req *intake.Request
	if err == nil {
		req, err = s.intake.Request(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toRequestJSON(req))
}

// answersBody is what saves or submits answers: by question ID, text, a
// number, a list of texts, or null for none.
type answersBody struct {
	Answers map[string]json.RawMessage `json:"answers"`
}

func (s *Server) apiSaveAnswers(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	s.apiAnswer(w, r, false)
}

// apiSubmitAnswers submits the answers in the body, or, with no body,
// the draft saved.
func (s *Server) apiSubmitAnswers(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	s.apiAnswer(w, r, true)
}

// apiAnswer saves or submits a request's answers. Who may not answer it
// hears that before their answers are judged.
func (s *Server) apiAnswer(w http.ResponseWriter, r *http.Request, submit bool) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.mayAnswer(r, id)
	}
	var given map[string][]string
	if err == nil && (!submit || r.ContentLength != 0) {
		var in answersBody
		if err = decodeJSON(w, r, &in); err == nil {
			given, err = givenAnswers(in.Answers)
		}
	}
	var req *intake.Request
	switch {
	case err != nil:
	case submit:
		req, err = s.intake.Submit(r.Context(), id, given)
	default:
		req, err = s.intake.Save(r.Context(), id, given)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toRequestJSON(req))
}

// mayAnswer is nil when the caller is the client of request id, and the
// error they are answered otherwise (EFORBIDDEN for its coach).
func (s *Server) mayAnswer(r *http.Request, id int64) error {
	req, err := s.intake.Request(r.Context(), id)
	if err == nil && req.ClientID != userFrom(r.Context()).ID {
		err = app.Errorf(app.EFORBIDDEN, "only the client it was sent to answers a questionnaire")
	}
	return err
}

// givenAnswers reads the JSON answers as the domain judges them: text as
// is, a number as written, a list of texts, null as none. Anything else
// (true, an object, a list of numbers) is refused naming the answer.
func givenAnswers(raw map[string]json.RawMessage) (map[string][]string, error) {
	out := make(map[string][]string, len(raw))
	fields := map[string]string{}
	for k, v := range raw {
		var text string
		var list []string
		var num json.Number
		switch s := strings.TrimSpace(string(v)); {
		case s == "null":
			out[k] = nil
		case json.Unmarshal(v, &text) == nil:
			out[k] = []string{text}
		case json.Unmarshal(v, &list) == nil:
			out[k] = list
		case json.Unmarshal(v, &num) == nil:
			out[k] = []string{num.String()}
		default:
			fields[answerKey(k)] = "must be text, a number or a list of texts"
		}
	}
	return out, app.Invalid(fields)
}

// answerKey is the field of an answer the API could not read: the key
// when it is a plain number, else "answers".
func answerKey(k string) string {
	if _, err := strconv.ParseUint(k, 10, 63); err == nil && len(k) <= 19 {
		return "answers." + k
	}
	return "answers"
}

func (s *Server) apiClientAnswers(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	var list []*intake.Request
	if err == nil {
		list, err = s.intake.Answered(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": toRequestsJSON(list)})
}
