package ai_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"rapport/internal/ai"
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
