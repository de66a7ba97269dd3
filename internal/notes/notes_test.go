package notes_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/audit"
	"rapport/internal/audit/audittest"
	"rapport/internal/coaching"
	"rapport/internal/notes"
	"rapport/internal/store/storetest"
)

// TestTheCoachWritesAndReadsTheirNotes: a note of a session and one of
// the client in general; the client's list has both, newest first, the
// session's only its own; every read is recorded, without the text.
func TestTheCoachWritesAndReadsTheirNotes(t *testing.T) {
	w := mustWorld(t)
	ctx := storetest.As(w.coach)
	session := w.mustWrite(t, w.coach, w.client, notes.Draft{AppointmentID: w.appt.ID, Body: "## Goal\nSleep *better*"})
	w.clock.Advance(time.Minute)
	general := w.mustWrite(t, w.coach, w.client, notes.Draft{Body: "Prefers mornings.", AIMayRead: true})
	if session.CoachID != w.coach.ID || session.ClientID != w.client.ID || session.SessionTitle != "Session" ||
		!session.SessionStartAt.Equal(w.appt.StartsAt) || session.CoachName != w.coach.Name || session.AIMayRead {
		t.Errorf("the session's note came back as %+v", session)
	}
	if general.AppointmentID != 0 || !general.AIMayRead || !general.CreatedAt.Equal(now.Add(time.Minute)) {
		t.Errorf("the general note came back as %+v", general)
	}
	if got := w.rec.Taken(); len(got) != 0 {
		t.Errorf("writing recorded reads: %+v", got)
	}

	all, err := w.svc.ClientNotes(ctx, w.client.ID, coaching.Page{})
	if err != nil || len(all) != 2 || all[0].ID != general.ID || all[1].ID != session.ID {
		t.Fatalf("the client's notes, newest first: %+v %v", all, err)
	}
	of, err := w.svc.SessionNotes(ctx, w.appt.ID)
	if err != nil || len(of) != 1 || of[0].ID != session.ID {
		t.Fatalf("the session's notes: %+v %v", of, err)
	}
	one, err := w.svc.Note(ctx, general.ID)
	if err != nil || one.Body != "Prefers mornings." {
		t.Fatalf("one note: %+v %v", one, err)
	}
	got := w.rec.Taken()
	want := []string{fmt.Sprintf("notes of client %d: 2", w.client.ID), fmt.Sprintf("notes of appointment %d: 1", w.appt.ID), fmt.Sprintf("note %d", general.ID)}
	if len(got) != len(want) {
		t.Fatalf("recorded %+v, want three reads", got)
	}
	for i, e := range got {
		if e.Action != audit.PrivateNotesRead || e.ActorID != w.coach.ID || e.SubjectID != w.client.ID || e.Detail != want[i] || !e.At.Equal(now.Add(time.Minute)) {
			t.Errorf("entry %d: %+v, want the coach reading %q", i, e, want[i])
		}
		if strings.Contains(e.Detail, "Sleep") || strings.Contains(e.Detail, "mornings") {
			t.Errorf("the log holds a note's text: %q", e.Detail)
		}
	}
}

