package intake

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

// Draft is what a coach gives for a questionnaire: its content, in the
// order to ask it, and whether bookings ask it again each time. A question
// with an ID is that question of the questionnaire, edited; one without
// is new; a question left out is deleted (the versions sent keep it).
type Draft struct {
	Content
	Repeat bool `json:"repeat"`
}

// Create stores a new questionnaire of the calling coach.
func (s *Service) Create(ctx context.Context, d Draft) (*Questionnaire, error) {
	a, err := coachActor(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	qn := &Questionnaire{CoachID: a.UserID, NextQuestion: 1, Changed: true, CreatedAt: now, UpdatedAt: now}
	if err := qn.edit(d); err != nil {
		return nil, err
	}
	if err := s.Store.CreateQuestionnaire(ctx, qn); err != nil {
		return nil, fmt.Errorf("create a questionnaire: %w", err)
	}
	return qn, nil
}

// Questionnaires lists the calling coach's questionnaires.
func (s *Service) Questionnaires(ctx context.Context) ([]*Questionnaire, error) {
	a, err := coachActor(ctx)
	if err != nil {
		return nil, err
	}
	return s.Store.Questionnaires(ctx, a.UserID)
}

// Questionnaire returns one of the calling coach's questionnaires; anyone
// else's is not found.
func (s *Service) Questionnaire(ctx context.Context, id int64) (*Questionnaire, error) {
	return owned(ctx, s.Store, id, false)
}

// Update replaces the content of one of the calling coach's
// questionnaires with d, all of it or nothing. The requests sent keep the
// version they were sent at; the next one sends the new content.
func (s *Service) Update(ctx context.Context, id int64, d Draft) (*Questionnaire, error) {
	var qn *Questionnaire
	err := s.inTx(ctx, func(rec Records) error {
		var err error
		if qn, err = owned(ctx, rec, id, true); err != nil {
			return err
		}
		if err := qn.edit(d); err != nil {
			return err
		}
		if qn.VersionID != 0 {
			v, err := rec.Version(ctx, qn.VersionID)
			if err != nil {
				return err
			}
			qn.Changed = !qn.Content.equal(&v.Content)
		}
		qn.UpdatedAt = s.Clock.Now()
		return rec.UpdateQuestionnaire(ctx, qn)
	})
	if err != nil {
		return nil, fmt.Errorf("update questionnaire %d: %w", id, err)
	}
	return qn, nil
}

// Archive removes one of the calling coach's questionnaires: it is no
// longer listed, sent or asked at a booking; what was sent and answered
// stays.
func (s *Service) Archive(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(rec Records) error {
		if _, err := owned(ctx, rec, id, true); err != nil {
			return err
		}
		return rec.ArchiveQuestionnaire(ctx, id, s.Clock.Now())
	})
}

// AskAtBooking makes exactly the session types typeIDs (the calling
// coach's) ask for one of their questionnaires: a client who books one is
// asked to fill it in. A session type asks for one questionnaire at
// most: naming it here takes it from any other. No IDs: none asks.
func (s *Service) AskAtBooking(ctx context.Context, id int64, typeIDs []int64) (*Questionnaire, error) {
	var qn *Questionnaire
	err := s.inTx(ctx, func(rec Records) error {
		var err error
		if qn, err = owned(ctx, rec, id, true); err != nil {
			return err
		}
		typeIDs = slices.Compact(slices.Sorted(slices.Values(typeIDs)))
		if err := ownTypes(ctx, rec, qn.CoachID, typeIDs); err != nil {
			return err
		}
		qn.SessionTypeIDs = typeIDs
		return rec.SetSessionTypes(ctx, id, typeIDs)
	})
	if err != nil {
		return nil, fmt.Errorf("ask questionnaire %d at bookings: %w", id, err)
	}
	return qn, nil
}

