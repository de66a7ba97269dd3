package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// questionnaireOut is a questionnaire as the API answers it.
type questionnaireOut struct {
	ID        int64
	Title     string
	Repeat    bool
	Questions []struct {
		ID       int64
		Kind     string
		Text     string
		Required bool
		Options  []string
	}
	SessionTypeIDs []int64 `json:"session_type_ids"`
}

// requestOut is a questionnaire request as the API answers it.
type requestOut struct {
	ID            int64
	Status        string
	Version       int
	Title         string
	AppointmentID *int64 `json:"appointment_id"`
	Questions     []struct {
		ID   int64
		Text string
	}
	Answers map[string]any
}

// everyKind is a questionnaire with a question of each kind: the short
// text and the scale are required.
func everyKind(title string) map[string]any {
	return map[string]any{"title": title, "intro": "A few questions before we start.", "questions": []map[string]any{
		{"kind": "short_text", "text": "What brings you here?", "required": true},
		{"kind": "long_text", "text": "Tell me more"},
		{"kind": "one_choice", "text": "How did you hear of me?", "options": []string{"A friend", "Online"}},
		{"kind": "choices", "text": "What do you want to work on?", "options": []string{"Career", "Health", "Family"}},
		{"kind": "scale", "text": "How well do you sleep?", "required": true},
		{"kind": "date", "text": "When did it start?"},
	}}
}

// mustQuestionnaire creates everyKind(title) as c.
func mustQuestionnaire(t *testing.T, c *client, title string) questionnaireOut {
	t.Helper()
	res := c.api("POST", "/api/v1/questionnaires", everyKind(title))
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create questionnaire: %d %s", res.StatusCode, res.body)
	}
	var qn questionnaireOut
	res.json(t, &qn)
	return qn
}

// mustSendQuestionnaire sends questionnaire qid to clientID as c.
func mustSendQuestionnaire(t *testing.T, c *client, qid, clientID int64) requestOut {
	t.Helper()
	res := c.api("POST", "/api/v1/questionnaire-requests", map[string]any{"questionnaire_id": qid, "client_id": clientID})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("send questionnaire: %d %s", res.StatusCode, res.body)
	}
	var r requestOut
	res.json(t, &r)
	return r
}

// mustFieldsOf checks a 400 answer whose fields are exactly want's keys,
// each reason containing want's.
func mustFieldsOf(t *testing.T, res *response, want map[string]string) {
	t.Helper()
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("%d %s, want 400", res.StatusCode, res.body)
	}
	code, fields := res.errorBody(t)
	if code != "invalid" || len(fields) != len(want) {
		t.Fatalf("code %s, fields %v, want %v", code, fields, want)
	}
	for k, part := range want {
		if !strings.Contains(fields[k], part) {
			t.Errorf("%s: %q, want it to say %q (all: %v)", k, fields[k], part, fields)
		}
	}
}