// TestNotesAreTheCoachsAlone: the client, another coach (of another
// client, or of the same client), an admin (unless the practice allows
// it) and nobody neither read nor change the coach's notes, and refusals
// record nothing. An admin who may read them still may not change them.
func TestNotesAreTheCoachsAlone(t *testing.T) {
	w := mustWorld(t)
	n := w.mustWrite(t, w.coach, w.client, notes.Draft{AppointmentID: w.appt.ID, Body: "private"})
	body := "changed"
	for _, tc := range []struct {
		name       string
		who        *coaching.User
		adminsRead bool
		read       string // the answer to a read: "" for the notes
		write      string
	}{
		{"client", w.client, false, app.ENOTFOUND, app.ENOTFOUND},
		{"client when admins read", w.client, true, app.ENOTFOUND, app.ENOTFOUND},
		{"other coach", w.otherCoach, false, app.ENOTFOUND, app.ENOTFOUND},
		{"admin", w.admin, false, app.ENOTFOUND, app.ENOTFOUND},
		{"admin when admins read", w.admin, true, "", app.EFORBIDDEN},
		{"nobody", nil, true, app.EUNAUTHORIZED, app.EUNAUTHORIZED},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w.svc.AdminsRead = tc.adminsRead
			defer func() { w.svc.AdminsRead = false }()
			ctx := storetest.As(tc.who)
			list, err := w.svc.ClientNotes(ctx, w.client.ID, coaching.Page{})
			mustAnswer(t, "client notes", err, tc.read, len(list))
			list, err = w.svc.SessionNotes(ctx, w.appt.ID)
			mustAnswer(t, "session notes", err, tc.read, len(list))
			one, err := w.svc.Note(ctx, n.ID)
			mustAnswer(t, "note", err, tc.read, map[bool]int{true: 1}[one != nil])
			if tc.read == "" {
				if got := w.rec.Taken(); len(got) != 3 || got[0].ActorID != tc.who.ID {
					t.Errorf("the admin's reads were recorded as %+v", got)
				}
			} else if got := w.rec.Taken(); len(got) != 0 {
				t.Errorf("refused reads were recorded: %+v", got)
			}
			_, err = w.svc.Write(ctx, w.client.ID, notes.Draft{Body: "mine"})
			mustAnswer(t, "write", err, tc.write, 0)
			_, err = w.svc.Update(ctx, n.ID, notes.Change{Body: &body})
			mustAnswer(t, "update", err, tc.write, 0)
			mustAnswer(t, "delete", w.svc.Delete(ctx, n.ID), tc.write, 0)
			mustAnswer(t, "check write", w.svc.CheckWrite(ctx, w.client.ID), tc.write, 0)
			mustAnswer(t, "check change", w.svc.CheckChange(ctx, n.ID), tc.write, 0)
		})
	}
	if got, _ := w.svc.Note(storetest.As(w.coach), n.ID); got == nil || got.Body != "private" || w.stored(t) != 1 {
		t.Fatalf("the note changed: %+v", got)
	}
}

// TestAnotherCoachOfTheSameClientSeesOnlyTheirOwn: two coaches of one
// client each read their own notes about them, never the other's.
func TestAnotherCoachOfTheSameClientSeesOnlyTheirOwn(t *testing.T) {
	w := mustWorld(t)
	mine := w.mustWrite(t, w.coach, w.client, notes.Draft{Body: "the coach's"})
	theirs := w.mustWrite(t, w.sharingCoach, w.client, notes.Draft{Body: "the other coach's"})
	for _, tc := range []struct {
		who       *coaching.User
		own, not_ *notes.Note
	}{{w.coach, mine, theirs}, {w.sharingCoach, theirs, mine}} {
		list, err := w.svc.ClientNotes(storetest.As(tc.who), w.client.ID, coaching.Page{})
		if err != nil || len(list) != 1 || list[0].ID != tc.own.ID {
			t.Errorf("%s reads %+v %v, want only their own", tc.who.Email, list, err)
		}
		if _, err := w.svc.Note(storetest.As(tc.who), tc.not_.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("%s read the other coach's note: %v", tc.who.Email, err)
		}
		if _, err := w.svc.SessionNotes(storetest.As(tc.who), w.appt.ID); tc.who == w.sharingCoach && app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("%s read the notes of the other coach's session: %v", tc.who.Email, err)
		}
	}
	w.svc.AdminsRead = true
	if list, err := w.svc.ClientNotes(storetest.As(w.admin), w.client.ID, coaching.Page{}); err != nil || len(list) != 2 || list[0].CoachName != w.sharingCoach.Name {
		t.Errorf("the admin reads %+v %v, want both coaches' notes with their names", list, err)
	}
}

// mustAnswer checks an answer: the error code want, or no error and some
// notes when want is "".
func mustAnswer(t *testing.T, what string, err error, want string, n int) {
	t.Helper()
	if app.ErrorCode(err) != want {
		t.Errorf("%s: %v, want %q", what, err, want)
	}
	if want != "" && n != 0 {
		t.Errorf("%s: refused, yet %d notes came back", what, n)
	}
}

