package record_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/record"
	"rapport/internal/store/storetest"
)

func ptr[T any](v T) *T { return &v }

// TestGoalsBothWrite: the coach sets a goal, the client moves it along,
// reaching 100 achieves it (with when), going back un-achieves it, marking
// it done achieves it whatever the progress; each change says who made it.
func TestGoalsBothWrite(t *testing.T) {
	w := mustWorld(t)
	g, err := w.svc.CreateGoal(storetest.As(w.coach), w.client.ID, record.GoalDraft{Title: "  Run 5 km  ", Progress: 10, Note: "Twice a week"})
	if err != nil {
		t.Fatal(err)
	}
	if g.Title != "Run 5 km" || g.CoachID != w.coach.ID || g.CreatedBy != w.coach.ID || g.Achieved() || g.AchievedAt != nil || g.CoachName != w.coach.Name {
		t.Fatalf("created: %+v", g)
	}
	w.clock.Advance(time.Hour)
	g, err = w.svc.UpdateGoal(storetest.As(w.client), g.ID, record.GoalChange{Progress: ptr(100)})
	if err != nil {
		t.Fatal(err)
	}
	if !g.Achieved() || g.AchievedAt == nil || !g.AchievedAt.Equal(now.Add(time.Hour)) || g.UpdatedBy != w.client.ID ||
		g.UpdatedByName != w.client.Name || g.CreatedBy != w.coach.ID || g.Title != "Run 5 km" || g.Note != "Twice a week" {
		t.Fatalf("at 100: %+v", g)
	}
	w.clock.Advance(time.Hour)
	if g, _ = w.svc.UpdateGoal(storetest.As(w.coach), g.ID, record.GoalChange{Title: ptr("Run 5 km fast")}); !g.AchievedAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("an achieved goal's date moved on an edit: %+v", g)
	}
	if g, _ = w.svc.UpdateGoal(storetest.As(w.coach), g.ID, record.GoalChange{Progress: ptr(60)}); g.Achieved() || g.AchievedAt != nil || g.UpdatedBy != w.coach.ID {
		t.Fatalf("back at 60: %+v", g)
	}
	if g, _ = w.svc.UpdateGoal(storetest.As(w.client), g.ID, record.GoalChange{Done: ptr(true)}); !g.Achieved() || g.AchievedAt == nil || g.Progress != 60 {
		t.Fatalf("marked done: %+v", g)
	}
	if list, err := w.svc.Goals(storetest.As(w.client), w.client.ID); err != nil || len(list) != 1 || list[0].Title != "Run 5 km fast" {
		t.Fatalf("the client's list: %+v %v", list, err)
	}
	if err := w.svc.DeleteGoal(storetest.As(w.client), g.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Goal(storetest.As(w.coach), g.ID); app.ErrorCode(err) != app.ENOTFOUND {
		t.Fatalf("a deleted goal: %v", err)
	}
}

// TestGoalsBadInput: every field that is wrong is named, and nothing is
// stored.
func TestGoalsBadInput(t *testing.T) {
	w := mustWorld(t)
	for _, tc := range []struct {
		name   string
		d      record.GoalDraft
		fields []string
	}{
		{"EmptyTitle", record.GoalDraft{Title: "   "}, []string{"title"}},
		{"TitleTooLong", record.GoalDraft{Title: strings.Repeat("é", record.MaxGoalTitle+1)}, []string{"title"}},
		{"TitleOfTwoLines", record.GoalDraft{Title: "one\ntwo"}, []string{"title"}},
		{"ProgressOver", record.GoalDraft{Title: "T", Progress: 101}, []string{"progress"}},
		{"ProgressUnder", record.GoalDraft{Title: "T", Progress: -1}, []string{"progress"}},
		{"NoteTooLong", record.GoalDraft{Title: "T", Note: strings.Repeat("n", record.MaxGoalNote+1)}, []string{"note"}},
		{"NoteWithNUL", record.GoalDraft{Title: "T", Note: "a\x00b"}, []string{"note"}},
		{"All", record.GoalDraft{Title: "", Progress: 500, Note: strings.Repeat("n", record.MaxGoalNote+1)}, []string{"title", "progress", "note"}},
		{"CoachOfAnother", record.GoalDraft{Title: "T", CoachID: w.otherCoach.ID}, []string{"coach_id"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.svc.CreateGoal(storetest.As(w.coach), w.client.ID, tc.d)
			fields := app.ErrorFields(err)
			if app.ErrorCode(err) != app.EINVALID || len(fields) != len(tc.fields) {
				t.Fatalf("%v, want the fields %v", err, tc.fields)
			}
			for _, f := range tc.fields {
				if fields[f] == "" {
					t.Errorf("no reason for %s: %v", f, fields)
				}
			}
		})
	}
	if list, _ := w.svc.Goals(storetest.As(w.coach), w.client.ID); len(list) != 0 {
		t.Fatalf("refused goals were stored: %+v", list)
	}
	g, _ := w.svc.CreateGoal(storetest.As(w.coach), w.client.ID, record.GoalDraft{Title: "Fine", Progress: 30})
	_, err := w.svc.UpdateGoal(storetest.As(w.client), g.ID, record.GoalChange{Title: ptr(""), Progress: ptr(101)})
	if fields := app.ErrorFields(err); app.ErrorCode(err) != app.EINVALID || fields["title"] == "" || fields["progress"] == "" {
		t.Fatalf("a bad change: %v", err)
	}
	if kept, _ := w.svc.Goal(storetest.As(w.client), g.ID); kept.Title != "Fine" || kept.Progress != 30 {
		t.Fatalf("a refused change was stored: %+v", kept)
	}
}

