package intake

import (
	"context"
	"fmt"
	"strconv"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/mail"
)

// ErrSubmitted answers a change to a request submitted already.
var ErrSubmitted = app.Errorf(app.ECONFLICT, "this questionnaire was submitted already: its answers can no longer change")

// Send sends one of the calling coach's questionnaires to one of their
// clients, with an email that links to it, in one transaction. A client
// who has it to fill in already is not sent it twice (ECONFLICT naming
// client_id); one who is not the coach's client is refused, naming it too.
func (s *Service) Send(ctx context.Context, questionnaireID, clientID int64) (*Request, error) {
	var r *Request
	err := s.inTx(ctx, func(rec Records) error {
		qn, err := owned(ctx, rec, questionnaireID, true)
		if err != nil {
			return err
		}
		if ok, err := rec.IsCoachOf(ctx, qn.CoachID, clientID); err != nil {
			return err
		} else if !ok {
			return app.Invalid(map[string]string{"client_id": "is not a client of yours"})
		}
		if open, err := openRequest(ctx, rec, qn.ID, clientID); err != nil {
			return err
		} else if open != nil {
			return &app.Error{Code: app.ECONFLICT, Message: "they have this questionnaire to fill in already",
				Fields: map[string]string{"client_id": "has this questionnaire to fill in already"}}
		}
		if r, err = s.createRequest(ctx, rec, qn, clientID, 0); err != nil {
			return err
		}
		return s.queueRequestEmail(ctx, rec, r)
	})
	if err != nil {
		return nil, fmt.Errorf("send questionnaire %d: %w", questionnaireID, err)
	}
	return r, nil
}

// Booked is coaching's BookingHook: when the session type booked asks for
// a questionnaire, its client is asked to fill it in (a request tied to
// the appointment) unless they have it to fill in already, or answered it
// before and it is asked once. The ToDo it returns, for the client's
// booking email, links to the request to fill in.
func (s *Service) Booked(ctx context.Context, q coaching.Records, appt *coaching.Appointment, st *coaching.SessionType) ([]coaching.ToDo, error) {
	rec, err := recordsOf(q)
	if err != nil {
		return nil, err
	}
	qn, err := rec.QuestionnaireOfType(ctx, st.ID)
	if app.ErrorCode(err) == app.ENOTFOUND || (err == nil && qn.CoachID != appt.CoachID) {
		return nil, nil
	}
	if err == nil {
		err = rec.LockQuestionnaire(ctx, qn.ID)
	}
	if err == nil {
		qn, err = rec.Questionnaire(ctx, qn.ID) // as it is under the lock
	}
	if err != nil {
		return nil, fmt.Errorf("the questionnaire session type %d asks for: %w", st.ID, err)
	}
	r, err := s.requestAtBooking(ctx, rec, qn, appt)
	if r == nil || err != nil {
		return nil, err
	}
	return []coaching.ToDo{s.toDo(r, qn.Title)}, nil
}

// requestAtBooking is the request a booking asks the client to fill in:
// the one they have open, a new one, or none (nil) when they answered it
// already and it is asked once.
func (s *Service) requestAtBooking(ctx context.Context, rec Records, qn *Questionnaire, appt *coaching.Appointment) (*Request, error) {
	if open, err := openRequest(ctx, rec, qn.ID, appt.ClientID); open != nil || err != nil {
		return open, err
	}
	if !qn.Repeat {
		done, err := rec.Requests(ctx, RequestFilter{QuestionnaireID: qn.ID, ClientID: appt.ClientID, State: SubmittedState, Page: coaching.Page{Limit: 1}})
		if len(done) > 0 || err != nil {
			return nil, err
		}
	}
	return s.createRequest(ctx, rec, qn, appt.ClientID, appt.ID)
}

// openRequest is the client's request of a questionnaire not submitted
// yet, or nil.
func openRequest(ctx context.Context, rec Records, questionnaireID, clientID int64) (*Request, error) {
	list, err := rec.Requests(ctx, RequestFilter{QuestionnaireID: questionnaireID, ClientID: clientID, State: OpenState, Page: coaching.Page{Limit: 1}})
	if len(list) == 0 || err != nil {
		return nil, err
	}
	return list[0], nil
}

