package store_test

import (
	"context"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/store"
)

// TestTranscriptsAndSummaries: lines are kept in the order said, with the
// AI as no speaker; turning the transcript off deletes them; a summary is
// stored once per appointment, replaced when written again, shared only
// when the coach says, and the recent ones of a pair come newest first.
func TestTranscriptsAndSummaries(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		coach := mustUser(t, db, "coach@example.com", app.RoleCoach)
		client := mustUser(t, db, "client@example.com", app.RoleClient)
		first := mustAppt(t, db, coach, client, t0, "room-eeeeeeeeeeeeeeeeeeeeeeeeeeee")
		second := mustAppt(t, db, coach, client, t0.Add(24*time.Hour), "room-ffffffffffffffffffffffffffff")
		cs, err := db.OpenCallSession(ctx, first.ID, t0)
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range []*coaching.TranscriptLine{{SpeakerID: coach.ID, Body: "what should you focus on"}, {SpeakerID: 0, Body: "tell me more"},
			{SpeakerID: client.ID, Body: "my sleep"}} {
			l.SessionID, l.CreatedAt = cs.ID, t0.Add(time.Duration(i)*time.Second)
			if err := db.AddTranscriptLine(ctx, l); err != nil || l.ID == 0 {
				t.Fatalf("add line: %v", err)
			}
		}
		lines, err := db.TranscriptLines(ctx, cs.ID, 0, 10)
		if err != nil || len(lines) != 3 || lines[1].SpeakerID != 0 || lines[2].Body != "my sleep" || !lines[0].CreatedAt.Equal(t0) {
			t.Fatalf("lines %+v %v", lines, err)
		}
		if more, _ := db.TranscriptLines(ctx, cs.ID, lines[1].ID, 10); len(more) != 1 {
			t.Fatalf("after the second line: %d", len(more))
		}
		if err := db.SetTranscriptOff(ctx, cs.ID, true); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.CallSessionByID(ctx, cs.ID); !got.TranscriptOff {
			t.Fatal("the session does not say its transcript is off")
		}
		if lines, _ := db.TranscriptLines(ctx, cs.ID, 0, 10); len(lines) != 0 {
			t.Fatalf("%d lines kept after the transcript was turned off", len(lines))
		}

		if _, err := db.SummaryOf(ctx, first.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Fatalf("no summary yet: %v", err)
		}
		put := func(a *coaching.Appointment, body string) {
			if err := db.PutSummary(ctx, &coaching.Summary{AppointmentID: a.ID, Body: body, WrittenAt: t0}); err != nil {
				t.Fatal(err)
			}
		}
		put(first, "First draft")
		if err := db.ShareSummary(ctx, first.ID, true); err != nil {
			t.Fatal(err)
		}
		put(first, "Sleep is the focus. Action: a bedtime routine.")
		s, err := db.SummaryOf(ctx, first.ID)
		if err != nil || s.Body != "Sleep is the focus. Action: a bedtime routine." || !s.Shared {
			t.Fatalf("summary %+v %v", s, err)
		}
		put(second, "Second call.")
		recent, err := db.RecentSummaries(ctx, coach.ID, client.ID, t0.Add(48*time.Hour), 5)
		if err != nil || len(recent) != 2 || recent[0].AppointmentID != second.ID {
			t.Fatalf("recent %+v %v", recent, err)
		}
		if before, _ := db.RecentSummaries(ctx, coach.ID, client.ID, second.StartsAt, 5); len(before) != 1 || before[0].AppointmentID != first.ID {
			t.Fatalf("before the second call: %+v", before)
		}
		if err := db.ShareSummary(ctx, 987654, true); app.ErrorCode(err) != app.ENOTFOUND {
			t.Fatalf("sharing a missing summary: %v", err)
		}
	})
}
