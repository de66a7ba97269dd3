package record_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/audit/audittest"
	"rapport/internal/coaching"
	"rapport/internal/conversation"
	"rapport/internal/intake"
	"rapport/internal/notes"
	"rapport/internal/record"
	"rapport/internal/store"
	"rapport/internal/store/storetest"
)

// now is the fixed "now" of every test.
var now = time.Date(2030, 3, 4, 9, 0, 0, 0, time.UTC)

// world is a database with the services over it, and the cast: a coach
// and a second coach who both work with the client; another coach with
// another client; an admin.
type world struct {
	db     *store.DB
	clock  *app.FixedClock
	rec    *audittest.Recorder
	notes  *notes.Service
	intake *intake.Service
	svc    *record.Service

	admin, coach, secondCoach, otherCoach, client, otherClient *coaching.User
}

func mustWorld(t *testing.T) *world {
	t.Helper()
	db := storetest.MustOpen(t, "sqlite")
	w := &world{db: db, clock: app.NewFixedClock(now), rec: &audittest.Recorder{}}
	w.notes = notes.NewService(db, w.rec, w.clock)
	w.intake = intake.NewService(db, w.clock)
	w.svc = record.NewService(db, w.notes, w.intake, w.rec, w.clock)
	w.admin = storetest.MustUser(t, db, "admin@example.com", app.RoleAdmin, now)
	w.coach = storetest.MustUser(t, db, "coach@example.com", app.RoleCoach, now)
	w.secondCoach = storetest.MustUser(t, db, "second.coach@example.com", app.RoleCoach, now)
	w.otherCoach = storetest.MustUser(t, db, "other.coach@example.com", app.RoleCoach, now)
	w.client = storetest.MustUser(t, db, "client@example.com", app.RoleClient, now)
	w.otherClient = storetest.MustUser(t, db, "other.client@example.com", app.RoleClient, now)
	storetest.MustLink(t, db, w.coach, w.client, now)
	storetest.MustLink(t, db, w.otherCoach, w.otherClient, now)
	return w
}

// mustAppt books a session of an hour; notes are its shared notes.
func (w *world) mustAppt(t *testing.T, coach *coaching.User, start time.Time, title, notes string) *coaching.Appointment {
	t.Helper()
	a := &coaching.Appointment{CoachID: coach.ID, ClientID: w.client.ID, Title: title, Notes: notes, StartsAt: start, Duration: time.Hour,
		Status: coaching.ApptCompleted, RoomID: coaching.RandomRoomID(), CreatedAt: now, UpdatedAt: now}
	if err := w.db.CreateAppointment(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a
}

// mustCall holds a call of the given length in a's room, with the lines
// said in it (by the client).
func (w *world) mustCall(t *testing.T, a *coaching.Appointment, length time.Duration, said ...string) {
	t.Helper()
	ctx := context.Background()
	cs, err := w.db.OpenCallSession(ctx, a.ID, a.StartsAt)
	if err == nil {
		err = w.db.StartCallSession(ctx, cs.ID, a.StartsAt)
	}
	for _, body := range said {
		if err == nil {
			err = w.db.AddTranscriptLine(ctx, &coaching.TranscriptLine{SessionID: cs.ID, SpeakerID: a.ClientID, Body: body, CreatedAt: a.StartsAt})
		}
	}
	if err == nil {
		_, err = w.db.EndCallSession(ctx, cs.ID, a.StartsAt.Add(length))
	}
	if err != nil {
		t.Fatal(err)
	}
}

// mustSummary gives a its AI summary, shared with the client or not.
func (w *world) mustSummary(t *testing.T, a *coaching.Appointment, body string, shared bool) {
	t.Helper()
	ctx := context.Background()
	if err := w.db.PutSummary(ctx, &coaching.Summary{AppointmentID: a.ID, Body: body, WrittenAt: a.EndsAt()}); err != nil {
		t.Fatal(err)
	}
	if err := w.db.ShareSummary(ctx, a.ID, shared); err != nil {
		t.Fatal(err)
	}
}

// mustNote writes a private note of coach about the client at at.
func (w *world) mustNote(t *testing.T, coach *coaching.User, at time.Time, body string, apptID int64) *notes.Note {
	t.Helper()
	w.at(at)
	defer w.at(now)
	n, err := w.notes.Write(storetest.As(coach), w.client.ID, notes.Draft{Body: body, AppointmentID: apptID})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// mustAnswers has coach send the client a questionnaire of one question,
// which the client answers and submits at at.
func (w *world) mustAnswers(t *testing.T, coach *coaching.User, at time.Time, title, question, answer string) *intake.Request {
	t.Helper()
	w.at(at)
	defer w.at(now)
	qn, err := w.intake.Create(storetest.As(coach), intake.Draft{Content: intake.Content{Title: title,
		Questions: []intake.Question{{Kind: intake.ShortText, Text: question, Required: true}}}})
	if err != nil {
		t.Fatal(err)
	}
	req, err := w.intake.Send(storetest.As(coach), qn.ID, w.client.ID)
	if err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprint(qn.Questions[0].ID)
	if req, err = w.intake.Submit(storetest.As(w.client), req.ID, map[string][]string{id: {answer}}); err != nil {
		t.Fatal(err)
	}
	return req
}

// mustMessage stores a message of the client's conversation with coach.
func (w *world) mustMessage(t *testing.T, coach, from *coaching.User, at time.Time, body string) {
	t.Helper()
	ctx := context.Background()
	c, err := w.db.ConversationOf(ctx, coach.ID, w.client.ID, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.AddMessage(ctx, &conversation.Message{ConversationID: c.ID, SenderID: from.ID,
		ClientID: fmt.Sprint("m-", at.UnixNano()), Body: body, CreatedAt: at}, nil); err != nil {
		t.Fatal(err)
	}
}

// at sets the clock to t.
func (w *world) at(t time.Time) { w.clock.Advance(t.Sub(w.clock.Now())) }

// kinds lists the kinds of a record's entries, in order.
func kinds(r *record.Record) []record.Kind {
	out := make([]record.Kind, len(r.Entries))
	for i, e := range r.Entries {
		out[i] = e.Kind
	}
	return out
}
