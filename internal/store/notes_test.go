package store_test

import (
	"context"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/notes"
	"rapport/internal/store"
)

// TestPrivateNotes: a note keeps what it was given (its session or none,
// its AI flag, its times), comes back with its coach's name and session,
// lists newest first by coach, client and session, changes, and goes.
func TestPrivateNotes(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		coach := mustUser(t, db, "coach@example.com", app.RoleCoach)
		other := mustUser(t, db, "other@example.com", app.RoleCoach)
		client := mustUser(t, db, "client@example.com", app.RoleClient)
		appt := mustAppt(t, db, coach, client, t0, coaching.RandomRoomID())
		put := func(coachID, apptID int64, body string, at time.Time, ai bool) *notes.Note {
			t.Helper()
			n := &notes.Note{CoachID: coachID, ClientID: client.ID, AppointmentID: apptID, Body: body, AIMayRead: ai, CreatedAt: at, UpdatedAt: at}
			if err := db.CreateNote(ctx, n); err != nil || n.ID == 0 {
				t.Fatalf("create %q: %v", body, err)
			}
			return n
		}
		session := put(coach.ID, appt.ID, "of the session", t0, false)
		general := put(coach.ID, 0, "of the client", t0.Add(time.Hour), true)
		theirs := put(other.ID, 0, "another coach's", t0.Add(2*time.Hour), true)

		got, err := db.NoteByID(ctx, session.ID)
		if err != nil || got.Body != "of the session" || got.AppointmentID != appt.ID || got.SessionTitle != "Session" ||
			!got.SessionStartAt.Equal(t0) || !got.CreatedAt.Equal(t0) || got.AIMayRead || got.CoachName != coach.Name {
			t.Fatalf("the session's note came back as %+v %v", got, err)
		}
		if got, _ := db.NoteByID(ctx, general.ID); got.AppointmentID != 0 || got.SessionTitle != "" || !got.SessionStartAt.IsZero() || !got.AIMayRead {
			t.Errorf("the general note came back as %+v", got)
		}
		if _, err := db.NoteByID(ctx, 9999); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("a missing note: %v", err)
		}
		page := coaching.Page{Limit: 10}
		for _, tc := range []struct {
			name string
			f    notes.Filter
			want []int64
		}{
			{"the coach's", notes.Filter{CoachID: coach.ID, ClientID: client.ID, Page: page}, []int64{general.ID, session.ID}},
			{"every coach's", notes.Filter{ClientID: client.ID, Page: page}, []int64{theirs.ID, general.ID, session.ID}},
			{"the session's", notes.Filter{CoachID: coach.ID, AppointmentID: appt.ID, Page: page}, []int64{session.ID}},
			{"a page", notes.Filter{ClientID: client.ID, Page: coaching.Page{Limit: 1, Offset: 1}}, []int64{general.ID}},
			{"nobody's", notes.Filter{ClientID: coach.ID, Page: page}, nil},
		} {
			list, err := db.ListNotes(ctx, tc.f)
			if err != nil || !sameIDs(list, tc.want) {
				t.Errorf("%s: %v %v, want %v", tc.name, noteIDs(list), err, tc.want)
			}
		}
		ai, err := db.AINotes(ctx, coach.ID, client.ID, 5)
		if err != nil || !sameIDs(ai, []int64{general.ID}) {
			t.Errorf("the notes the AI may read: %v %v", noteIDs(ai), err)
		}

		session.Body, session.AIMayRead, session.UpdatedAt = "changed", true, t0.Add(3*time.Hour)
		if err := db.UpdateNote(ctx, session); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.NoteByID(ctx, session.ID); got.Body != "changed" || !got.AIMayRead || !got.UpdatedAt.Equal(t0.Add(3*time.Hour)) || !got.CreatedAt.Equal(t0) {
			t.Errorf("after the change: %+v", got)
		}
		if err := db.DeleteNote(ctx, session.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteNote(ctx, session.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("delete twice: %v", err)
		}
		if err := db.UpdateNote(ctx, session); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("update a deleted note: %v", err)
		}
	})
}

// TestANoteOfAMissingSessionIsRefused: the database itself keeps a note
// from naming a session or a person that does not exist.
func TestANoteOfAMissingSessionIsRefused(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		coach := mustUser(t, db, "coach@example.com", app.RoleCoach)
		client := mustUser(t, db, "client@example.com", app.RoleClient)
		for _, n := range []*notes.Note{
			{CoachID: coach.ID, ClientID: client.ID, AppointmentID: 9999, Body: "x", CreatedAt: t0, UpdatedAt: t0},
			{CoachID: coach.ID, ClientID: 9999, Body: "x", CreatedAt: t0, UpdatedAt: t0},
		} {
			if err := db.CreateNote(ctx, n); app.ErrorCode(err) != app.EINVALID {
				t.Errorf("%+v: %v, want EINVALID", n, err)
			}
		}
	})
}

// TestNoteTemplates: a coach's templates by name, unique per coach.
func TestNoteTemplates(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		coach := mustUser(t, db, "coach@example.com", app.RoleCoach)
		other := mustUser(t, db, "other@example.com", app.RoleCoach)
		put := func(coachID int64, name string) *notes.Template {
			t.Helper()
			tpl := &notes.Template{CoachID: coachID, Name: name, Body: "## " + name, CreatedAt: t0, UpdatedAt: t0}
			if err := db.CreateNoteTemplate(ctx, tpl); err != nil {
				t.Fatalf("create %s: %v", name, err)
			}
			return tpl
		}
		weekly, intake := put(coach.ID, "Weekly"), put(coach.ID, "Intake")
		put(other.ID, "Weekly")
		if err := db.CreateNoteTemplate(ctx, &notes.Template{CoachID: coach.ID, Name: "Weekly", Body: "x", CreatedAt: t0, UpdatedAt: t0}); app.ErrorCode(err) != app.ECONFLICT {
			t.Errorf("a name twice: %v, want ECONFLICT", err)
		}
		list, err := db.ListNoteTemplates(ctx, coach.ID)
		if err != nil || len(list) != 2 || list[0].ID != intake.ID || list[1].ID != weekly.ID || list[1].Body != "## Weekly" || !list[1].CreatedAt.Equal(t0) {
			t.Fatalf("the coach's templates: %+v %v", list, err)
		}
		weekly.Name, weekly.Body, weekly.UpdatedAt = "Intake", "y", t0.Add(time.Hour)
		if err := db.UpdateNoteTemplate(ctx, weekly); app.ErrorCode(err) != app.ECONFLICT {
			t.Errorf("renamed to a name taken: %v", err)
		}
		weekly.Name = "Every week"
		if err := db.UpdateNoteTemplate(ctx, weekly); err != nil {
			t.Fatal(err)
		}
		if got, err := db.NoteTemplateByID(ctx, weekly.ID); err != nil || got.Name != "Every week" || got.Body != "y" || !got.UpdatedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("after the change: %+v %v", got, err)
		}
		if err := db.DeleteNoteTemplate(ctx, weekly.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.NoteTemplateByID(ctx, weekly.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("a deleted template: %v", err)
		}
		if err := db.DeleteNoteTemplate(ctx, weekly.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("delete twice: %v", err)
		}
	})
}

func noteIDs(list []*notes.Note) []int64 {
	out := make([]int64, len(list))
	for i, n := range list {
		out[i] = n.ID
	}
	return out
}

func sameIDs(list []*notes.Note, want []int64) bool {
	got := noteIDs(list)
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}
