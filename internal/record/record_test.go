package record_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/audit"
	"rapport/internal/audit/audittest"
	"rapport/internal/coaching"
	"rapport/internal/record"
	"rapport/internal/store/storetest"
)

// The texts of the cast's record that only the coach may read.
const (
	privateText  = "PRIVATE worry about the divorce"
	unsharedText = "UNSHARED summary: the client seems anxious"
)

// story fills a record: over five days, the coach's sessions (one with a
// shared and one with an unshared summary, a transcript, shared notes), a
// private note, a questionnaire, messages, and a session with a second
// coach of the client's.
type story struct {
	first, second, secondCoachs *coaching.Appointment
}

func (w *world) mustStory(t *testing.T) *story {
	t.Helper()
	day := func(n int) time.Time { return now.Add(time.Duration(n-10) * 24 * time.Hour) }
	s := &story{}
	s.first = w.mustAppt(t, w.coach, day(1), "Kick-off", "Shared plan: walk daily")
	w.mustCall(t, s.first, 50*time.Minute, "I want to sleep better", "and walk more", "every day", "starting Monday")
	w.mustCall(t, s.first, 5*time.Minute)
	w.mustSummary(t, s.first, "Shared summary: sleep and walking", true)
	w.mustNote(t, w.coach, day(1).Add(2*time.Hour), privateText, s.first.ID)
	w.mustAnswers(t, w.coach, day(2), "Intake", "What brings you here?", "Sleep trouble")
	w.mustMessage(t, w.coach, w.client, day(3), "I walked today")
	w.mustMessage(t, w.coach, w.coach, day(3).Add(time.Hour), "Well done!")
	w.mustMessage(t, w.coach, w.client, day(3).Add(10*time.Hour), "And again")
	s.second = w.mustAppt(t, w.coach, day(4), "Check-in", "")
	w.mustCall(t, s.second, 30*time.Minute, "Sleep is better")
	w.mustSummary(t, s.second, unsharedText, false)
	storetest.MustLink(t, w.db, w.secondCoach, w.client, now)
	s.secondCoachs = w.mustAppt(t, w.secondCoach, day(5), "Nutrition", "")
	w.rec.Taken()
	return s
}

