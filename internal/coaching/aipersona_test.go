package coaching_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

// TestValidateProfileAIFields checks the persona and style by the rules
// every profile write follows (the API's PUT included).
func TestValidateProfileAIFields(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		data  map[string]any
		field string // "" for valid
	}{
		{"a persona", map[string]any{"ai_persona": "Ask about sleep first."}, ""},
		{"a persona of 4000 characters", map[string]any{"ai_persona": longString(4000)}, ""},
		{"an empty persona", map[string]any{"ai_persona": ""}, ""},
		{"warm", map[string]any{"ai_style": "warm"}, ""},
		{"direct", map[string]any{"ai_style": "direct"}, ""},
		{"socratic", map[string]any{"ai_style": "socratic"}, ""},
		{"brief", map[string]any{"ai_style": "brief"}, ""},
		{"no style", map[string]any{"ai_style": ""}, ""},
		{"a persona of 4001 characters", map[string]any{"ai_persona": longString(4001)}, "ai_persona"},
		{"a persona that is no text", map[string]any{"ai_persona": 1.0}, "ai_persona"},
		{"an unknown style", map[string]any{"ai_style": "sarcastic"}, "ai_style"},
		{"a style in capitals", map[string]any{"ai_style": "Warm"}, "ai_style"},
		{"a style that is no text", map[string]any{"ai_style": true}, "ai_style"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := coaching.ValidateProfile(c.data)
			if c.field == "" {
				MustCode(t, err, "")
				return
			}
			MustField(t, err, app.EINVALID, c.field)
		})
	}
}

// TestPutAIPersona saves a coach's persona into their profile, keeping the
// rest of it.
func TestPutAIPersona(t *testing.T) {
	t.Parallel()
	old := map[string]any{"bio": "Runner.", "goals": "Coach well", "timezone": "Europe/Berlin", "pronouns": "she/her"}
	with := func(extra map[string]any) map[string]any {
		out := map[string]any{}
		for _, m := range []map[string]any{old, extra} {
			for k, v := range m {
				out[k] = v
			}
		}
		return out
	}
	cases := []struct {
		name  string
		setup map[string]any // the coach's profile before; nil for none
		in    coaching.AIPersona
		field string // the refused field; "" when saved
		want  map[string]any
	}{
		{name: "keeps the bio and goals", setup: old, in: coaching.AIPersona{Persona: "Be gentle.", Style: "socratic"},
			want: with(map[string]any{"ai_persona": "Be gentle.", "ai_style": "socratic"})},
		{name: "no profile yet", in: coaching.AIPersona{Persona: "Be gentle."},
			want: map[string]any{"ai_persona": "Be gentle."}},
		{name: "empty fields are removed", setup: with(map[string]any{"ai_persona": "Old.", "ai_style": "brief"}),
			in: coaching.AIPersona{Persona: "  \r\n ", Style: ""}, want: old},
		{name: "line ends and outer spaces", setup: old, in: coaching.AIPersona{Persona: "  One.\r\nTwo.\r\n", Style: " direct "},
			want: with(map[string]any{"ai_persona": "One.\nTwo.", "ai_style": "direct"})},
		{name: "4000 characters with line ends", in: coaching.AIPersona{Persona: strings.Repeat("é\r\n", 2000)},
			want: map[string]any{"ai_persona": strings.TrimSpace(strings.Repeat("é\n", 2000))}},
		{name: "a persona too long", setup: old, in: coaching.AIPersona{Persona: longString(4001)}, field: "ai_persona"},
		{name: "an unknown style", setup: old, in: coaching.AIPersona{Style: "loud"}, field: "ai_style"},
		{name: "a profile too big in all", setup: map[string]any{"notes": strings.Repeat("x", 9000)},
			in: coaching.AIPersona{Persona: longString(4000)}, field: "ai_persona"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := MustWorld(t)
			if c.setup != nil {
				MustPutProfile(t, w, w.coach, c.setup)
			}
			_, err := w.svc.PutAIPersona(as(w.coach), c.in)
			stored, rerr := w.db.Profile(context.Background(), w.coach.ID)
			if c.field != "" {
				MustField(t, err, app.EINVALID, c.field)
				if c.setup != nil && (rerr != nil || !reflect.DeepEqual(stored.Data, c.setup)) {
					t.Errorf("a refused save changed the profile to %v (%v)", stored.Data, rerr)
				}
				return
			}
			MustCode(t, err, "")
			if rerr != nil || !reflect.DeepEqual(stored.Data, c.want) {
				t.Errorf("stored %v (%v), want %v", stored.Data, rerr, c.want)
			}
		})
	}
}

// TestAIPersonaIsTheCoachs: coaches and admins read and set their own
// persona; a client has none, and nobody signed in is asked to.
func TestAIPersonaIsTheCoachs(t *testing.T) {
	t.Parallel()
	w := MustWorld(t)
	in := coaching.AIPersona{Persona: "Be gentle.", Style: "brief"}
	for _, c := range []struct {
		name string
		u    *coaching.User
		code string
	}{{"coach", w.coach, ""}, {"admin", w.admin, ""}, {"client", w.client, app.EFORBIDDEN}, {"anonymous", nil, app.EUNAUTHORIZED}} {
		t.Run(c.name, func(t *testing.T) {
			before, err := w.svc.AIPersona(as(c.u))
			MustCode(t, err, c.code)
			if before != (coaching.AIPersona{}) {
				t.Errorf("before any save: %+v", before)
			}
			_, err = w.svc.PutAIPersona(as(c.u), in)
			MustCode(t, err, c.code)
			if c.code != "" {
				return
			}
			if got, err := w.svc.AIPersona(as(c.u)); err != nil || got != in {
				t.Errorf("after the save: %+v %v", got, err)
			}
		})
	}
	if _, err := w.db.Profile(context.Background(), w.client.ID); app.ErrorCode(err) != app.ENOTFOUND {
		t.Errorf("the client's refused save wrote a profile (%v)", err)
	}
}