// TestQuestionnaireBuilderAPI: a coach builds a questionnaire of every
// kind, reorders, edits and deletes its questions; a questionnaire
// without questions, a choice question without options and the like are
// refused naming the field, and nothing is written.
func TestQuestionnaireBuilderAPI(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		qn := mustQuestionnaire(t, w.coach, "Before we start")
		if len(qn.Questions) != 6 || qn.Questions[0].ID != 1 || qn.Questions[5].Kind != "date" || !qn.Questions[4].Required {
			t.Fatalf("created %+v", qn)
		}
		for _, tc := range []struct {
			name   string
			change func(d map[string]any)
			want   map[string]string
		}{
			{"no questions", func(d map[string]any) { d["questions"] = []any{} }, map[string]string{"questions": "needs at least one question"}},
			{"a choice question with no options", func(d map[string]any) {
				d["questions"].([]map[string]any)[2]["options"] = []string{}
			}, map[string]string{"questions.2.options": "needs at least two options (question 3, “How did you hear of me?”)"}},
			{"a kind that does not exist", func(d map[string]any) { d["questions"].([]map[string]any)[0]["kind"] = "essay" },
				map[string]string{"questions.0.kind": "must be one of"}},
			{"no title", func(d map[string]any) { d["title"] = "  " }, map[string]string{"title": "is required"}},
			{"a field that does not exist", func(d map[string]any) { d["colour"] = "red" }, map[string]string{"colour": "not a known field"}},
			{"a text that is a number", func(d map[string]any) { d["questions"].([]map[string]any)[1]["text"] = 7 },
				map[string]string{"questions.text": "must be a string"}},
		} {
			d := everyKind("Broken")
			tc.change(d)
			mustFieldsOf(t, w.coach.api("POST", "/api/v1/questionnaires", d), tc.want)
		}
		var list struct{ Items []questionnaireOut }
		w.coach.get("/api/v1/questionnaires").json(t, &list)
		if len(list.Items) != 1 {
			t.Fatalf("%d questionnaires after refused ones, want 1", len(list.Items))
		}

		// The scale first and reworded, the date deleted, a question added.
		qs := []map[string]any{{"id": 5, "kind": "scale", "text": "Sleep, these days?", "required": true}}
		for _, q := range qn.Questions[:4] {
			qs = append(qs, map[string]any{"id": q.ID, "kind": q.Kind, "text": q.Text, "required": q.Required, "options": q.Options})
		}
		qs = append(qs, map[string]any{"kind": "long_text", "text": "Anything else?"})
		res := w.coach.api("PUT", fmt.Sprintf("/api/v1/questionnaires/%d", qn.ID), map[string]any{"title": "Before we start", "questions": qs, "repeat": true})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("update: %d %s", res.StatusCode, res.body)
		}
		var got questionnaireOut
		w.coach.get(fmt.Sprintf("/api/v1/questionnaires/%d", qn.ID)).json(t, &got)
		var ids []int64
		for _, q := range got.Questions {
			ids = append(ids, q.ID)
		}
		if !slices.Equal(ids, []int64{5, 1, 2, 3, 4, 7}) || got.Questions[0].Text != "Sleep, these days?" || !got.Repeat {
			t.Errorf("after the update: %v %+v", ids, got)
		}
		qs[1]["id"] = 6 // the deleted date
		mustFieldsOf(t, w.coach.api("PUT", fmt.Sprintf("/api/v1/questionnaires/%d", qn.ID), map[string]any{"title": "T", "questions": qs}),
			map[string]string{"questions.1.id": "is not a question of this questionnaire"})
		if res := w.coach.api("PUT", fmt.Sprintf("/api/v1/questionnaires/%d/session-types", qn.ID), map[string]any{"session_type_ids": []int64{999}}); res.StatusCode != http.StatusBadRequest {
			t.Errorf("a session type that is not the coach's: %d %s", res.StatusCode, res.body)
		}
	})
}

