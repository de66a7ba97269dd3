package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/auth"
	"rapport/internal/coaching"
	"rapport/internal/conversation"
	"rapport/internal/intake"
	"rapport/internal/notes"
	"rapport/internal/record"
)

// BenchmarkRecord200Sessions is the coach's record page of a client with
// 200 sessions behind them, each with a call, shared notes, a summary and
// a transcript of 40 lines; 50 private notes, 5 questionnaires answered,
// 1,000 messages and 5 goals: the whole request through every middleware,
// its queries on SQLite, the audit log's recording and the page's
// rendering. The issue asks for under 20 ms. "search" is the same with
// ?q= of a word that every entry holds. cpu-ms/op is the process's CPU
// time (the garbage collector's too) over the requests: steadier than the
// wall time on a machine that does other work.
func BenchmarkRecord200Sessions(b *testing.B) {
	e := newBenchEnv(b, "sqlite")
	_, client, tok := mustBenchRecord(b, e)
	for _, tc := range []struct{ name, query string }{{"all", ""}, {"search", "?q=sleep"}} {
		b.Run(tc.name, func(b *testing.B) {
			path := fmt.Sprintf("/clients/%d/record%s", client.ID, tc.query)
			b.ReportAllocs()
			var w countingWriter
			cpu, n := processCPU(), 0
			for b.Loop() {
				n++
				req := httptest.NewRequest("GET", path, nil)
				req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: tok})
				w = countingWriter{header: http.Header{}}
				e.handler.ServeHTTP(&w, req)
				if w.status != http.StatusOK || w.n < 100_000 {
					b.Fatalf("status %d, %d bytes", w.status, w.n)
				}
			}
			b.ReportMetric(float64(w.n), "page-bytes")
			b.ReportMetric(float64(processCPU()-cpu)/float64(n)/1e6, "cpu-ms/op")
		})
	}
}

// mustBenchRecord fills the benchmark's record and returns its coach, its
// client and the coach's session token.
func mustBenchRecord(b *testing.B, e *env) (coach, client *coaching.User, token string) {
	b.Helper()
	ctx := context.Background()
	coach, err := e.svc.DevSignIn(ctx, "coach@example.com", "Coach", app.RoleCoach)
	if err == nil {
		client, err = e.svc.DevSignIn(ctx, "client@example.com", "Client", app.RoleClient)
	}
	if err == nil {
		err = e.db.LinkCoachClient(ctx, coach.ID, client.ID, time.Now())
	}
	if err == nil {
		token, _, err = e.svc.StartSession(ctx, coach, "bench", "")
	}
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now().Add(-200 * 7 * 24 * time.Hour)
	for i := range 200 {
		mustBenchSession(b, e, coach, client, start.Add(time.Duration(i)*7*24*time.Hour), i)
	}
	for i := range 50 {
		at := start.Add(time.Duration(i) * 28 * 24 * time.Hour)
		if err := e.db.CreateNote(ctx, &notes.Note{CoachID: coach.ID, ClientID: client.ID, Body: fmt.Sprintf("**Note %d**: sleep is the theme.\n\n- one\n- two", i),
			CreatedAt: at, UpdatedAt: at}); err != nil {
			b.Fatal(err)
		}
	}
	mustBenchAnswers(b, e, coach, client)
	mustBenchMessages(b, e, coach, client, start)
	for i := range 5 {
		if err := e.db.CreateGoal(ctx, &record.Goal{CoachID: coach.ID, ClientID: client.ID, Title: fmt.Sprintf("Goal %d", i), Progress: i * 20,
			CreatedBy: coach.ID, CreatedAt: start, UpdatedBy: coach.ID, UpdatedAt: start}); err != nil {
			b.Fatal(err)
		}
	}
	return coach, client, token
}

