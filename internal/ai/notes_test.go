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
	"rapport/internal/store/storetest"
)

// TestTheSummaryOfACall: after a call, the model is given the transcript
// and the chat with who said what, and its summary is stored with the
// appointment; a call where nothing was said gets none.
func TestTheSummaryOfACall(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	ctx := context.Background()
	svc := coaching.NewService(db, app.SystemClock{})
	coach, _ := svc.DevSignIn(ctx, "coach@example.com", "Cora", app.RoleCoach)
	client, _ := svc.DevSignIn(ctx, "client@example.com", "Cleo", app.RoleClient)
	db.LinkCoachClient(ctx, coach.ID, client.ID, time.Now())
	appt, err := svc.Book(app.WithActor(ctx, coach.Actor()), coaching.Booking{ClientID: client.ID, Title: "Sleep",
		StartsAt: time.Now().Add(time.Hour), Duration: 30 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	appt.Coach, appt.Client = coach, client
	model := aitest.New(t)
	model.Answer(func([]ai.Message) string {
		return "Cleo wants better sleep.\nAction items:\n- Cleo: a bedtime routine"
	})
	notes := &ai.Notes{Client: ai.NewClient(model.URL, "stand-in", ""), Store: db}

	empty, _ := db.OpenCallSession(ctx, appt.ID, time.Now())
	if s, err := notes.Summarize(ctx, appt, empty.ID); s != nil || err != nil || len(model.Requests()) != 0 {
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
	s, err := notes.Summarize(ctx, appt, empty.ID)
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