// TestAnsweringAPI: the client saves a draft and comes back, wrong
// answers are refused naming their question and keep nothing, a
// submission wants the required ones, and then nothing changes; the coach
// reads the answers once submitted, through the client's answers too,
// and editing the questionnaire changes nothing of what was answered.
func TestAnsweringAPI(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		qn := mustQuestionnaire(t, w.coach, "Before we start")
		r := mustSendQuestionnaire(t, w.coach, qn.ID, w.clientID)
		if r.Status != "waiting" || r.Version != 1 || len(r.Questions) != 6 {
			t.Fatalf("sent %+v", r)
		}
		res := w.coach.api("POST", "/api/v1/questionnaire-requests", map[string]any{"questionnaire_id": qn.ID, "client_id": w.clientID})
		if code, fields := res.errorBody(t); res.StatusCode != http.StatusConflict || code != "conflict" || fields["client_id"] == "" {
			t.Errorf("sent twice: %d %s", res.StatusCode, res.body)
		}
		var open struct{ Items []requestOut }
		w.client.get("/api/v1/questionnaire-requests?state=open").json(t, &open)
		if len(open.Items) != 1 || open.Items[0].ID != r.ID {
			t.Fatalf("the client's open requests: %+v", open.Items)
		}
		path := fmt.Sprintf("/api/v1/questionnaire-requests/%d", r.ID)
		if res := w.client.api("PUT", path+"/answers", map[string]any{"answers": map[string]any{"2": "Some of it", "4": []string{"Health"}}}); res.StatusCode != http.StatusOK {
			t.Fatalf("save a draft: %d %s", res.StatusCode, res.body)
		}
		for _, tc := range []struct {
			name    string
			answers map[string]any
			want    map[string]string
		}{
			{"text for a scale", map[string]any{"5": "seven"}, map[string]string{"answers.5": "whole number from 1 to 10 (question 5, “How well do you sleep?”)"}},
			{"a scale of 11", map[string]any{"5": 11}, map[string]string{"answers.5": "from 1 to 10"}},
			{"a choice not offered", map[string]any{"3": "A stranger"}, map[string]string{"answers.3": "“A stranger” is not one of the options"}},
			{"a bad date", map[string]any{"6": "2030-02-30"}, map[string]string{"answers.6": "date like 2030-12-31"}},
			{"a question that does not exist", map[string]any{"999": "hello"}, map[string]string{"answers.999": "is not a question"}},
			{"true for a text", map[string]any{"1": true}, map[string]string{"answers.1": "text, a number or a list"}},
		} {
			body := map[string]any{"answers": tc.answers}
			body["answers"].(map[string]any)["2"] = "Changed"
			mustFieldsOf(t, w.client.api("PUT", path+"/answers", body), tc.want)
		}
		var draft requestOut
		w.client.get(path).json(t, &draft)
		if draft.Status != "draft" || draft.Answers["2"] != "Some of it" || fmt.Sprint(draft.Answers["4"]) != "[Health]" {
			t.Fatalf("the draft after refused saves: %+v", draft)
		}
		var seen requestOut
		w.coach.get(path).json(t, &seen)
		if seen.Status != "draft" || len(seen.Answers) != 0 {
			t.Errorf("the coach reads a draft: %+v", seen)
		}
		if res := w.coach.api("PUT", path+"/answers", map[string]any{"answers": map[string]any{}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("the coach answers: %d", res.StatusCode)
		}
		mustFieldsOf(t, w.client.api("POST", path+"/submit", nil), map[string]string{"answers.1": "is required", "answers.5": "is required"})
		res = w.client.api("POST", path+"/submit", map[string]any{"answers": map[string]any{"1": "Stress", "4": []string{"Family", "Career"}, "5": 6, "6": "2029-11-01"}})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("submit: %d %s", res.StatusCode, res.body)
		}
		if res := w.client.api("PUT", path+"/answers", map[string]any{"answers": map[string]any{"1": "Other"}}); res.StatusCode != http.StatusConflict {
			t.Errorf("a draft after submitting: %d %s", res.StatusCode, res.body)
		}
		w.coach.get(path).json(t, &seen)
		if seen.Status != "submitted" || seen.Answers["1"] != "Stress" || seen.Answers["5"] != float64(6) || fmt.Sprint(seen.Answers["4"]) != "[Career Family]" ||
			seen.Answers["6"] != "2029-11-01" || seen.Answers["2"] != nil {
			t.Errorf("the coach reads %+v", seen.Answers)
		}

		res = w.coach.api("PUT", fmt.Sprintf("/api/v1/questionnaires/%d", qn.ID), map[string]any{"title": "Renamed", "questions": []map[string]any{{"kind": "short_text", "text": "One thing"}}})
		if res.StatusCode != http.StatusOK {
			t.Fatal(res.StatusCode)
		}
		var answered struct{ Items []requestOut }
		w.coach.get(fmt.Sprintf("/api/v1/clients/%d/answers", w.clientID)).json(t, &answered)
		if len(answered.Items) != 1 || answered.Items[0].Title != "Before we start" || len(answered.Items[0].Questions) != 6 || answered.Items[0].Answers["1"] != "Stress" {
			t.Errorf("the client's answers after the questionnaire changed: %+v", answered.Items)
		}
		if again := mustSendQuestionnaire(t, w.coach, qn.ID, w.clientID); again.Version != 2 || again.Title != "Renamed" || len(again.Questions) != 1 {
			t.Errorf("sent after the change: %+v", again)
		}
	})
}