// TestGoalsCoachOfTheClient: a client with one coach sets a goal with
// them; with two, they must say which, and only one of theirs will do.
func TestGoalsCoachOfTheClient(t *testing.T) {
	w := mustWorld(t)
	g, err := w.svc.CreateGoal(storetest.As(w.client), w.client.ID, record.GoalDraft{Title: "Sleep"})
	if err != nil || g.CoachID != w.coach.ID || g.CreatedBy != w.client.ID {
		t.Fatalf("with the one coach: %+v %v", g, err)
	}
	storetest.MustLink(t, w.db, w.secondCoach, w.client, now)
	if _, err := w.svc.CreateGoal(storetest.As(w.client), w.client.ID, record.GoalDraft{Title: "Sleep"}); app.ErrorFields(err)["coach_id"] == "" {
		t.Fatalf("two coaches, none chosen: %v", err)
	}
	if _, err := w.svc.CreateGoal(storetest.As(w.client), w.client.ID, record.GoalDraft{Title: "Sleep", CoachID: w.otherCoach.ID}); app.ErrorFields(err)["coach_id"] == "" {
		t.Fatalf("a coach not theirs: %v", err)
	}
	g, err = w.svc.CreateGoal(storetest.As(w.client), w.client.ID, record.GoalDraft{Title: "Read", CoachID: w.secondCoach.ID})
	if err != nil || g.CoachID != w.secondCoach.ID {
		t.Fatalf("with the second coach: %+v %v", g, err)
	}
	// Each coach sees the goals with them; the client sees all.
	if mine, _ := w.svc.Goals(storetest.As(w.coach), w.client.ID); len(mine) != 1 || mine[0].Title != "Sleep" {
		t.Fatalf("the coach's: %+v", mine)
	}
	if theirs, _ := w.svc.Goals(storetest.As(w.secondCoach), w.client.ID); len(theirs) != 1 || theirs[0].Title != "Read" {
		t.Fatalf("the second coach's: %+v", theirs)
	}
	if _, err := w.svc.Goal(storetest.As(w.coach), g.ID); app.ErrorCode(err) != app.ENOTFOUND {
		t.Fatalf("the coach read the second coach's goal: %v", err)
	}
}

// TestGoalsWhoMay: nobody but the client and their coach reads or writes
// a goal; an admin neither; a coach no longer, once the coaching ended.
func TestGoalsWhoMay(t *testing.T) {
	w := mustWorld(t)
	g, _ := w.svc.CreateGoal(storetest.As(w.coach), w.client.ID, record.GoalDraft{Title: "Sleep"})
	for name, ctx := range map[string]context.Context{"otherCoach": storetest.As(w.otherCoach), "otherClient": storetest.As(w.otherClient), "admin": storetest.As(w.admin)} {
		if _, err := w.svc.Goals(ctx, w.client.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("%s lists: %v", name, err)
		}
		if _, err := w.svc.CreateGoal(ctx, w.client.ID, record.GoalDraft{Title: "Mine"}); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("%s creates: %v", name, err)
		}
		if _, err := w.svc.UpdateGoal(ctx, g.ID, record.GoalChange{Progress: ptr(50)}); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("%s updates: %v", name, err)
		}
		if err := w.svc.DeleteGoal(ctx, g.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("%s deletes: %v", name, err)
		}
	}
	if _, err := w.svc.Goals(storetest.As(nil), w.client.ID); app.ErrorCode(err) != app.EUNAUTHORIZED {
		t.Errorf("anonymous: %v", err)
	}
	if err := w.db.UnlinkCoachClient(context.Background(), w.coach.ID, w.client.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.UpdateGoal(storetest.As(w.coach), g.ID, record.GoalChange{Progress: ptr(50)}); app.ErrorCode(err) != app.ENOTFOUND {
		t.Errorf("the former coach updates: %v", err)
	}
	if g, err := w.svc.UpdateGoal(storetest.As(w.client), g.ID, record.GoalChange{Progress: ptr(50)}); err != nil || g.Progress != 50 {
		t.Errorf("the client updates a goal with a former coach: %+v %v", g, err)
	}
}

// TestGoalsAtMost: a client and coach keep at most MaxGoals goals.
func TestGoalsAtMost(t *testing.T) {
	w := mustWorld(t)
	for range record.MaxGoals {
		if _, err := w.svc.CreateGoal(storetest.As(w.coach), w.client.ID, record.GoalDraft{Title: "G"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.svc.CreateGoal(storetest.As(w.client), w.client.ID, record.GoalDraft{Title: "One more"}); app.ErrorCode(err) != app.ECONFLICT {
		t.Fatalf("goal %d: %v", record.MaxGoals+1, err)
	}
}