// TestCoachView: the coach's view holds, newest first, their sessions
// with lengths, summaries (unshared too) and the transcript's start, their
// private note, the questionnaire they sent, and their conversation in
// runs; nothing of the second coach's. The opening is in the audit log
// without content, and so is the notes' read.
func TestCoachView(t *testing.T) {
	w := mustWorld(t)
	s := w.mustStory(t)
	r, err := w.svc.Record(storetest.As(w.coach), w.client.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []record.Kind{record.KindSession, record.KindMessages, record.KindMessages, record.KindAnswers, record.KindPrivateNote, record.KindSession}
	if r.View != record.CoachView || !slices.Equal(kinds(r), want) {
		t.Fatalf("view %s, entries %v, want %v", r.View, kinds(r), want)
	}
	check := r.Entries[0].Session
	if check.Appointment.ID != s.second.ID || check.Summary == nil || check.Summary.Body != unsharedText || check.Length != 30*time.Minute ||
		r.Entries[0].CoachName != w.coach.Name {
		t.Fatalf("the check-in: %+v", check)
	}
	later, earlier := r.Entries[1].Messages, r.Entries[2].Messages
	if len(later.Items) != 1 || later.Items[0].Body != "And again" || len(earlier.Items) != 2 || earlier.Items[1].Body != "Well done!" ||
		earlier.Items[1].Sender != w.coach.Name {
		t.Fatalf("message runs: %+v / %+v", later.Items, earlier.Items)
	}
	if a := r.Entries[3].Answers; a.Items()[0].Answer[0] != "Sleep trouble" || r.Entries[3].CoachName != w.coach.Name {
		t.Fatalf("the answers: %+v", a.Items())
	}
	if n := r.Entries[4].Note; n.Body != privateText || n.AppointmentID != s.first.ID {
		t.Fatalf("the note: %+v", n)
	}
	kick := r.Entries[5].Session
	if kick.Calls != 2 || kick.Length != 55*time.Minute || len(kick.Transcript) != record.TranscriptLines || !kick.MoreTranscript ||
		kick.Transcript[0].Body != "I want to sleep better" || kick.Transcript[0].Speaker != w.client.Name || kick.Appointment.Notes != "Shared plan: walk daily" {
		t.Fatalf("the kick-off: %+v", kick)
	}
	entries := w.rec.Taken()
	var actions []audit.Action
	for _, e := range entries {
		actions = append(actions, e.Action)
		if e.SubjectID != w.client.ID || e.ActorID != w.coach.ID {
			t.Errorf("entry about %d by %d: %+v", e.SubjectID, e.ActorID, e)
		}
		if strings.Contains(e.Detail, "PRIVATE") || strings.Contains(e.Detail, "Sleep") {
			t.Errorf("the audit entry holds content: %q", e.Detail)
		}
	}
	if !slices.Contains(actions, audit.RecordOpened) || !slices.Contains(actions, audit.PrivateNotesRead) {
		t.Fatalf("audit actions %v", actions)
	}
	if second, _ := w.svc.Record(storetest.As(w.secondCoach), w.client.ID, ""); len(second.Entries) != 1 || second.Entries[0].Session.Appointment.ID != s.secondCoachs.ID {
		t.Fatalf("the second coach's view: %v", kinds(second))
	}
}

// TestClientView: the client's own view holds what passed with both
// coaches, but no private note and no unshared summary, even searched
// for; opening it is no one else's business: nothing is recorded.
func TestClientView(t *testing.T) {
	w := mustWorld(t)
	s := w.mustStory(t)
	r, err := w.svc.Own(storetest.As(w.client), "")
	if err != nil {
		t.Fatal(err)
	}
	want := []record.Kind{record.KindSession, record.KindSession, record.KindMessages, record.KindMessages, record.KindAnswers, record.KindSession}
	if r.View != record.ClientView || !slices.Equal(kinds(r), want) || r.Entries[0].Session.Appointment.ID != s.secondCoachs.ID ||
		r.Entries[0].CoachName != w.secondCoach.Name || len(r.Coaches) != 2 {
		t.Fatalf("view %s, entries %v, want %v", r.View, kinds(r), want)
	}
	for _, e := range r.Entries {
		if strings.Contains(e.Text(), "PRIVATE") || strings.Contains(e.Text(), "UNSHARED") {
			t.Errorf("the client's view holds the coach's private text: %q", e.Text())
		}
	}
	if sum := r.Entries[1].Session.Summary; sum != nil {
		t.Fatalf("the unshared summary reached the client: %+v", sum)
	}
	if sum := r.Entries[5].Session.Summary; sum == nil || !sum.Shared {
		t.Fatalf("the shared summary did not: %+v", sum)
	}
	for _, q := range []string{"divorce", "anxious"} {
		if found, _ := w.svc.Own(storetest.As(w.client), q); len(found.Entries) != 0 {
			t.Errorf("a search for %q found %v in the client's view", q, kinds(found))
		}
	}
	if same, err := w.svc.Record(storetest.As(w.client), w.client.ID, ""); err != nil || same.View != record.ClientView || len(same.Entries) != len(r.Entries) {
		t.Fatalf("Record of themself: %v", err)
	}
	if entries := w.rec.Taken(); len(entries) != 0 {
		t.Fatalf("the client's own opening was recorded: %+v", entries)
	}
}

// TestRecordWhoMay: another coach, another client, an admin and nobody
// open no record; a coach has none of their own; the coach's opening is
// refused when the audit log cannot record it.
func TestRecordWhoMay(t *testing.T) {
	w := mustWorld(t)
	w.mustStory(t)
	for _, u := range []*coaching.User{w.otherCoach, w.otherClient, w.admin} {
		if _, err := w.svc.Record(storetest.As(u), w.client.ID, ""); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("%s: %v", u.Email, err)
		}
	}
	if _, err := w.svc.Record(storetest.As(nil), w.client.ID, ""); app.ErrorCode(err) != app.EUNAUTHORIZED {
		t.Errorf("anonymous: %v", err)
	}
	if _, err := w.svc.Own(storetest.As(w.coach), ""); app.ErrorCode(err) != app.ENOTFOUND {
		t.Errorf("a coach's own record: %v", err)
	}
	if entries := w.rec.Taken(); len(entries) != 0 {
		t.Fatalf("refused openings were recorded: %+v", entries)
	}
	w.rec.Fail(audittest.ErrDown)
	if _, err := w.svc.Record(storetest.As(w.coach), w.client.ID, ""); err == nil {
		t.Fatal("the coach opened the record with the audit log down")
	}
	if _, err := w.svc.Own(storetest.As(w.client), ""); err != nil {
		t.Fatalf("the client's own view needs no audit log: %v", err)
	}
}