// ownTypes refuses, naming the field session_type_ids, a session type
// that is not one of the coach's (or no longer offered).
func ownTypes(ctx context.Context, rec Records, coachID int64, typeIDs []int64) error {
	for _, tid := range typeIDs {
		st, err := rec.SessionType(ctx, tid)
		if app.ErrorCode(err) == app.ENOTFOUND || (err == nil && st.CoachID != coachID) {
			return app.Invalid(map[string]string{"session_type_ids": "session type " + strconv.FormatInt(tid, 10) + " is not one of yours"})
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// edit puts d into qn, or says why not: the content's problems, and a
// question ID that is not qn's or comes twice ("questions.<i>.id"). New
// questions get their IDs from NextQuestion.
func (qn *Questionnaire) edit(d Draft) error {
	d.tidy()
	fields := d.problems()
	seen := map[int64]bool{}
	for i := range d.Questions {
		q := &d.Questions[i]
		switch {
		case q.ID == 0:
		case seen[q.ID]:
			fields["questions."+strconv.Itoa(i)+".id"] = "names a question that comes twice (" + questionName(i, q) + ")"
		case qn.Question(q.ID) == nil:
			fields["questions."+strconv.Itoa(i)+".id"] = "is not a question of this questionnaire (" + questionName(i, q) + ")"
		}
		seen[q.ID] = true
	}
	if err := app.Invalid(fields); err != nil {
		return err
	}
	for i := range d.Questions {
		if d.Questions[i].ID == 0 {
			d.Questions[i].ID = qn.NextQuestion
			qn.NextQuestion++
		}
	}
	qn.Content, qn.Repeat, qn.Changed = d.Content, d.Repeat, true
	return nil
}

// owned returns a questionnaire of the calling coach, locked first when
// lock (in a transaction); anyone else's, or one archived, is not found.
func owned(ctx context.Context, rec Records, id int64, lock bool) (*Questionnaire, error) {
	a, err := signedIn(ctx)
	if err != nil {
		return nil, err
	}
	if a.Role != app.RoleCoach {
		return nil, notFound("questionnaire")
	}
	if lock {
		if err := rec.LockQuestionnaire(ctx, id); err != nil {
			return nil, notFoundAs(err, "questionnaire")
		}
	}
	qn, err := rec.Questionnaire(ctx, id)
	if err != nil {
		return nil, notFoundAs(err, "questionnaire")
	}
	if qn.CoachID != a.UserID {
		return nil, notFound("questionnaire")
	}
	return qn, nil
}

// inTx runs fn in a transaction of the practice's records.
func (s *Service) inTx(ctx context.Context, fn func(rec Records) error) error {
	return s.Store.InTx(ctx, func(q coaching.Records) error {
		rec, err := recordsOf(q)
		if err != nil {
			return err
		}
		return fn(rec)
	})
}

// recordsOf is a transaction of the practice's records as the
// questionnaires' records: the store's transactions hold both.
func recordsOf(q coaching.Records) (Records, error) {
	rec, ok := q.(Records)
	if !ok {
		return nil, fmt.Errorf("the store's transaction (%T) keeps no questionnaires", q)
	}
	return rec, nil
}

// signedIn returns the caller, or EUNAUTHORIZED when nobody is signed in.
func signedIn(ctx context.Context) (*app.Actor, error) {
	a := app.ActorFrom(ctx)
	if a == nil || a.UserID == 0 {
		return nil, app.Errorf(app.EUNAUTHORIZED, "please sign in")
	}
	return a, nil
}

// coachActor returns the caller when they are a coach, EFORBIDDEN for
// another role: questionnaires are a coach's.
func coachActor(ctx context.Context) (*app.Actor, error) {
	a, err := signedIn(ctx)
	if err == nil && a.Role != app.RoleCoach {
		err = app.Errorf(app.EFORBIDDEN, "only coaches have questionnaires")
	}
	return a, err
}

// notFound is the error for a thing missing or not the caller's to see:
// the two look the same, so that IDs cannot be probed.
func notFound(what string) error {
	return app.Errorf(app.ENOTFOUND, "%s not found", what)
}

// notFoundAs names what was not found in an ENOTFOUND error, and passes
// any other error on.
func notFoundAs(err error, what string) error {
	if app.ErrorCode(err) == app.ENOTFOUND {
		return notFound(what)
	}
	return err
}

// MayBuild returns nil when the caller may build questionnaires (a
// coach), EFORBIDDEN for another role and EUNAUTHORIZED for nobody, so
// that a handler answers who may not before it judges their input.
func MayBuild(ctx context.Context) error {
	_, err := coachActor(ctx)
	return err
}
