package coaching_test

import (
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

func TestSessionTypeRules(t *testing.T) {
	w := MustWorld(t)
	coach := as(w.coach)
	for _, tc := range []struct {
		name, field string
		in          coaching.NewSessionType
	}{
		{"NoName", "name", coaching.NewSessionType{Minutes: 60}},
		{"NameWithNewline", "name", coaching.NewSessionType{Name: "a\nb", Minutes: 60}},
		{"TooShort", "duration_minutes", coaching.NewSessionType{Name: "x", Minutes: 5}},
		{"OddLength", "duration_minutes", coaching.NewSessionType{Name: "x", Minutes: 61}},
		{"Overflow", "duration_minutes", coaching.NewSessionType{Name: "x", Minutes: 1 << 60}},
		{"CallMode", "call_mode", coaching.NewSessionType{Name: "x", Minutes: 60, CallMode: "carrier-pigeon"}},
		{"Audience", "audience", coaching.NewSessionType{Name: "x", Minutes: 60, Audience: "everyone"}},
		{"Confirm", "confirm", coaching.NewSessionType{Name: "x", Minutes: 60, Confirm: "maybe"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.svc.CreateSessionType(coach, tc.in)
			if app.ErrorCode(err) != app.EINVALID || app.ErrorFields(err)[tc.field] == "" {
				t.Fatalf("want %s named, got %v", tc.field, err)
			}
		})
	}
	if _, err := w.svc.CreateSessionType(as(w.client), coaching.NewSessionType{Name: "x", Minutes: 60}); app.ErrorCode(err) != app.EFORBIDDEN {
		t.Fatalf("a client offering a session type: %v", err)
	}
	st, err := w.svc.CreateSessionType(coach, coaching.NewSessionType{Name: "Hour", Minutes: 60})
	if err != nil || st.Audience != coaching.AudienceClients || st.Duration != time.Hour || st.Confirm != coaching.ConfirmInstant {
		t.Fatalf("created %+v %v", st, err)
	}
	// Booking: a coach does not book slots for themselves; a type of another
	// coach is not found; a stranger to the coach sees no coach.
	if _, err := w.svc.BookSlot(coach, w.coach.ID, st.ID, time.Now()); app.ErrorCode(err) != app.EFORBIDDEN {
		t.Fatalf("a coach booking a slot: %v", err)
	}
	if _, err := w.svc.FreeSlotsOf(as(w.otherCoach), w.coach.ID, st.ID); app.ErrorCode(err) != app.ENOTFOUND {
		t.Fatalf("another coach's slots: %v", err)
	}
	if _, err := w.svc.FreeSlotsOf(as(w.otherClient), w.coach.ID, st.ID); app.ErrorCode(err) != app.ENOTFOUND {
		t.Fatalf("a stranger's slots: %v", err)
	}
	if err := w.svc.ArchiveSessionType(as(w.otherCoach), st.ID); app.ErrorCode(err) != app.ENOTFOUND {
		t.Fatalf("another coach archiving: %v", err)
	}
}
