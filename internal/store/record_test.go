package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/conversation"
	"rapport/internal/record"
	"rapport/internal/store"
)

// TestGoals: a goal kept and read back with its names, changed, counted,
// listed by scope, refused outside 0-100 by the table itself, deleted.
func TestGoals(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		coach := mustUser(t, db, "coach@example.com", app.RoleCoach)
		other := mustUser(t, db, "other@example.com", app.RoleCoach)
		client := mustUser(t, db, "client@example.com", app.RoleClient)
		g := &record.Goal{CoachID: coach.ID, ClientID: client.ID, Title: "Run 5 km", Progress: 20, Note: "twice a week",
			CreatedBy: client.ID, CreatedAt: t0, UpdatedBy: client.ID, UpdatedAt: t0}
		if err := db.CreateGoal(ctx, g); err != nil || g.ID == 0 {
			t.Fatalf("create: %v", err)
		}
		got, err := db.GoalByID(ctx, g.ID)
		if err != nil || got.Title != "Run 5 km" || got.Progress != 20 || got.Note != "twice a week" || got.Done || got.AchievedAt != nil ||
			got.CoachName != "N coach@example.com" || got.UpdatedByName != "N client@example.com" || !got.CreatedAt.Equal(t0) {
			t.Fatalf("read back: %+v %v", got, err)
		}
		at := t0.Add(time.Hour)
		got.Progress, got.Done, got.AchievedAt, got.UpdatedBy, got.UpdatedAt = 100, true, &at, coach.ID, at
		if err := db.UpdateGoal(ctx, got); err != nil {
			t.Fatal(err)
		}
		if again, _ := db.GoalByID(ctx, g.ID); again.Progress != 100 || !again.Done || again.AchievedAt == nil || !again.AchievedAt.Equal(at) ||
			again.UpdatedByName != "N coach@example.com" || again.CreatedBy != client.ID {
			t.Fatalf("after the change: %+v", again)
		}
		second := &record.Goal{CoachID: other.ID, ClientID: client.ID, Title: "Sleep", CreatedAt: t0.Add(time.Minute), UpdatedAt: t0}
		if err := db.CreateGoal(ctx, second); err != nil {
			t.Fatal(err)
		}
		if n, err := db.CountGoals(ctx, coach.ID, client.ID); err != nil || n != 1 {
			t.Fatalf("count: %d %v", n, err)
		}
		if all, _ := db.ListGoals(ctx, record.Scope{ClientID: client.ID}); len(all) != 2 || all[0].ID != g.ID || all[1].ID != second.ID {
			t.Fatalf("the client's goals: %+v", all)
		}
		if mine, _ := db.ListGoals(ctx, record.Scope{ClientID: client.ID, CoachID: other.ID}); len(mine) != 1 || mine[0].ID != second.ID || mine[0].UpdatedByName != "" {
			t.Fatalf("with the other coach: %+v", mine)
		}
		bad := &record.Goal{CoachID: coach.ID, ClientID: client.ID, Title: "Too far", Progress: 101, CreatedAt: t0, UpdatedAt: t0}
		if err := db.CreateGoal(ctx, bad); err == nil {
			t.Fatal("the table took progress 101")
		}
		if err := db.DeleteGoal(ctx, g.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.GoalByID(ctx, g.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Fatalf("deleted goal: %v", err)
		}
		if err := db.DeleteGoal(ctx, g.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Fatalf("deleted twice: %v", err)
		}
	})
}

// recordWorld is a client with two coaches: sessions, calls, summaries,
// transcripts and a conversation with each.
type recordWorld struct {
	coach, other, client *coaching.User
	appts                []*coaching.Appointment // the coach's, oldest first
	otherAppt            *coaching.Appointment
}

