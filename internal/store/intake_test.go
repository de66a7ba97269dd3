package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/intake"
	"rapport/internal/store"
)

// mustQuestionnaire stores a questionnaire of coach with two questions.
func mustQuestionnaire(t *testing.T, db *store.DB, coach *coaching.User, title string) *intake.Questionnaire {
	t.Helper()
	qn := &intake.Questionnaire{CoachID: coach.ID, NextQuestion: 3, Changed: true, CreatedAt: t0, UpdatedAt: t0,
		Content: intake.Content{Title: title, Intro: "Hello,\nthanks.", Questions: []intake.Question{
			{ID: 1, Kind: intake.Scale, Text: "Sleep?", Required: true},
			{ID: 2, Kind: intake.Choices, Text: "Topics?", Options: []string{"Career", "Health"}}}}}
	if err := db.CreateQuestionnaire(context.Background(), qn); err != nil {
		t.Fatalf("create questionnaire: %v", err)
	}
	return qn
}

// mustType stores a session type of coach.
func mustType(t *testing.T, db *store.DB, coach *coaching.User, name string) *coaching.SessionType {
	t.Helper()
	st := &coaching.SessionType{CoachID: coach.ID, Name: name, Duration: time.Hour, Audience: coaching.AudienceClients, CreatedAt: t0}
	if err := db.CreateSessionType(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestQuestionnaires(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		coach := mustUser(t, db, "coach@example.com", app.RoleCoach)
		other := mustUser(t, db, "other@example.com", app.RoleCoach)
		b := mustQuestionnaire(t, db, coach, "b: check-in")
		a := mustQuestionnaire(t, db, coach, "A: intake")
		mustQuestionnaire(t, db, other, "Theirs")
		got, err := db.Questionnaire(ctx, a.ID)
		if err != nil || got.CoachID != coach.ID || got.Title != "A: intake" || got.Intro != "Hello,\nthanks." || got.NextQuestion != 3 ||
			!got.Changed || got.Repeat || got.VersionID != 0 || !got.CreatedAt.Equal(t0) || len(got.SessionTypeIDs) != 0 {
			t.Fatalf("read back %+v %v", got, err)
		}
		if len(got.Questions) != 2 || got.Questions[1].Kind != intake.Choices || !slices.Equal(got.Questions[1].Options, []string{"Career", "Health"}) ||
			!got.Questions[0].Required || got.Questions[0].Options != nil {
			t.Errorf("questions %+v", got.Questions)
		}

		got.Title, got.Repeat, got.Changed, got.VersionID, got.UpdatedAt = "A: intake, again", true, false, 0, t0.Add(time.Hour)
		got.Questions = got.Questions[1:]
		if err := db.UpdateQuestionnaire(ctx, got); err != nil {
			t.Fatal(err)
		}
		again, err := db.Questionnaire(ctx, a.ID)
		if err != nil || again.Title != "A: intake, again" || !again.Repeat || again.Changed || len(again.Questions) != 1 ||
			!again.UpdatedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("after the update %+v %v", again, err)
		}
		list, err := db.Questionnaires(ctx, coach.ID)
		if err != nil || len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID {
			t.Fatalf("the coach's, by title without regard to case: %v %v", list, err)
		}

		if err := db.ArchiveQuestionnaire(ctx, b.ID, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Questionnaire(ctx, b.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("archived: %v, want ENOTFOUND", err)
		}
		if err := db.ArchiveQuestionnaire(ctx, b.ID, t0); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("archived twice: %v, want ENOTFOUND", err)
		}
		if list, _ := db.Questionnaires(ctx, coach.ID); len(list) != 1 {
			t.Errorf("%d listed after archiving one of two", len(list))
		}
		if err := db.UpdateQuestionnaire(ctx, &intake.Questionnaire{ID: 999, UpdatedAt: t0}); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("update missing: %v", err)
		}
		err = db.InTx(ctx, func(q coaching.Records) error { return q.(intake.Records).LockQuestionnaire(ctx, a.ID) })
		if err != nil {
			t.Errorf("lock: %v", err)
		}
	})
}

