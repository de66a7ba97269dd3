package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/intake"
)

// answerField is one question of a request's page, with what was given
// (typed, or stored) and why it was refused.
type answerField struct {
	intake.Question
	Number int
	Name   string // the form field: "answers.<ID>"
	Values []string
	Error  string
}

// Value is the first value given, or "".
func (f answerField) Value() string {
	if len(f.Values) == 0 {
		return ""
	}
	return f.Values[0]
}

// Has reports whether v is among the values given.
func (f answerField) Has(v string) bool { return slices.Contains(f.Values, v) }

// ScaleSteps are the scale's values, for its buttons.
func (f answerField) ScaleSteps() []string {
	out := make([]string, 0, intake.ScaleMax-intake.ScaleMin+1)
	for n := intake.ScaleMin; n <= intake.ScaleMax; n++ {
		out = append(out, strconv.Itoa(n))
	}
	return out
}

// answerFields are a request's questions with the values given (by
// question ID, as typed) and the refusals by field.
func answerFields(req *intake.Request, given map[string][]string, fields map[string]string) []answerField {
	out := make([]answerField, len(req.Version.Questions))
	for i, q := range req.Version.Questions {
		id := strconv.FormatInt(q.ID, 10)
		out[i] = answerField{Question: q, Number: i + 1, Name: "answers." + id, Values: given[id], Error: fields["answers."+id]}
	}
	return out
}

// requestData is a request's page: a form for its client until they
// submit it, the answers (once submitted) otherwise.
type requestData struct {
	Request   *intake.Request
	Fields    []answerField
	Answering bool   // the viewer is its client, and it is not submitted
	Message   string // why the answers were refused
	Other     string // the other person's name: the coach for the client, and the reverse
}

func (d requestData) PageTitle() string { return d.Request.Version.Title }

func (s *Server) requestPage(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	id, err := pathID(r, "id")
	var req *intake.Request
	if err == nil {
		req, err = s.intake.Request(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.renderRequest(w, r, http.StatusOK, u, req, req.Answers.Given(), nil, "")
}

func (s *Server) renderRequest(w http.ResponseWriter, r *http.Request, status int, u *coaching.User, req *intake.Request,
	given map[string][]string, fields map[string]string, message string) {
	d := requestData{Request: req, Fields: answerFields(req, given, fields), Message: message,
		Answering: u.ID == req.ClientID && req.SubmittedAt == nil, Other: req.Client.DisplayName()}
	if u.ID == req.ClientID {
		d.Other = req.Coach.DisplayName()
	}
	s.render(w, r, status, "questionnaire_request", d)
}

// answerForm saves the client's answers as a draft (action=save) or
// submits them; refused answers show the form again as typed, each
// refusal beside its question.
func (s *Server) answerForm(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	id, err := pathID(r, "id")
	var req *intake.Request
	if err == nil {
		req, err = s.intake.Request(r.Context(), id)
	}
	if err == nil {
		err = s.mayAnswer(r, id)
	}
	if err == nil {
		err = parseForm(w, r)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	given := map[string][]string{}
	for k, v := range r.PostForm {
		if qid, ok := strings.CutPrefix(k, "answers."); ok {
			given[qid] = v
		}
	}
	flash := "answerssaved"
	if r.PostFormValue("action") == "submit" {
		flash = "answerssubmitted"
		_, err = s.intake.Submit(r.Context(), id, given)
	} else {
		_, err = s.intake.Save(r.Context(), id, given)
	}
	if err != nil {
		s.formError(w, r, err, func(status int) {
			s.renderRequest(w, r, status, u, req, given, app.ErrorFields(err), formMessage(err))
		})
		return
	}
	redirectFlash(w, r, "/questionnaire-requests/"+itoa(id), flash)
}
