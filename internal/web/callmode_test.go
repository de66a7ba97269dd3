package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// apptCallMode reads an appointment's call_mode and title through the API.
func apptCallMode(t *testing.T, c *client, id int64) (mode, title string) {
	t.Helper()
	var a struct {
		CallMode *string `json:"call_mode"`
		Title    string
	}
	res := c.get(fmt.Sprintf("/api/v1/appointments/%d", id))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("get appointment %d: %d %s", id, res.StatusCode, res.body)
	}
	res.json(t, &a)
	if a.CallMode == nil {
		t.Fatalf("appointment %d has no call_mode: %s", id, res.body)
	}
	return *a.CallMode, a.Title
}

// TestCallModeThroughTheAPI books with a call mode, changes it, leaves it
// alone when a change does not name it, and refuses an unknown one without
// writing anything.
func TestCallModeThroughTheAPI(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		if mode, _ := apptCallMode(t, w.coach, w.apptID); mode != "" {
			t.Fatalf("a booking without call_mode has %q, want the server's default", mode)
		}
		var a struct {
			ID       int64
			CallMode string `json:"call_mode"`
		}
		res := w.coach.api("POST", "/api/v1/appointments", map[string]any{"client_id": w.clientID, "call_mode": "p2p",
			"starts_at": time.Now().Add(96 * time.Hour).UTC().Format(time.RFC3339), "duration_minutes": 30})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("book with p2p: %d %s", res.StatusCode, res.body)
		}
		res.json(t, &a)
		if a.CallMode != "p2p" {
			t.Fatalf("booked call_mode %q, want p2p", a.CallMode)
		}
		path := fmt.Sprintf("/api/v1/appointments/%d", a.ID)
		for _, step := range []struct {
			body      map[string]any
			status    int
			wantMode  string
			wantTitle string
		}{
			{map[string]any{"title": "Renamed"}, 200, "p2p", "Renamed"},
			{map[string]any{"call_mode": "sfu"}, 200, "sfu", "Renamed"},
			{map[string]any{"call_mode": "P2P", "title": "Not written"}, 400, "sfu", "Renamed"},
			{map[string]any{"call_mode": ""}, 200, "", "Renamed"},
		} {
			res := w.coach.api("PATCH", path, step.body)
			if res.StatusCode != step.status {
				t.Fatalf("PATCH %v: %d %s, want %d", step.body, res.StatusCode, res.body, step.status)
			}
			if step.status == 400 {
				if code, fields := res.errorBody(t); code != "invalid" || !strings.Contains(fields["call_mode"], `"sfu", "p2p" or ""`) {
					t.Errorf("PATCH %v: code %q, fields %v; want call_mode named", step.body, code, fields)
				}
			}
			if mode, title := apptCallMode(t, w.coach, a.ID); mode != step.wantMode || title != step.wantTitle {
				t.Errorf("after PATCH %v: call_mode %q, title %q; want %q, %q", step.body, mode, title, step.wantMode, step.wantTitle)
			}
		}
	})
}

// TestCallModeForm books and edits through the form: the select offers the
// server's default in words, keeps the choice, and refuses an unknown mode
// with the form shown again and nothing written.
func TestCallModeForm(t *testing.T) {
	e := newEnvWith(t, "sqlite", mustConfig(t, map[string]string{"CALL_MODE": "p2p"}), nil)
	w := e.world()
	body := string(w.coach.get("/appointments/new").body)
	for _, want := range []string{`<select id="call_mode" name="call_mode"`, `<option value="" selected>Server default (directly between you, peer-to-peer)</option>`,
		`<option value="sfu">Through the server — steadiest; needed for the AI co-coach</option>`,
		`<option value="p2p">Directly between you (peer-to-peer) — lowest delay; falls back to the server by itself</option>`} {
		if !strings.Contains(body, want) {
			t.Fatalf("booking form lacks %s:\n%s", want, body)
		}
	}
	day := time.Now().Add(120 * time.Hour).Format("2006-01-02")
	booking := url.Values{"client_id": {itoa(w.clientID)}, "starts_at": {day + "T10:00"}, "duration_minutes": {"30"}, "tz": {"UTC"}, "call_mode": {"mesh"}}
	res := w.coach.form("POST", "/appointments", booking)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(res.body), `must be &#34;sfu&#34;, &#34;p2p&#34; or &#34;&#34;`) {
		t.Fatalf("bad call mode: %d\n%s", res.StatusCode, res.body)
	}
	var list struct{ Items []any }
	w.coach.get("/api/v1/appointments").json(t, &list)
	if len(list.Items) != 1 {
		t.Fatalf("a refused booking wrote something: %d appointments", len(list.Items))
	}

	booking.Set("call_mode", "sfu")
	res = w.coach.form("POST", "/appointments", booking)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("book with sfu: %d %s", res.StatusCode, res.body)
	}
	page, _ := url.Parse(res.Header.Get("Location"))
	id := strings.TrimPrefix(page.Path, "/appointments/")
	var apptID int64
	fmt.Sscan(id, &apptID)
	if mode, _ := apptCallMode(t, w.coach, apptID); mode != "sfu" {
		t.Fatalf("booked through the form with %q, want sfu", mode)
	}
	if body := string(w.coach.get(page.Path + "/edit").body); !strings.Contains(body, `<option value="sfu" selected>`) {
		t.Fatalf("edit form does not keep sfu:\n%s", body)
	}
	edit := url.Values{"title": {"T"}, "starts_at": {day + "T10:00"}, "duration_minutes": {"30"}, "tz": {"UTC"}}
	if res := w.coach.form("POST", page.Path, edit); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit without the select: %d %s", res.StatusCode, res.body)
	}
	if mode, _ := apptCallMode(t, w.coach, apptID); mode != "sfu" {
		t.Fatalf("an edit without call_mode made it %q, want sfu kept", mode)
	}
	edit.Set("call_mode", "")
	if res := w.coach.form("POST", page.Path, edit); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit to the default: %d %s", res.StatusCode, res.body)
	}
	if mode, _ := apptCallMode(t, w.coach, apptID); mode != "" {
		t.Fatalf("edited to %q, want the server's default", mode)
	}
	if body := string(w.client.get(page.Path).body); !strings.Contains(body, "<dt>Video call</dt><dd>Directly between you, peer-to-peer (the server&#39;s default)</dd>") {
		t.Fatalf("appointment page does not say how the call travels:\n%s", body)
	}
}