// TestRecordSearch: a search keeps the entries whose text holds it in any
// case: a session by its notes, its summary or a line of its transcript
// (which it then shows), a note, an answer, a message.
func TestRecordSearch(t *testing.T) {
	w := mustWorld(t)
	s := w.mustStory(t)
	for _, tc := range []struct {
		q    string
		want []record.Kind
	}{
		{"WALK", []record.Kind{record.KindMessages, record.KindSession}}, // "I walked today"; the kick-off's notes, summary and transcript
		{"monday", []record.Kind{record.KindSession}},                    // the fourth line of the kick-off's transcript
		{"divorce", []record.Kind{record.KindPrivateNote}},
		{"sleep trouble", []record.Kind{record.KindAnswers}},
		{"ANXIOUS", []record.Kind{record.KindSession}},
		{"well done", []record.Kind{record.KindMessages}},
		{"nothing like it", nil},
	} {
		r, err := w.svc.Record(storetest.As(w.coach), w.client.ID, "  "+tc.q+" ")
		if err != nil {
			t.Fatal(err)
		}
		if got := kinds(r); !slices.Equal(got, tc.want) || r.Query != tc.q {
			t.Errorf("search %q: %v, want %v", tc.q, got, tc.want)
		}
	}
	r, _ := w.svc.Record(storetest.As(w.coach), w.client.ID, "monday")
	if l := r.Entries[0].Session.Transcript; r.Entries[0].Session.Appointment.ID != s.first.ID || len(l) != 1 || l[0].Body != "starting Monday" {
		t.Fatalf("the line that matched: %+v", l)
	}
	if _, err := w.svc.Record(storetest.As(w.coach), w.client.ID, strings.Repeat("q", record.MaxQuery+1)); app.ErrorFields(err)["q"] == "" {
		t.Fatalf("a long search: %v", err)
	}
	searched := 0
	for _, e := range w.rec.Taken() {
		if e.Action == audit.RecordOpened && strings.HasSuffix(e.Detail, ", searched") && !strings.Contains(e.Detail, "monday") {
			searched++
		}
	}
	if searched != 8 {
		t.Fatalf("%d searched openings recorded, want 8", searched)
	}
}

// TestMessageRuns: messages of one conversation make one entry until
// something else comes between them, a silence of more than MessageGap,
// or a message of another conversation.
func TestMessageRuns(t *testing.T) {
	w := mustWorld(t)
	storetest.MustLink(t, w.db, w.secondCoach, w.client, now)
	base := now.Add(-48 * time.Hour)
	w.mustMessage(t, w.coach, w.client, base, "one")
	w.mustMessage(t, w.coach, w.coach, base.Add(record.MessageGap), "two")
	w.mustMessage(t, w.coach, w.client, base.Add(2*record.MessageGap+time.Minute), "three")
	w.mustMessage(t, w.secondCoach, w.client, base.Add(2*record.MessageGap+2*time.Minute), "to the other")
	w.mustMessage(t, w.coach, w.client, base.Add(2*record.MessageGap+3*time.Minute), "four")
	w.mustAppt(t, w.coach, base.Add(2*record.MessageGap+4*time.Minute), "Between", "")
	w.mustMessage(t, w.coach, w.client, base.Add(2*record.MessageGap+5*time.Minute), "five")
	r, err := w.svc.Own(storetest.As(w.client), "")
	if err != nil {
		t.Fatal(err)
	}
	var runs []string
	for _, e := range r.Entries {
		if e.Messages == nil {
			runs = append(runs, "|session|")
			continue
		}
		var bodies []string
		for _, m := range e.Messages.Items {
			bodies = append(bodies, m.Body)
		}
		runs = append(runs, strings.Join(bodies, ","))
	}
	want := []string{"five", "|session|", "four", "to the other", "three", "one,two"}
	if !slices.Equal(runs, want) {
		t.Fatalf("runs %q, want %q", runs, want)
	}
}