// TestBadNotesAreRefusedWhole: each bad note is refused naming the field
// and why, and nothing of it is stored.
func TestBadNotesAreRefusedWhole(t *testing.T) {
	w := mustWorld(t)
	third := mustAppt(t, w.db, w.coach, w.otherClient, now.Add(72*time.Hour))
	for _, tc := range []struct {
		name  string
		d     notes.Draft
		field string
		says  string
	}{
		{"Empty", notes.Draft{}, "body", "is required"},
		{"Blank", notes.Draft{Body: " \n\t "}, "body", "is required"},
		{"TooLong", notes.Draft{Body: strings.Repeat("a", notes.MaxBody+1)}, "body", "at most 100 KB"},
		{"ControlCharacter", notes.Draft{Body: "a\x00b"}, "body", "control characters"},
		{"NotUTF8", notes.Draft{Body: "a\xffb"}, "body", "UTF-8"},
		{"ScriptElement", notes.Draft{Body: "Nice <script>alert(1)</script>"}, "body", "must not contain a script"},
		{"ScriptSpaced", notes.Draft{Body: "< SCRIPT src=x>"}, "body", "must not contain a script"},
		{"JavascriptLink", notes.Draft{Body: "[see](javascript:alert(1))"}, "body", "must not contain a script"},
		{"JavascriptReference", notes.Draft{Body: "[see][x]\n\n[x]: JavaScript:alert(1)"}, "body", "must not contain a script"},
		{"JavascriptAutolink", notes.Draft{Body: "<javascript:alert(1)>"}, "body", "must not contain a script"},
		{"EventHandler", notes.Draft{Body: `<img src=x onerror="alert(1)">`}, "body", "must not contain a script"},
		{"EventHandlerAfterQuote", notes.Draft{Body: `<a href="x"onclick=alert(1)>x</a>`}, "body", "must not contain a script"},
		{"AnotherCoachsSession", notes.Draft{Body: "ok", AppointmentID: w.otherAppt.ID}, "appointment_id", "is not one of your sessions with this client"},
		{"AnotherClientsSession", notes.Draft{Body: "ok", AppointmentID: third.ID}, "appointment_id", "is not one of your sessions with this client"},
		{"NoSuchSession", notes.Draft{Body: "ok", AppointmentID: 9999}, "appointment_id", "is not one of your sessions with this client"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.svc.Write(storetest.As(w.coach), w.client.ID, tc.d)
			if app.ErrorCode(err) != app.EINVALID || !strings.Contains(app.ErrorFields(err)[tc.field], tc.says) {
				t.Fatalf("got %v (fields %v), want %s %q", err, app.ErrorFields(err), tc.field, tc.says)
			}
		})
	}
	both, err := w.svc.Write(storetest.As(w.coach), w.client.ID, notes.Draft{Body: "", AppointmentID: w.otherAppt.ID})
	if f := app.ErrorFields(err); both != nil || len(f) != 2 || f["body"] == "" || f["appointment_id"] == "" {
		t.Errorf("two wrong fields: %v, want both named", err)
	}
	if n := w.stored(t); n != 0 {
		t.Fatalf("%d refused notes were stored", n)
	}
	n := w.mustWrite(t, w.coach, w.client, notes.Draft{Body: "kept"})
	bad := "<script>x</script>"
	if _, err := w.svc.Update(storetest.As(w.coach), n.ID, notes.Change{Body: &bad}); app.ErrorFields(err)["body"] == "" {
		t.Errorf("an edit with a script: %v", err)
	}
	if got, _ := w.db.NoteByID(context.Background(), n.ID); got.Body != "kept" {
		t.Errorf("a refused edit changed the note to %q", got.Body)
	}
}

