package ai_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"rapport/internal/ai"
	"rapport/internal/ai/aitest"
	"rapport/internal/app"
	"rapport/internal/chat"
	"rapport/internal/coaching"
	"rapport/internal/room"
	"rapport/internal/store"
	"rapport/internal/store/storetest"
)

// TestTheSummaryOfACall: after a call, the model is given the transcript
// and the chat with who said what, and its summary is stored with the
// appointment; a call where nothing was said gets none.
func TestTheSummaryOfACall(t *testing.T) {
	ctx := context.Background()
	db, book := aPair(t)
	appt := book("Sleep", time.Hour)
	coach, client := appt.Coach, appt.Client
	model := aitest.New(t)
	model.Answer(func([]ai.Message) string {
		return "Cleo wants better sleep.\nAction items:\n- Cleo: a bedtime routine"
	})
	summarizer := &ai.Summarizer{Client: ai.NewClient(model.URL, "stand-in", ""), Store: db}

	empty, _ := db.OpenCallSession(ctx, appt.ID, time.Now())
	if s, err := summarizer.Summarize(ctx, appt, empty.ID); s != nil || err != nil || len(model.Requests()) != 0 {
		t.Fatalf("a silent call was summarised: %+v %v", s, err)
	}
	for _, l := range []*coaching.TranscriptLine{{SpeakerID: coach.ID, Body: "what would help most"}, {SpeakerID: client.ID, Body: "sleeping better"}} {
		l.SessionID, l.CreatedAt = empty.ID, time.Now()
		if err := db.AddTranscriptLine(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.AppendMessages(ctx, []*chat.Message{{SessionID: empty.ID, SenderID: client.ID, Kind: chat.KindText, Body: "I will try a routine", Seq: 1, ClientID: "c1", CreatedAt: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	s, err := summarizer.Summarize(ctx, appt, empty.ID)
	if err != nil || s == nil || !strings.Contains(s.Body, "Action items") {
		t.Fatalf("summary %+v %v", s, err)
	}
	stored, err := db.SummaryOf(ctx, appt.ID)
	if err != nil || stored.Body != s.Body || stored.Shared {
		t.Fatalf("stored %+v %v", stored, err)
	}
	asked := model.Requests()[0].Messages[1].Content
	for _, want := range []string{"Cora: what would help most", "Cleo: sleeping better", "Cleo: I will try a routine", "Session: Sleep"} {
		if !strings.Contains(asked, want) {
			t.Fatalf("the model was not told %q:\n%s", want, asked)
		}
	}
}

// TestTheNextSessionRemembersTheLast: a question in a later session
// carries the summary of the pair's earlier one, and, asked in the chat,
// what has been said in this call so far.
func TestTheNextSessionRemembersTheLast(t *testing.T) {
	ctx := context.Background()
	db, book := aPair(t)
	first, second := book("Check-in", time.Hour), book("Check-in", 48*time.Hour)
	coach, client := first.Coach, first.Client
	if err := db.PutSummary(ctx, &coaching.Summary{AppointmentID: first.ID, Body: "Sleep is the focus.\nAction items:\n- a bedtime routine", WrittenAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	cs, _ := db.OpenCallSession(ctx, second.ID, time.Now())
	if err := db.AddTranscriptLine(ctx, &coaching.TranscriptLine{SessionID: cs.ID, SpeakerID: client.ID, Body: "the routine worked twice", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	c := &ai.CoCoach{Memory: db}
	system := c.Prompt(ctx, room.Question{Appointment: second, SessionID: cs.ID, From: coach.ID, Text: "@ai what next?"})[0].Content
	for _, want := range []string{"earlier sessions", "Sleep is the focus. Action items: - a bedtime routine", "What was said in the call so far", "Cleo: the routine worked twice"} {
		if !strings.Contains(system, want) {
			t.Fatalf("the prompt lacks %q:\n%s", want, system)
		}
	}
	if first := c.Prompt(ctx, room.Question{Appointment: first, From: coach.ID, Text: "hi"})[0].Content; strings.Contains(first, "earlier sessions") {
		t.Fatal("the first session was given the summary of a later one")
	}
}

// aPair is a database with a coach (Cora) and her client (Cleo), and a way
// to book them an appointment in some time from now.
func aPair(t *testing.T) (*store.DB, func(title string, in time.Duration) *coaching.Appointment) {
	db := storetest.MustOpen(t, "sqlite")
	ctx := context.Background()
	svc := coaching.NewService(db, app.SystemClock{})
	coach, _ := svc.DevSignIn(ctx, "coach@example.com", "Cora", app.RoleCoach)
	client, _ := svc.DevSignIn(ctx, "client@example.com", "Cleo", app.RoleClient)
	db.LinkCoachClient(ctx, coach.ID, client.ID, time.Now())
	return db, func(title string, in time.Duration) *coaching.Appointment {
		a, err := svc.Book(app.WithActor(ctx, coach.Actor()), coaching.Booking{ClientID: client.ID, Title: title,
			StartsAt: time.Now().Add(in), Duration: 30 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		a.Coach, a.Client = coach, client
		return a
	}
}
