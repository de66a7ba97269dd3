package web

import (
	"net/http"
	"time"

	"rapport/internal/coaching"
	"rapport/internal/record"
)

// recordRoutes are the clients' records and goals: the pages and the API.
func (s *Server) recordRoutes() {
	m := s.mux
	m.HandleFunc("GET /api/v1/clients/{id}/record", s.signedIn(s.apiClientRecord))
	m.HandleFunc("GET /api/v1/record", s.signedIn(s.apiOwnRecord))
	m.HandleFunc("GET /api/v1/clients/{id}/goals", s.signedIn(s.apiGoals))
	m.HandleFunc("POST /api/v1/clients/{id}/goals", s.signedIn(s.apiCreateGoal))
	m.HandleFunc("GET /api/v1/goals/{id}", s.signedIn(s.apiGetGoal))
	m.HandleFunc("PATCH /api/v1/goals/{id}", s.signedIn(s.apiUpdateGoal))
	m.HandleFunc("DELETE /api/v1/goals/{id}", s.signedIn(s.apiDeleteGoal))
	s.recordPageRoutes()
}

// goalJSON is a goal as the API shows it.
type goalJSON struct {
	ID         int64      `json:"id"`
	CoachID    int64      `json:"coach_id"`
	CoachName  string     `json:"coach_name"`
	ClientID   int64      `json:"client_id"`
	Title      string     `json:"title"`
	Progress   int        `json:"progress"`
	Note       string     `json:"note"`
	Done       bool       `json:"done"`
	Achieved   bool       `json:"achieved"`
	AchievedAt *time.Time `json:"achieved_at"`
	CreatedBy  int64      `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedBy  int64      `json:"updated_by"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

func toGoalJSON(g *record.Goal) *goalJSON {
	return &goalJSON{ID: g.ID, CoachID: g.CoachID, CoachName: g.CoachName, ClientID: g.ClientID, Title: g.Title, Progress: g.Progress,
		Note: g.Note, Done: g.Done, Achieved: g.Achieved(), AchievedAt: g.AchievedAt, CreatedBy: g.CreatedBy, CreatedAt: g.CreatedAt,
		UpdatedBy: g.UpdatedBy, UpdatedAt: g.UpdatedAt}
}

func toGoalsJSON(list []*record.Goal) []*goalJSON {
	out := make([]*goalJSON, len(list))
	for i, g := range list {
		out[i] = toGoalJSON(g)
	}
	return out
}

// goalDraftJSON is the body of POST /api/v1/clients/{id}/goals.
type goalDraftJSON struct {
	CoachID  int64  `json:"coach_id"`
	Title    string `json:"title"`
	Progress int    `json:"progress"`
	Note     string `json:"note"`
	Done     bool   `json:"done"`
}

// goalChangeJSON is the body of PATCH /api/v1/goals/{id}.
type goalChangeJSON struct {
	Title    *string `json:"title"`
	Progress *int    `json:"progress"`
	Note     *string `json:"note"`
	Done     *bool   `json:"done"`
}

// recordJSON is a client's record as the API shows it.
type recordJSON struct {
	View    record.View  `json:"view"`
	Client  *personJSON  `json:"client"`
	Coaches []personJSON `json:"coaches"`
	Query   string       `json:"query"`
	Goals   []*goalJSON  `json:"goals"`
	Entries []entryJSON  `json:"entries"`
	Cut     []string     `json:"cut"`
}

// entryJSON is one entry of the timeline: kind says which part it has.
type entryJSON struct {
	Kind          record.Kind        `json:"kind"`
	At            time.Time          `json:"at"`
	CoachID       int64              `json:"coach_id"`
	CoachName     string             `json:"coach_name"`
	Session       *sessionEntryJSON  `json:"session,omitempty"`
	PrivateNote   *noteJSON          `json:"private_note,omitempty"`
	Questionnaire *requestJSON       `json:"questionnaire,omitempty"`
	Messages      *messagesEntryJSON `json:"messages,omitempty"`
}

// sessionEntryJSON is a session on the timeline.
type sessionEntryJSON struct {
	AppointmentID   int64       `json:"appointment_id"`
	URL             string      `json:"url"`
	Title           string      `json:"title"`
	StartsAt        time.Time   `json:"starts_at"`
	DurationMinutes int         `json:"duration_minutes"`
	Status          string      `json:"status"`
	Notes           string      `json:"notes"` // shared with the client
	CancelReason    string      `json:"cancel_reason,omitempty"`
	Calls           int         `json:"calls"`
	CallSeconds     int64       `json:"call_seconds"`
	Summary         *summaryRef `json:"summary,omitempty"`
	Transcript      []lineJSON  `json:"transcript"`
	MoreTranscript  bool        `json:"more_transcript"`
}

// summaryRef is a session's AI summary on the timeline.
type summaryRef struct {
	Body      string    `json:"body"`
	Shared    bool      `json:"shared"`
	WrittenAt time.Time `json:"written_at"`
}

// lineJSON is a line of a transcript; speaker_id 0 is the AI.
type lineJSON struct {
	SpeakerID int64     `json:"speaker_id"`
	Speaker   string    `json:"speaker"`
	Body      string    `json:"body"`
	At        time.Time `json:"at"`
}

// messagesEntryJSON is a run of messages on the timeline, newest first.
type messagesEntryJSON struct {
	ConversationID int64               `json:"conversation_id"`
	URL            string              `json:"url"`
	Items          []recordMessageJSON `json:"items"`
}

// recordMessageJSON is a message of a run.
type recordMessageJSON struct {
	ID       int64          `json:"id"`
	Seq      int64          `json:"seq"`
	SenderID int64          `json:"sender_id"`
	Sender   string         `json:"sender"`
	Body     string         `json:"body"`
	File     *recordFileRef `json:"file,omitempty"`
	At       time.Time      `json:"at"`
}

// recordFileRef is a message's file, downloaded from its URL.
type recordFileRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
	Size int64  `json:"size"`
	URL  string `json:"url"`
}