// TestProseAboutScriptsIsNoScript: words that merely mention scripts,
// JavaScript or "on" are a note like any other.
func TestProseAboutScriptsIsNoScript(t *testing.T) {
	w := mustWorld(t)
	for _, body := range []string{
		"She is learning JavaScript: it is going well.",
		"Wrote a script for the hard conversation; we role-played it.",
		"Focus on=sleep, then on work. a < b > c",
		"[notes](https://example.com/on=1) and `x = y`",
		"<b>bold</b> and <em class=x>em</em>",
		strings.Repeat("é", notes.MaxBody/2), // exactly 100 KB in bytes
	} {
		if _, err := w.svc.Write(storetest.As(w.coach), w.client.ID, notes.Draft{Body: body}); err != nil {
			t.Errorf("%.40q refused: %v", body, err)
		}
	}
}

// TestTheCoachEditsAndDeletes: the text and the AI's flag change, the
// time of change moves, the session stays; a deleted note is gone.
func TestTheCoachEditsAndDeletes(t *testing.T) {
	w := mustWorld(t)
	n := w.mustWrite(t, w.coach, w.client, notes.Draft{AppointmentID: w.appt.ID, Body: "first"})
	w.clock.Advance(time.Hour)
	body, yes := "second", true
	got, err := w.svc.Update(storetest.As(w.coach), n.ID, notes.Change{Body: &body, AIMayRead: &yes})
	if err != nil || got.Body != "second" || !got.AIMayRead || !got.UpdatedAt.Equal(now.Add(time.Hour)) || !got.CreatedAt.Equal(now) || got.AppointmentID != w.appt.ID {
		t.Fatalf("edited: %+v %v", got, err)
	}
	no := false
	if got, err = w.svc.Update(storetest.As(w.coach), n.ID, notes.Change{AIMayRead: &no}); err != nil || got.AIMayRead || got.Body != "second" {
		t.Fatalf("the flag alone: %+v %v", got, err)
	}
	if err := w.svc.Delete(storetest.As(w.coach), n.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Note(storetest.As(w.coach), n.ID); app.ErrorCode(err) != app.ENOTFOUND {
		t.Errorf("a deleted note reads %v", err)
	}
	if err := w.svc.Delete(storetest.As(w.coach), n.ID); app.ErrorCode(err) != app.ENOTFOUND {
		t.Errorf("deleted twice: %v", err)
	}
}

// TestAReadThatCannotBeRecordedIsRefused: without a record in the audit
// log, nobody reads notes.
func TestAReadThatCannotBeRecordedIsRefused(t *testing.T) {
	w := mustWorld(t)
	n := w.mustWrite(t, w.coach, w.client, notes.Draft{Body: "private"})
	w.rec.Fail(audittest.ErrDown)
	if list, err := w.svc.ClientNotes(storetest.As(w.coach), w.client.ID, coaching.Page{}); err == nil || list != nil {
		t.Errorf("read without a record: %+v %v", list, err)
	}
	if got, err := w.svc.Note(storetest.As(w.coach), n.ID); err == nil || got != nil {
		t.Errorf("read one without a record: %+v", got)
	}
	none := notes.NewService(w.db, nil, w.clock)
	if _, err := none.ClientNotes(storetest.As(w.coach), w.client.ID, coaching.Page{}); app.ErrorCode(err) != app.EINTERNAL {
		t.Errorf("a service without an audit log read: %v", err)
	}
}

// TestAnEndedLinkEndsTheCoachsAccess: once the client no longer works
// with the coach, the coach reads none of their notes about them (they
// stay for the admins, and in case the client comes back).
func TestAnEndedLinkEndsTheCoachsAccess(t *testing.T) {
	w := mustWorld(t)
	n := w.mustWrite(t, w.coach, w.client, notes.Draft{Body: "private"})
	if err := w.db.UnlinkCoachClient(context.Background(), w.coach.ID, w.client.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Note(storetest.As(w.coach), n.ID); app.ErrorCode(err) != app.ENOTFOUND {
		t.Errorf("a former coach read the note: %v", err)
	}
	if _, err := w.svc.ClientNotes(storetest.As(w.coach), w.client.ID, coaching.Page{}); app.ErrorCode(err) != app.ENOTFOUND {
		t.Errorf("a former coach listed the notes: %v", err)
	}
	if w.stored(t) != 1 {
		t.Error("the note went with the link")
	}
}