// createRequest asks client to fill in qn (locked) as it stands now,
// for the appointment apptID (0: none).
func (s *Service) createRequest(ctx context.Context, rec Records, qn *Questionnaire, clientID, apptID int64) (*Request, error) {
	v, err := s.freeze(ctx, rec, qn)
	if err != nil {
		return nil, err
	}
	r := &Request{QuestionnaireID: qn.ID, VersionID: v.ID, CoachID: qn.CoachID, ClientID: clientID, AppointmentID: apptID,
		Answers: Answers{}, SentAt: s.Clock.Now(), Version: v}
	if err := rec.CreateRequest(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// freeze returns the version of qn (locked) as it stands: its last one,
// or a new one when it changed since (or has none yet).
func (s *Service) freeze(ctx context.Context, rec Records, qn *Questionnaire) (*Version, error) {
	if qn.VersionID != 0 && !qn.Changed {
		return rec.Version(ctx, qn.VersionID)
	}
	v := &Version{QuestionnaireID: qn.ID, Content: qn.Content, CreatedAt: s.Clock.Now()}
	if err := rec.CreateVersion(ctx, v); err != nil {
		return nil, err
	}
	qn.VersionID, qn.Changed = v.ID, false
	return v, rec.UpdateQuestionnaire(ctx, qn)
}

// Request returns a request to its client, or to the coach who sent it
// while the client is still theirs, who reads the answers once they are
// submitted (a draft is the client's); anyone else, a former coach
// included, is told it is not found.
func (s *Service) Request(ctx context.Context, id int64) (*Request, error) {
	a, err := signedIn(ctx)
	if err != nil {
		return nil, err
	}
	r, err := s.Store.Request(ctx, id)
	if err != nil {
		return nil, notFoundAs(err, "questionnaire")
	}
	if !mayRead(a, r) {
		return nil, notFound("questionnaire")
	}
	if a.Role == app.RoleCoach {
		if ok, err := s.Store.IsCoachOf(ctx, a.UserID, r.ClientID); err != nil || !ok {
			return nil, notFoundUnless(err, "questionnaire")
		}
	}
	return forViewer(a, r), nil
}

// Requests lists the caller's requests, newest first: a client's, or
// those a coach sent to the clients still theirs; f narrows them. An
// admin has none to see (EFORBIDDEN).
func (s *Service) Requests(ctx context.Context, f RequestFilter) ([]*Request, error) {
	a, err := signedIn(ctx)
	if err != nil {
		return nil, err
	}
	switch a.Role {
	case app.RoleClient:
		f.ClientID = a.UserID
	case app.RoleCoach:
		f.CoachID, f.Linked = a.UserID, true
	default:
		return nil, app.Errorf(app.EFORBIDDEN, "questionnaires are their coach's and their client's")
	}
	f.Page = clampPage(f.Page)
	list, err := s.Store.Requests(ctx, f)
	for i, r := range list {
		list[i] = forViewer(a, r)
	}
	return list, err
}

// ClientRequests lists the requests of a client the caller may see, in
// state (AnyState, OpenState, SubmittedState), newest first: all of the
// client's to the client, those a coach of theirs sent to the coach.
// Anyone else is told the client is not found.
func (s *Service) ClientRequests(ctx context.Context, clientID int64, state string) ([]*Request, error) {
	a, err := signedIn(ctx)
	if err != nil {
		return nil, err
	}
	f := RequestFilter{ClientID: clientID, State: state, Page: coaching.Page{Limit: 200}}
	switch {
	case a.Role == app.RoleClient && a.UserID == clientID:
	case a.Role == app.RoleCoach:
		if ok, err := s.Store.IsCoachOf(ctx, a.UserID, clientID); err != nil || !ok {
			return nil, notFoundUnless(err, "client")
		}
		f.CoachID = a.UserID
	default:
		return nil, notFound("client")
	}
	list, err := s.Store.Requests(ctx, f)
	for i, r := range list {
		list[i] = forViewer(a, r)
	}
	return list, err
}

// Answered lists a client's submitted questionnaires, newest first, each
// with the questions as asked (Request.Version) and the answers
// (Request.Items pairs them): for the client, and for a coach of theirs
// (those the coach sent). The client's record reads them through it.
func (s *Service) Answered(ctx context.Context, clientID int64) ([]*Request, error) {
	return s.ClientRequests(ctx, clientID, SubmittedState)
}

// Save keeps answers given to a request as its client's draft: each
// answer is checked (Content.Check), but a required one may be missing.
// Only the client answers (the coach is refused, EFORBIDDEN); a request
// submitted already does not change (ECONFLICT). Nothing is kept of a
// refused draft.
func (s *Service) Save(ctx context.Context, id int64, given map[string][]string) (*Request, error) {
	return s.answer(ctx, id, given, false)
}

// Submit submits a request's answers: those given, or, when given is nil,
// the draft saved. Every required question must be answered. From then
// on the answers are read-only, and the coach reads them.
func (s *Service) Submit(ctx context.Context, id int64, given map[string][]string) (*Request, error) {
	return s.answer(ctx, id, given, true)
}

// answer saves or submits a request's answers in one transaction.
func (s *Service) answer(ctx context.Context, id int64, given map[string][]string, submit bool) (*Request, error) {
	a, err := signedIn(ctx)
	if err != nil {
		return nil, err
	}
	var r *Request
	err = s.inTx(ctx, func(rec Records) error {
		var err error
		if r, err = s.answerable(ctx, rec, a, id); err != nil {
			return err
		}
		if given == nil {
			given = r.Answers.Given()
		}
		answers, err := r.Version.Check(given, submit)
		if err != nil {
			return err
		}
		now := s.Clock.Now()
		if err := rec.SaveAnswers(ctx, id, answers, now, submit); err != nil {
			return err
		}
		r.Answers, r.SavedAt = answers, &now
		if submit {
			r.SubmittedAt = &now
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("answer questionnaire request %d: %w", id, err)
	}
	return r, nil
}

// answerable returns a request its client (a) may still answer.
func (s *Service) answerable(ctx context.Context, rec Records, a *app.Actor, id int64) (*Request, error) {
	r, err := rec.Request(ctx, id)
	if err != nil {
		return nil, notFoundAs(err, "questionnaire")
	}
	switch {
	case !mayRead(a, r):
		return nil, notFound("questionnaire")
	case r.ClientID != a.UserID:
		return nil, app.Errorf(app.EFORBIDDEN, "only the client it was sent to answers a questionnaire")
	case r.SubmittedAt != nil:
		return nil, ErrSubmitted
	}
	return r, nil
}

// Given writes answers out as a form gives them: by question ID as text.
func (a Answers) Given() map[string][]string {
	out := make(map[string][]string, len(a))
	for id, v := range a {
		out[strconv.FormatInt(id, 10)] = v
	}
	return out
}

// mayRead reports whether a may see r: its client, or the coach who sent
// it.
func mayRead(a *app.Actor, r *Request) bool {
	return (a.Role == app.RoleClient && r.ClientID == a.UserID) || (a.Role == app.RoleCoach && r.CoachID == a.UserID)
}

// forViewer is r as a may see it: a coach reads no draft, only the
// answers submitted.
func forViewer(a *app.Actor, r *Request) *Request {
	if a.UserID == r.ClientID || r.SubmittedAt != nil {
		return r
	}
	c := *r
	c.Answers = Answers{}
	return &c
}

// notFoundUnless answers after a check that said no: what was not found,
// unless err says the check itself failed, which it passes on.
func notFoundUnless(err error, what string) error {
	if err != nil {
		return err
	}
	return notFound(what)
}

// toDo is what a booking email says of a request to fill in.
func (s *Service) toDo(r *Request, title string) coaching.ToDo {
	return coaching.ToDo{Text: "fill in the questionnaire “" + mail.OneLine(title) + "”", URL: s.requestURL(r.ID)}
}

// requestURL is the link to a request's page, or "" when the server's
// address is unknown.
func (s *Service) requestURL(id int64) string {
	if s.Practice.URL == "" {
		return ""
	}
	return s.Practice.URL + "/questionnaire-requests/" + strconv.FormatInt(id, 10)
}

// clampPage keeps a page to 50 rows by default and 200 at most.
func clampPage(p coaching.Page) coaching.Page {
	if p.Limit <= 0 {
		p.Limit = 50
	}
	p.Limit, p.Offset = min(p.Limit, 200), max(p.Offset, 0)
	return p
}