func toRecordJSON(r *record.Record) *recordJSON {
	out := &recordJSON{View: r.View, Client: toPersonJSON(r.Client), Coaches: []personJSON{}, Query: r.Query,
		Goals: toGoalsJSON(r.Goals), Entries: make([]entryJSON, len(r.Entries)), Cut: r.Cut}
	for _, c := range r.Coaches {
		out.Coaches = append(out.Coaches, *toPersonJSON(c))
	}
	if out.Cut == nil {
		out.Cut = []string{}
	}
	for i, e := range r.Entries {
		out.Entries[i] = toEntryJSON(e)
	}
	return out
}

func toEntryJSON(e *record.Entry) entryJSON {
	j := entryJSON{Kind: e.Kind, At: e.At, CoachID: e.CoachID, CoachName: e.CoachName}
	switch {
	case e.Session != nil:
		j.Session = toSessionEntryJSON(e.Session)
	case e.Note != nil:
		j.PrivateNote = toNoteJSON(e.Note)
	case e.Answers != nil:
		j.Questionnaire = toRequestJSON(e.Answers)
	case e.Messages != nil:
		j.Messages = toMessagesEntryJSON(e.Messages)
	}
	return j
}

func toSessionEntryJSON(ss *record.Session) *sessionEntryJSON {
	a := ss.Appointment
	j := &sessionEntryJSON{AppointmentID: a.ID, URL: "/appointments/" + itoa(a.ID), Title: a.Title, StartsAt: a.StartsAt,
		DurationMinutes: int(a.Duration / time.Minute), Status: string(a.Status), Notes: a.Notes, CancelReason: a.CancelReason,
		Calls: ss.Calls, CallSeconds: int64(ss.Length / time.Second), Transcript: []lineJSON{}, MoreTranscript: ss.MoreTranscript}
	if sum := ss.Summary; sum != nil {
		j.Summary = &summaryRef{Body: sum.Body, Shared: sum.Shared, WrittenAt: sum.WrittenAt}
	}
	for _, l := range ss.Transcript {
		j.Transcript = append(j.Transcript, lineJSON{SpeakerID: l.SpeakerID, Speaker: lineSpeaker(l), Body: l.Body, At: l.CreatedAt})
	}
	return j
}

func toMessagesEntryJSON(ms *record.Messages) *messagesEntryJSON {
	j := &messagesEntryJSON{ConversationID: ms.ConversationID, URL: "/messages/" + itoa(ms.ConversationID)}
	for _, m := range ms.Items {
		mj := recordMessageJSON{ID: m.ID, Seq: m.Seq, SenderID: m.SenderID, Sender: m.Sender, Body: m.Body, At: m.CreatedAt}
		if f := m.File; f != nil {
			mj.File = &recordFileRef{ID: f.ID, Name: f.Name, Type: f.Type, Size: f.Size, URL: "/api/v1/files/" + itoa(f.ID)}
		}
		j.Items = append(j.Items, mj)
	}
	return j
}

// lineSpeaker is who said a line of a transcript.
func lineSpeaker(l *record.Line) string {
	if l.SpeakerID == 0 {
		return "AI co-coach"
	}
	return l.Speaker
}

func (s *Server) apiClientRecord(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	var rec *record.Record
	if err == nil {
		rec, err = s.record.Record(r.Context(), id, r.URL.Query().Get("q"))
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toRecordJSON(rec))
}

func (s *Server) apiOwnRecord(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	rec, err := s.record.Own(r.Context(), r.URL.Query().Get("q"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toRecordJSON(rec))
}

func (s *Server) apiGoals(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	var list []*record.Goal
	if err == nil {
		list, err = s.record.Goals(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, listJSON[*goalJSON]{Items: toGoalsJSON(list), Limit: len(list)})
}

// apiCreateGoal sets a new goal. Who may not is told so before the body
// is read.
func (s *Server) apiCreateGoal(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.record.CheckGoals(r.Context(), id)
	}
	var in goalDraftJSON
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	var g *record.Goal
	if err == nil {
		g, err = s.record.CreateGoal(r.Context(), id, record.GoalDraft{CoachID: in.CoachID, Title: in.Title, Progress: in.Progress, Note: in.Note, Done: in.Done})
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/goals/"+itoa(g.ID))
	writeJSON(w, http.StatusCreated, toGoalJSON(g))
}

func (s *Server) apiGetGoal(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	var g *record.Goal
	if err == nil {
		g, err = s.record.Goal(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toGoalJSON(g))
}

// apiUpdateGoal changes a goal. Who may not is told so before the body is
// read.
func (s *Server) apiUpdateGoal(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.record.CheckGoal(r.Context(), id)
	}
	var in goalChangeJSON
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	var g *record.Goal
	if err == nil {
		g, err = s.record.UpdateGoal(r.Context(), id, record.GoalChange{Title: in.Title, Progress: in.Progress, Note: in.Note, Done: in.Done})
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toGoalJSON(g))
}

func (s *Server) apiDeleteGoal(w http.ResponseWriter, r *http.Request, _ *coaching.User) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.record.DeleteGoal(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
