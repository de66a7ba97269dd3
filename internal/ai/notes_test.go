package ai_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"rapport/internal/ai"
	"rapport/internal/ai/aitest"
	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/notes"
	"rapport/internal/room"
)

// TestOnlyTheNotesTheCoachSharesReachTheAI: the coach's private note
// without "the AI may read this" never reaches the model, nor does
// another coach's note about the same client, flagged or not; a note
// with the flag is in the prompt of the pair's sessions.
func TestOnlyTheNotesTheCoachSharesReachTheAI(t *testing.T) {
	ctx := context.Background()
	db, book := aPair(t)
	appt := book("Check-in", time.Hour)
	coach, client := appt.Coach, appt.Client
	svc := coaching.NewService(db, app.SystemClock{})
	other, _ := svc.DevSignIn(ctx, "other.coach@example.com", "Oona", app.RoleCoach)
	db.LinkCoachClient(ctx, other.ID, client.ID, time.Now())
	put := func(coachID int64, body string, ai bool) {
		t.Helper()
		at := time.Now()
		if err := db.CreateNote(ctx, &notes.Note{CoachID: coachID, ClientID: client.ID, AppointmentID: appt.ID, Body: body, AIMayRead: ai, CreatedAt: at, UpdatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	put(coach.ID, "PRIVATE: thinks about quitting", false)
	put(other.ID, "OTHER COACH: flagged for their own AI", true)
	put(other.ID, "OTHER COACH: private", false)

	c := &ai.CoCoach{Memory: db}
	// The coach asks: the notes they let the AI read may reach it.
	ask := func() string {
		var all strings.Builder
		for _, m := range c.Prompt(ctx, room.Question{Appointment: appt, From: coach.ID, Text: "@ai what next?"}) {
			all.WriteString(m.Content + "\n")
		}
		return all.String()
	}
	prompt := ask()
	for _, never := range []string{"PRIVATE", "quitting", "OTHER COACH", "notes about the client"} {
		if strings.Contains(prompt, never) {
			t.Fatalf("the prompt holds %q without the coach's leave:\n%s", never, prompt)
		}
	}

	put(coach.ID, "SHARED: wants a\nweekly check-in", true)
	prompt = ask()
	if !strings.Contains(prompt, "notes about the client that you may read") || !strings.Contains(prompt, "SHARED: wants a weekly check-in") {
		t.Fatalf("the flagged note is not in the prompt:\n%s", prompt)
	}
	for _, never := range []string{"PRIVATE", "quitting", "OTHER COACH"} {
		if strings.Contains(prompt, never) {
			t.Fatalf("the prompt holds %q beside the shared note:\n%s", never, prompt)
		}
	}
}

// TestTheClientsQuestionCarriesNoNotes: a note the coach lets the AI read
// reaches the model only with a question the coach asks, with the rule
// not to quote it; the client's question, in the same call, carries
// none of it.
func TestTheClientsQuestionCarriesNoNotes(t *testing.T) {
	ctx := context.Background()
	db, book := aPair(t)
	appt := book("Check-in", time.Hour)
	at := time.Now()
	if err := db.CreateNote(ctx, &notes.Note{CoachID: appt.CoachID, ClientID: appt.ClientID, Body: "SHARED: fears the new job",
		AIMayRead: true, CreatedAt: at, UpdatedAt: at}); err != nil {
		t.Fatal(err)
	}
	model := aitest.New(t)
	c := &ai.CoCoach{Client: ai.NewClient(model.URL, "stand-in", ""), Memory: db}
	asked := func(from int64) string {
		t.Helper()
		if _, err := c.Answer(ctx, room.Question{Appointment: appt, From: from, Text: "@ai what do you know of me?"}, func(string) {}); err != nil {
			t.Fatal(err)
		}
		reqs := model.Requests()
		var all strings.Builder
		for _, m := range reqs[len(reqs)-1].Messages {
			all.WriteString(m.Content + "\n")
		}
		return all.String()
	}
	if got := asked(appt.ClientID); strings.Contains(got, "new job") || strings.Contains(got, "notes about the client") {
		t.Fatalf("the client's question carries the coach's note:\n%s", got)
	}
	got := asked(appt.CoachID)
	if !strings.Contains(got, "SHARED: fears the new job") || !strings.Contains(got, "never quote them") {
		t.Fatalf("the coach's question lacks the note or the rule not to quote it:\n%s", got)
	}
}