// TestQuestionnaireVersionsAndTypes: versions are numbered per
// questionnaire and read back whole; a session type asks for one
// questionnaire at most, moving when another takes it, and archived
// types and questionnaires are left out.
func TestQuestionnaireVersionsAndTypes(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		coach := mustUser(t, db, "coach@example.com", app.RoleCoach)
		a, b := mustQuestionnaire(t, db, coach, "A"), mustQuestionnaire(t, db, coach, "B")
		var versions []*intake.Version
		for _, qn := range []*intake.Questionnaire{a, a, b} {
			v := &intake.Version{QuestionnaireID: qn.ID, Content: qn.Content, CreatedAt: t0}
			if err := db.CreateVersion(ctx, v); err != nil {
				t.Fatal(err)
			}
			versions = append(versions, v)
		}
		if versions[0].Number != 1 || versions[1].Number != 2 || versions[2].Number != 1 || versions[0].ID == versions[1].ID {
			t.Fatalf("numbered %d %d %d", versions[0].Number, versions[1].Number, versions[2].Number)
		}
		v, err := db.Version(ctx, versions[1].ID)
		if err != nil || v.QuestionnaireID != a.ID || v.Number != 2 || v.Title != "A" || len(v.Questions) != 2 || v.Questions[1].Options[1] != "Health" {
			t.Errorf("version read back %+v %v", v, err)
		}
		if _, err := db.Version(ctx, 999); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("missing version: %v", err)
		}

		t1, t2, t3 := mustType(t, db, coach, "One"), mustType(t, db, coach, "Two"), mustType(t, db, coach, "Three")
		if err := db.SetSessionTypes(ctx, a.ID, []int64{t1.ID, t2.ID}); err != nil {
			t.Fatal(err)
		}
		if err := db.SetSessionTypes(ctx, b.ID, []int64{t2.ID, t3.ID}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			qn   *intake.Questionnaire
			want []int64
		}{{a, []int64{t1.ID}}, {b, []int64{t2.ID, t3.ID}}} {
			if got, err := db.Questionnaire(ctx, tc.qn.ID); err != nil || !slices.Equal(got.SessionTypeIDs, tc.want) {
				t.Errorf("%s asked by %v %v, want %v", tc.qn.Title, got.SessionTypeIDs, err, tc.want)
			}
		}
		if got, err := db.QuestionnaireOfType(ctx, t2.ID); err != nil || got.ID != b.ID {
			t.Errorf("type two asks for %+v %v, want B", got, err)
		}
		if _, err := db.ArchiveSessionType(ctx, coach.ID, t3.ID); err != nil {
			t.Fatal(err)
		}
		list, err := db.Questionnaires(ctx, coach.ID)
		if err != nil || len(list) != 2 || !slices.Equal(list[0].SessionTypeIDs, []int64{t1.ID}) || !slices.Equal(list[1].SessionTypeIDs, []int64{t2.ID}) {
			t.Errorf("listed with types: %v %v", list, err)
		}
		if err := db.ArchiveQuestionnaire(ctx, b.ID, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := db.QuestionnaireOfType(ctx, t2.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("the type of an archived questionnaire: %v, want ENOTFOUND", err)
		}
		if err := db.SetSessionTypes(ctx, a.ID, []int64{999}); app.ErrorCode(err) != app.EINVALID {
			t.Errorf("a type that does not exist: %v, want EINVALID", err)
		}
		if err := db.SetSessionTypes(ctx, a.ID, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := db.QuestionnaireOfType(ctx, t1.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("after detaching every type: %v, want ENOTFOUND", err)
		}
	})
}