// mustBenchSession stores session i: a call of 50 minutes with a
// transcript of 40 lines, shared notes, and a summary (every other one
// shared).
func mustBenchSession(b *testing.B, e *env, coach, client *coaching.User, at time.Time, i int) {
	b.Helper()
	ctx := context.Background()
	a := &coaching.Appointment{CoachID: coach.ID, ClientID: client.ID, Title: fmt.Sprintf("Session %d", i), StartsAt: at, Duration: time.Hour,
		Status: coaching.ApptCompleted, RoomID: coaching.RandomRoomID(), Notes: "Homework: a sleep diary, and a walk each morning.", CreatedAt: at, UpdatedAt: at}
	err := e.db.CreateAppointment(ctx, a)
	var cs *coaching.CallSession
	if err == nil {
		cs, err = e.db.OpenCallSession(ctx, a.ID, at)
	}
	if err == nil {
		err = e.db.StartCallSession(ctx, cs.ID, at)
	}
	for j := 0; err == nil && j < 40; j++ {
		speaker := []int64{coach.ID, client.ID}[j%2]
		err = e.db.AddTranscriptLine(ctx, &coaching.TranscriptLine{SessionID: cs.ID, SpeakerID: speaker,
			Body: fmt.Sprintf("Line %d of what was said in session %d, about sleep and the week", j, i), CreatedAt: at})
	}
	if err == nil {
		_, err = e.db.EndCallSession(ctx, cs.ID, at.Add(50*time.Minute))
	}
	if err == nil {
		err = e.db.PutSummary(ctx, &coaching.Summary{AppointmentID: a.ID, Body: "The client slept better; next: keep the diary.", WrittenAt: at})
	}
	if err == nil && i%2 == 0 {
		err = e.db.ShareSummary(ctx, a.ID, true)
	}
	if err != nil {
		b.Fatal(err)
	}
}

// mustBenchAnswers has the coach send five questionnaires of three
// questions, which the client answers.
func mustBenchAnswers(b *testing.B, e *env, coach, client *coaching.User) {
	b.Helper()
	asCoach, asClient := app.WithActor(context.Background(), coach.Actor()), app.WithActor(context.Background(), client.Actor())
	for i := range 5 {
		qn, err := e.app.Intake.Create(asCoach, intake.Draft{Content: intake.Content{Title: fmt.Sprintf("Check-in %d", i), Questions: []intake.Question{
			{Kind: intake.ShortText, Text: "How do you sleep?"}, {Kind: intake.LongText, Text: "What changed?"}, {Kind: intake.Scale, Text: "How rested?"}}}})
		var req *intake.Request
		if err == nil {
			req, err = e.app.Intake.Send(asCoach, qn.ID, client.ID)
		}
		if err == nil {
			_, err = e.app.Intake.Submit(asClient, req.ID, map[string][]string{fmt.Sprint(qn.Questions[0].ID): {"Better"},
				fmt.Sprint(qn.Questions[1].ID): {"I go to bed earlier"}, fmt.Sprint(qn.Questions[2].ID): {"7"}})
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

// mustBenchMessages stores 1,000 messages, five a week, alternating.
func mustBenchMessages(b *testing.B, e *env, coach, client *coaching.User, start time.Time) {
	b.Helper()
	ctx := context.Background()
	c, err := e.db.ConversationOf(ctx, coach.ID, client.ID, start)
	for i := 0; err == nil && i < 1000; i++ {
		from := []int64{client.ID, coach.ID}[i%2]
		at := start.Add(time.Duration(i/5)*7*24*time.Hour + time.Duration(i%5)*time.Hour)
		_, err = e.db.AddMessage(ctx, &conversation.Message{ConversationID: c.ID, SenderID: from, ClientID: fmt.Sprint("b-", i),
			Body: fmt.Sprintf("Message %d: how was your sleep this week?", i), CreatedAt: at}, nil)
	}
	if err != nil {
		b.Fatal(err)
	}
}

// countingWriter is a ResponseWriter that keeps nothing but the status and
// the size: the benchmark measures the server, not a recorder's buffer.
type countingWriter struct {
	header http.Header
	status int
	n      int
}

func (w *countingWriter) Header() http.Header { return w.header }

func (w *countingWriter) WriteHeader(status int) { w.status = status }

func (w *countingWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(p)
	return len(p), nil
}