// TestQuestionnairePages: a coach builds a questionnaire through the
// form, a refusal keeps what was typed with each reason beside its
// question; reorders and deletes through the form; sends it from the
// client's page; the client sees it on the dashboard, fills it in (a
// refusal keeps what was typed), saves, comes back, submits, and then
// reads it only; the coach reads the answers on the client's page.
func TestQuestionnairePages(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		form := url.Values{"title": {""}, "intro": {"Hello"},
			"questions.0.kind": {"short_text"}, "questions.0.text": {"What brings you here?"}, "questions.0.order": {"1"}, "questions.0.required": {"1"},
			"questions.1.kind": {"one_choice"}, "questions.1.text": {"Morning or evening?"}, "questions.1.order": {"2"}, "questions.1.options": {""},
			"questions.2.kind": {"short_text"}, "questions.2.text": {""}, "questions.2.order": {"3"},
			"questions.3.kind": {"scale"}, "questions.3.text": {"Energy?"}, "questions.3.order": {"4"}, "questions.3.required": {"1"}}
		res := w.coach.form("POST", "/questionnaires", form)
		body := string(res.body)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `value="What brings you here?"`) || !strings.Contains(body, "Energy?") ||
			!regexp.MustCompile(`id="questions.1.options" name="questions.1.options" rows="2" aria-invalid="true"`).MatchString(body) ||
			!strings.Contains(body, "needs at least two options (question 2, “Morning or evening?”)") || !strings.Contains(body, "is required") {
			t.Fatalf("a refused form: %d\n%s", res.StatusCode, body)
		}
		form.Set("title", "Intake")
		form.Set("questions.1.options", "Morning\r\nEvening\r\n")
		res = w.coach.form("POST", "/questionnaires", form)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("create through the form: %d %s", res.StatusCode, res.body)
		}
		page := res.Header.Get("Location")
		id := strings.TrimSuffix(strings.TrimPrefix(page, "/questionnaires/"), "?flash=questionnairesaved")
		var qn questionnaireOut
		w.coach.get("/api/v1/questionnaires/"+id).json(t, &qn)
		if len(qn.Questions) != 3 || qn.Questions[2].Text != "Energy?" || !slices.Equal(qn.Questions[1].Options, []string{"Morning", "Evening"}) {
			t.Fatalf("created through the form: %+v", qn)
		}
		edit := url.Values{"title": {"Intake"}}
		for i, q := range qn.Questions {
			p := fmt.Sprintf("questions.%d.", i)
			edit.Set(p+"id", itoa(q.ID))
			edit.Set(p+"kind", q.Kind)
			edit.Set(p+"text", q.Text)
			edit.Set(p+"order", fmt.Sprint(3-i)) // reversed
			edit.Set(p+"options", strings.Join(q.Options, "\n"))
			if q.Required {
				edit.Set(p+"required", "1")
			}
		}
		edit.Set("questions.1.delete", "1")
		edit.Set("questions.2.order", "first")
		edit.Set("questions.0.text", "")
		res = w.coach.form("POST", "/questionnaires/"+id, edit)
		if body := string(res.body); res.StatusCode != http.StatusBadRequest ||
			!strings.Contains(body, `id="questions.2.order" name="questions.2.order" inputmode="numeric" value="first" aria-invalid="true"`) ||
			!strings.Contains(body, `name="questions.1.delete" value="1" checked`) {
			t.Fatalf("an order that is no number: %d\n%s", res.StatusCode, body)
		}
		edit.Set("questions.2.order", "1")
		res = w.coach.form("POST", "/questionnaires/"+id, edit)
		if body := string(res.body); res.StatusCode != http.StatusBadRequest ||
			!regexp.MustCompile(`id="questions.0.text" name="questions.0.text" maxlength="500" value="" aria-invalid="true"`).MatchString(body) ||
			!strings.Contains(body, "is required (question 2)") {
			t.Fatalf("a question emptied, second in the new order: %d\n%s", res.StatusCode, body)
		}
		edit.Set("questions.0.text", qn.Questions[0].Text)
		if res := w.coach.form("POST", "/questionnaires/"+id, edit); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("edit through the form: %d %s", res.StatusCode, res.body)
		}
		w.coach.get("/api/v1/questionnaires/"+id).json(t, &qn)
		if len(qn.Questions) != 2 || qn.Questions[0].Text != "Energy?" || qn.Questions[1].Text != "What brings you here?" {
			t.Fatalf("reordered and deleted through the form: %+v", qn.Questions)
		}
		if body := string(w.coach.get("/questionnaires").body); !strings.Contains(body, `href="/questionnaires/`+id+`">Intake</a>`) {
			t.Errorf("the list lacks it:\n%s", body)
		}

		res = w.coach.form("POST", "/questionnaire-requests", url.Values{"back": {"client"}, "client_id": {itoa(w.clientID)}, "questionnaire_id": {id}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != fmt.Sprintf("/clients/%d?flash=questionnairesent", w.clientID) {
			t.Fatalf("send from the client's page: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		res = w.coach.form("POST", "/questionnaire-requests", url.Values{"back": {"client"}, "client_id": {itoa(w.clientID)}, "questionnaire_id": {id}})
		if res.StatusCode != http.StatusConflict || !strings.Contains(string(res.body), "Client id: has this questionnaire to fill in already.") {
			t.Errorf("sent twice from the client's page: %d\n%s", res.StatusCode, res.body)
		}
		dash := string(w.client.get("/dashboard").body)
		m := regexp.MustCompile(`href="/questionnaire-requests/(\d+)">Intake</a>`).FindStringSubmatch(dash)
		if m == nil || !strings.Contains(dash, "Questionnaires to fill in") {
			t.Fatalf("the client's dashboard does not list it:\n%s", dash)
		}
		fill := "/questionnaire-requests/" + m[1]
		energy, brings := fmt.Sprintf("answers.%d", qn.Questions[0].ID), fmt.Sprintf("answers.%d", qn.Questions[1].ID)
		res = w.client.form("POST", fill, url.Values{"action": {"submit"}, brings: {"A new job <soon>"}})
		body = string(res.body)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `value="A new job &lt;soon&gt;"`) ||
			!strings.Contains(body, "is required (question 1, “Energy?”)") {
			t.Fatalf("a refused submission: %d\n%s", res.StatusCode, body)
		}
		if res := w.client.form("POST", fill, url.Values{"action": {"save"}, brings: {"A new job"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("save for later: %d %s", res.StatusCode, res.body)
		}
		if body := string(w.client.get(fill).body); !strings.Contains(body, `value="A new job"`) || !strings.Contains(body, "draft saved") {
			t.Errorf("the saved draft is not on the form:\n%s", body)
		}
		if body := string(w.coach.get(fill).body); strings.Contains(body, "A new job") || !strings.Contains(body, "has not submitted it yet") {
			t.Errorf("the coach sees the draft:\n%s", body)
		}
		if res := w.coach.form("POST", fill, url.Values{"action": {"submit"}, energy: {"3"}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("the coach submits: %d", res.StatusCode)
		}
		if res := w.client.form("POST", fill, url.Values{"action": {"submit"}, brings: {"A new job"}, energy: {"8"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("submit: %d %s", res.StatusCode, res.body)
		}
		if body := string(w.client.get(fill).body); strings.Contains(body, "<form method=\"post\" action=\""+fill) || !strings.Contains(body, "A new job") {
			t.Errorf("the submitted questionnaire is not read-only:\n%s", body)
		}
		if res := w.client.form("POST", fill, url.Values{"action": {"save"}, brings: {"Else"}}); res.StatusCode != http.StatusConflict {
			t.Errorf("a save after submitting: %d", res.StatusCode)
		}
		client := string(w.coach.get(fmt.Sprintf("/clients/%d", w.clientID)).body)
		if !strings.Contains(client, `<p class="answer-a" data-answer="`+itoa(qn.Questions[0].ID)+`">8 <span class="muted">of 10</span></p>`) ||
			!strings.Contains(client, "A new job") {
			t.Errorf("the client's page lacks the answers:\n%s", client)
		}
		if body := string(w.admin.get(fmt.Sprintf("/clients/%d", w.clientID)).body); strings.Contains(body, "A new job") {
			t.Errorf("an admin reads the answers on the client's page")
		}
	})
}

// TestBookingAsksTheQuestionnaire: a session type that asks for a
// questionnaire asks whoever books it; the appointment's page says so to
// the client with a link, and to the coach.
func TestBookingAsksTheQuestionnaire(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		typeID := openPractice(t, w)
		qn := mustQuestionnaire(t, w.coach, "Before we start")
		if res := w.coach.form("POST", fmt.Sprintf("/questionnaires/%d/session-types", qn.ID), url.Values{"session_type_id": {itoa(typeID)}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("ask at booking: %d %s", res.StatusCode, res.body)
		}
		slot := w.slots(t, w.client, typeID).Slots[2]
		res := w.client.api("POST", "/api/v1/coaches/"+itoa(w.coachID)+"/bookings", map[string]any{"session_type_id": typeID, "starts_at": slot})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("book: %d %s", res.StatusCode, res.body)
		}
		var appt struct{ ID int64 }
		res.json(t, &appt)
		var asked struct{ Items []requestOut }
		w.client.get(fmt.Sprintf("/api/v1/questionnaire-requests?appointment_id=%d", appt.ID)).json(t, &asked)
		if len(asked.Items) != 1 || asked.Items[0].AppointmentID == nil || *asked.Items[0].AppointmentID != appt.ID {
			t.Fatalf("asked at booking: %+v", asked.Items)
		}
		link := fmt.Sprintf(`href="/questionnaire-requests/%d">Before we start</a>`, asked.Items[0].ID)
		if body := string(w.client.get(fmt.Sprintf("/appointments/%d", appt.ID)).body); !strings.Contains(body, "Before the session") || !strings.Contains(body, link) {
			t.Errorf("the client's appointment page does not ask:\n%s", body)
		}
		if body := string(w.coach.get(fmt.Sprintf("/appointments/%d", appt.ID)).body); !strings.Contains(body, link) {
			t.Errorf("the coach's appointment page does not show it")
		}
	})
}

// intakeFixture is what the authorization matrix asks about: the coach's
// questionnaire qn, sent to the client as request; others to send, to
// remove, and sent as toSubmit.
type intakeFixture struct {
	qn, toSend, toRemove, request, toSubmit int64
}

func (w *world) intakeFixture(t *testing.T) intakeFixture {
	t.Helper()
	f := intakeFixture{qn: mustQuestionnaire(t, w.coach, "Intake").ID, toSend: mustQuestionnaire(t, w.coach, "To send").ID,
		toRemove: mustQuestionnaire(t, w.coach, "To remove").ID}
	f.request = mustSendQuestionnaire(t, w.coach, f.qn, w.clientID).ID
	f.toSubmit = mustSendQuestionnaire(t, w.coach, mustQuestionnaire(t, w.coach, "To submit").ID, w.clientID).ID
	return f
}