func mustRecordWorld(t *testing.T, db *store.DB) *recordWorld {
	t.Helper()
	ctx := context.Background()
	w := &recordWorld{coach: mustUser(t, db, "coach@example.com", app.RoleCoach), other: mustUser(t, db, "other@example.com", app.RoleCoach),
		client: mustUser(t, db, "client@example.com", app.RoleClient)}
	for i := range 3 {
		a := mustAppt(t, db, w.coach, w.client, t0.Add(time.Duration(i)*24*time.Hour), fmt.Sprintf("room-record-%02d-00000000000000", i))
		w.appts = append(w.appts, a)
	}
	w.otherAppt = mustAppt(t, db, w.other, w.client, t0.Add(12*time.Hour), "room-record-other-000000000000")
	// The first session: two calls, of 10 and 20 minutes, and one still
	// open; a summary; a transcript of 6 lines over the two calls.
	first := w.appts[0]
	for i, minutes := range []int{10, 20} {
		cs, err := db.OpenCallSession(ctx, first.ID, t0)
		if err != nil {
			t.Fatal(err)
		}
		start := t0.Add(time.Duration(i) * time.Hour)
		if err := db.StartCallSession(ctx, cs.ID, start); err != nil {
			t.Fatal(err)
		}
		for j := range 3 {
			speaker := w.client.ID
			if j == 1 {
				speaker = 0
			}
			mustLine(t, db, cs.ID, speaker, fmt.Sprintf("call %d line %d", i, j))
		}
		if _, err := db.EndCallSession(ctx, cs.ID, start.Add(time.Duration(minutes)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.OpenCallSession(ctx, first.ID, t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := db.PutSummary(ctx, &coaching.Summary{AppointmentID: first.ID, Body: "They set a GOAL", WrittenAt: t0}); err != nil {
		t.Fatal(err)
	}
	cs, _ := db.OpenCallSession(ctx, w.otherAppt.ID, t0)
	mustLine(t, db, cs.ID, w.other.ID, "the other coach speaks of 50% and c_d")
	return w
}

func mustLine(t *testing.T, db *store.DB, sessionID, speakerID int64, body string) {
	t.Helper()
	if err := db.AddTranscriptLine(context.Background(), &coaching.TranscriptLine{SessionID: sessionID, SpeakerID: speakerID, Body: body, CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
}

// TestRecordSessions: the sessions of a scope, newest first, each with its
// calls that ended and the time in them, its summary and its coach.
func TestRecordSessions(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := mustRecordWorld(t, db)
		mine, err := db.RecordSessions(ctx, record.Scope{ClientID: w.client.ID, CoachID: w.coach.ID}, 100)
		if err != nil || len(mine) != 3 {
			t.Fatalf("the coach's sessions: %d %v", len(mine), err)
		}
		if mine[0].Appointment.ID != w.appts[2].ID || mine[2].Appointment.ID != w.appts[0].ID {
			t.Fatalf("not newest first: %d %d", mine[0].Appointment.ID, mine[2].Appointment.ID)
		}
		first := mine[2]
		if first.Calls != 2 || first.Length != 30*time.Minute || first.Summary == nil || first.Summary.Body != "They set a GOAL" ||
			first.Summary.Shared || first.Appointment.Coach.Email != "coach@example.com" || first.Appointment.Coach.ID != w.coach.ID ||
			first.Appointment.Title != "Session" || first.Appointment.Duration != time.Hour || first.Appointment.Status != coaching.ApptScheduled {
			t.Fatalf("the first session: %+v %+v", first, first.Summary)
		}
		if mine[0].Calls != 0 || mine[0].Length != 0 || mine[0].Summary != nil {
			t.Fatalf("a session without calls: %+v", mine[0])
		}
		all, _ := db.RecordSessions(ctx, record.Scope{ClientID: w.client.ID}, 100)
		if len(all) != 4 || all[2].Appointment.ID != w.otherAppt.ID {
			t.Fatalf("the client's sessions: %d", len(all))
		}
		if two, _ := db.RecordSessions(ctx, record.Scope{ClientID: w.client.ID}, 2); len(two) != 2 {
			t.Fatalf("limit 2: %d", len(two))
		}
	})
}

// TestRecordTranscripts: the first lines of each call of a session, and
// whether there are more; searched, the first that contain the search in
// any case, with LIKE's own characters taken as they are.
func TestRecordTranscripts(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := mustRecordWorld(t, db)
		mine := record.Scope{ClientID: w.client.ID, CoachID: w.coach.ID}
		got, err := db.RecordTranscripts(ctx, mine, "", 2)
		if err != nil {
			t.Fatal(err)
		}
		first := got[w.appts[0].ID]
		// Two lines of each call, of three: there is more.
		if len(got) != 1 || first == nil || len(first.Lines) != 4 || !first.More || first.Lines[0].Body != "call 0 line 0" || first.Lines[2].Body != "call 1 line 0" {
			t.Fatalf("first lines: %d sessions, %+v", len(got), first)
		}
		if l := first.Lines[0]; l.SpeakerID != w.client.ID || l.AppointmentID != w.appts[0].ID || first.Lines[1].SpeakerID != 0 || !l.CreatedAt.Equal(t0) {
			t.Fatalf("a line: %+v %+v", l, first.Lines[1])
		}
		if all, _ := db.RecordTranscripts(ctx, mine, "", 3); len(all[w.appts[0].ID].Lines) != 6 || all[w.appts[0].ID].More {
			t.Fatalf("all three lines of each call: %+v", all[w.appts[0].ID])
		}
		found, err := db.RecordTranscripts(ctx, mine, "LINE 2", 2)
		if x := found[w.appts[0].ID]; err != nil || x == nil || len(x.Lines) != 2 || x.Lines[1].Body != "call 1 line 2" {
			t.Fatalf("search: %+v %v", found, err)
		}
		all := record.Scope{ClientID: w.client.ID}
		for _, q := range []string{"50%", "c_d"} {
			if got, _ := db.RecordTranscripts(ctx, all, q, 2); len(got) != 1 || got[w.otherAppt.ID] == nil || len(got[w.otherAppt.ID].Lines) != 1 {
				t.Errorf("search %q: %+v", q, got)
			}
		}
		if got, _ := db.RecordTranscripts(ctx, all, "5_%", 2); len(got) != 0 {
			t.Errorf("search 5_%%: %+v, want none (no wildcards)", got)
		}
		if got, _ := db.RecordTranscripts(ctx, mine, "the other coach", 2); len(got) != 0 {
			t.Errorf("the other coach's transcript reached this coach's scope: %+v", got)
		}
		if got, _ := db.RecordTranscripts(ctx, all, "line", 1); len(got[w.appts[0].ID].Lines) != 2 || got[w.appts[0].ID].Lines[1].Body != "call 1 line 0" || !got[w.appts[0].ID].More {
			t.Errorf("one match a call: %+v", got[w.appts[0].ID])
		}
		if got, _ := db.RecordTranscripts(ctx, all, "line 1", 1); len(got[w.appts[0].ID].Lines) != 2 || got[w.appts[0].ID].More {
			t.Errorf("the one match of each call: %+v", got[w.appts[0].ID])
		}
	})
}

// TestRecordMessages: the newest messages of the scope's conversations,
// newest first, with senders and files; searched, those whose text or
// file name holds the search.
func TestRecordMessages(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := mustRecordWorld(t, db)
		send := func(coach *coaching.User, from int64, id, body string, at time.Time, f *conversation.File) {
			t.Helper()
			c, err := db.ConversationOf(ctx, coach.ID, w.client.ID, t0)
			if err != nil {
				t.Fatal(err)
			}
			var data []byte
			if f != nil {
				data = []byte("data")
			}
			if _, err := db.AddMessage(ctx, &conversation.Message{ConversationID: c.ID, SenderID: from, ClientID: id, Body: body, File: f, CreatedAt: at}, data); err != nil {
				t.Fatal(err)
			}
		}
		send(w.coach, w.client.ID, "a", "Hello coach", t0, nil)
		send(w.other, w.other.ID, "b", "From the other coach", t0.Add(time.Minute), nil)
		send(w.coach, w.coach.ID, "c", "", t0.Add(2*time.Minute), &conversation.File{Name: "Plan.PDF", Type: "application/pdf", Size: 4, SHA256: "x"})
		send(w.coach, w.client.ID, "d", "thanks for the plan", t0.Add(3*time.Minute), nil)
		all, err := db.RecordMessages(ctx, record.Scope{ClientID: w.client.ID}, "", 10)
		if err != nil || len(all) != 4 {
			t.Fatalf("all: %d %v", len(all), err)
		}
		if all[0].Body != "thanks for the plan" || all[2].Body != "From the other coach" || all[2].CoachID != w.other.ID || all[2].Sender != "N other@example.com" {
			t.Fatalf("order or names: %+v %+v", all[0], all[2])
		}
		if all[1].File == nil || all[1].File.Name != "Plan.PDF" || all[1].CoachID != w.coach.ID {
			t.Fatalf("the file: %+v", all[1])
		}
		mine, _ := db.RecordMessages(ctx, record.Scope{ClientID: w.client.ID, CoachID: w.coach.ID}, "", 2)
		if len(mine) != 2 || mine[0].Body != "thanks for the plan" || mine[1].File == nil {
			t.Fatalf("the coach's newest two: %+v", mine)
		}
		if found, _ := db.RecordMessages(ctx, record.Scope{ClientID: w.client.ID, CoachID: w.coach.ID}, "PLAN", 10); len(found) != 2 {
			t.Fatalf("search PLAN: %+v", found)
		}
		if found, _ := db.RecordMessages(ctx, record.Scope{ClientID: w.client.ID, CoachID: w.coach.ID}, "other", 10); len(found) != 0 {
			t.Fatalf("the other coach's conversation in this coach's scope: %+v", found)
		}
	})
}
