package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/server"
	"rapport/internal/store/storetest"
)

// slotEnv starts the web server on SQLite with its time kept by clock.
func slotEnv(t *testing.T, clock app.Clock) *env {
	t.Helper()
	db := storetest.MustOpen(t, "sqlite")
	cfg := mustConfig(t, nil)
	a, err := server.New(server.Options{Config: cfg, DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		SessionSecret: []byte(strings.Repeat("k", 32)), DevToken: devToken, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, svc: a.Service, sess: a.Sessions, cfg: cfg, handler: a.Handler(), app: a}
	e.srv = httptest.NewServer(e.handler)
	t.Cleanup(func() {
		e.srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		a.Drain(ctx)
		a.Close()
	})
	return e
}

// TestTheRoomTakesPeopleBackUntilAnHourAfterTheEnd: a scheduled
// appointment's pages offer its room for the whole slot and the hour after
// it (a call that dropped is rejoined), as the room itself does; not after.
func TestTheRoomTakesPeopleBackUntilAnHourAfterTheEnd(t *testing.T) {
	clock := app.NewFixedClock(time.Now())
	e := slotEnv(t, clock)
	w := e.world()
	appt, err := e.db.AppointmentByID(context.Background(), w.apptID)
	if err != nil {
		t.Fatal(err)
	}
	offered := func() (join, live bool) {
		page := w.client.get("/appointments/" + itoa(w.apptID))
		room := w.client.get("/rooms/" + w.roomID)
		if page.StatusCode != http.StatusOK || room.StatusCode != http.StatusOK {
			t.Fatalf("pages: %d, %d", page.StatusCode, room.StatusCode)
		}
		return strings.Contains(string(page.body), "Join the room"), strings.Contains(string(room.body), `data-live="true"`)
	}
	clock.Advance(appt.EndsAt().Add(30 * time.Minute).Sub(clock.Now()))
	if join, live := offered(); !join || !live {
		t.Fatalf("half an hour after the end: Join %v, room live %v; want both", join, live)
	}
	clock.Advance(30 * time.Minute)
	if join, live := offered(); join || live {
		t.Fatalf("an hour after the end: Join %v, room live %v; want neither", join, live)
	}
}

// TestTimeInCallsIsTheSumOfTheCalls: the appointment page adds up every
// call held in the room, not the last one only.
func TestTimeInCallsIsTheSumOfTheCalls(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		ctx := context.Background()
		at := time.Now().Add(-time.Hour)
		for _, d := range []time.Duration{7 * time.Minute, 12 * time.Minute} {
			cs, err := e.db.OpenCallSession(ctx, w.apptID, at)
			if err == nil {
				err = e.db.StartCallSession(ctx, cs.ID, at)
			}
			if err == nil {
				_, err = e.db.EndCallSession(ctx, cs.ID, at.Add(d))
			}
			if err != nil {
				t.Fatal(err)
			}
			at = at.Add(d + time.Minute)
		}
		res := w.coach.get("/appointments/" + itoa(w.apptID))
		if !strings.Contains(string(res.body), `data-call-time="19m0s"`) {
			t.Fatalf("the appointment page does not give 19m0s in calls (7m + 12m):\n%s", res.body)
		}
	})
}