// TestQuestionnaireRequests: a request reads back with its version and
// people; lists filter by person, questionnaire, appointment and state,
// newest first; a draft saves again and again, a submission once.
func TestQuestionnaireRequests(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		coach := mustUser(t, db, "coach@example.com", app.RoleCoach)
		ann, bob := mustUser(t, db, "ann@example.com", app.RoleClient), mustUser(t, db, "bob@example.com", app.RoleClient)
		if err := db.LinkCoachClient(ctx, coach.ID, ann.ID, t0); err != nil { // bob is no longer the coach's
			t.Fatal(err)
		}
		appt := mustAppt(t, db, coach, ann, t0.Add(24*time.Hour), "room-of-the-intake-appointment")
		qn := mustQuestionnaire(t, db, coach, "Intake")
		v := &intake.Version{QuestionnaireID: qn.ID, Content: qn.Content, CreatedAt: t0}
		if err := db.CreateVersion(ctx, v); err != nil {
			t.Fatal(err)
		}
		var made []*intake.Request
		for i, to := range []*coaching.User{ann, bob, ann} {
			r := &intake.Request{QuestionnaireID: qn.ID, VersionID: v.ID, CoachID: coach.ID, ClientID: to.ID, SentAt: t0.Add(time.Duration(i) * time.Minute)}
			if i == 2 {
				r.AppointmentID = appt.ID
			}
			if err := db.CreateRequest(ctx, r); err != nil {
				t.Fatal(err)
			}
			made = append(made, r)
		}
		r, err := db.Request(ctx, made[2].ID)
		if err != nil || r.AppointmentID != appt.ID || r.Version.Number != 1 || r.Version.Title != "Intake" || len(r.Version.Questions) != 2 ||
			r.Coach.Email != coach.Email || r.Client.Name != ann.Name || r.Status() != intake.StatusWaiting || len(r.Answers) != 0 ||
			!r.SentAt.Equal(t0.Add(2*time.Minute)) {
			t.Fatalf("read back %+v %v", r, err)
		}
		if _, err := db.Request(ctx, 999); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("missing request: %v", err)
		}

		if err := db.SaveAnswers(ctx, made[0].ID, intake.Answers{1: {"7"}}, t0.Add(time.Hour), false); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveAnswers(ctx, made[0].ID, intake.Answers{1: {"8"}, 2: {"Career", "Health"}}, t0.Add(2*time.Hour), true); err != nil {
			t.Fatal(err)
		}
		r, err = db.Request(ctx, made[0].ID)
		if err != nil || r.Status() != intake.StatusSubmitted || !r.SubmittedAt.Equal(t0.Add(2*time.Hour)) || !r.SavedAt.Equal(t0.Add(2*time.Hour)) ||
			!slices.Equal(r.Answers[1], []string{"8"}) || !slices.Equal(r.Answers[2], []string{"Career", "Health"}) {
			t.Fatalf("submitted %+v %v", r, err)
		}
		if err := db.SaveAnswers(ctx, made[0].ID, intake.Answers{1: {"1"}}, t0.Add(3*time.Hour), false); app.ErrorCode(err) != app.ECONFLICT {
			t.Errorf("a draft after the submission: %v, want ECONFLICT", err)
		}
		if r, _ := db.Request(ctx, made[0].ID); !slices.Equal(r.Answers[1], []string{"8"}) {
			t.Errorf("the submitted answers changed: %v", r.Answers)
		}
		if err := db.SaveAnswers(ctx, made[1].ID, intake.Answers{2: {"Health"}}, t0.Add(time.Hour), false); err != nil {
			t.Fatal(err)
		}

		for _, tc := range []struct {
			name string
			f    intake.RequestFilter
			want []int64
		}{
			{"all", intake.RequestFilter{}, []int64{made[2].ID, made[1].ID, made[0].ID}},
			{"ann's", intake.RequestFilter{ClientID: ann.ID}, []int64{made[2].ID, made[0].ID}},
			{"the coach's", intake.RequestFilter{CoachID: coach.ID}, []int64{made[2].ID, made[1].ID, made[0].ID}},
			{"another coach's", intake.RequestFilter{CoachID: bob.ID}, nil},
			{"to the coach's clients still theirs", intake.RequestFilter{CoachID: coach.ID, Linked: true}, []int64{made[2].ID, made[0].ID}},
			{"open", intake.RequestFilter{State: intake.OpenState}, []int64{made[2].ID, made[1].ID}},
			{"submitted", intake.RequestFilter{State: intake.SubmittedState}, []int64{made[0].ID}},
			{"ann's open", intake.RequestFilter{ClientID: ann.ID, State: intake.OpenState}, []int64{made[2].ID}},
			{"of the appointment", intake.RequestFilter{AppointmentID: appt.ID}, []int64{made[2].ID}},
			{"of the questionnaire", intake.RequestFilter{QuestionnaireID: qn.ID, Page: coaching.Page{Limit: 1, Offset: 1}}, []int64{made[1].ID}},
		} {
			list, err := db.Requests(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, r := range list {
				ids = append(ids, r.ID)
			}
			if !slices.Equal(ids, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, ids, tc.want)
			}
		}
		if list, _ := db.Requests(ctx, intake.RequestFilter{ClientID: bob.ID}); len(list) != 1 || list[0].Status() != intake.StatusDraft {
			t.Errorf("bob's draft: %+v", list)
		}
	})
}
