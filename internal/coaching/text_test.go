package coaching_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

func TestCheckText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		s          string
		single, ml bool // accepted as one line, as several
	}{
		{"Empty", "", true, true},
		{"Plain", "Coaching session", true, true},
		{"Unicode", "Séance – 日本語 😀 עברית", true, true},
		{"MarksAreNotOverrides", "a\u200Eb\u200Fc", true, true},
		{"Newline", "one\ntwo", false, true},
		{"CRLF", "one\r\ntwo", false, true},
		{"Tab", "a\tb", false, true},
		{"LoneCR", "over\rwrite", false, false},
		{"NUL", "a\x00b", false, false},
		{"Escape", "\x1b[31mred", false, false},
		{"DEL", "a\x7fb", false, false},
		{"C1", "a\u0085b", false, false},
		{"InvalidUTF8", "a\xffb", false, false},
		{"Surrogate", "a\xed\xa0\x80b", false, false},
		{"LeftToRightEmbedding", "a\u202Ab", false, false},
		{"RightToLeftOverride", "a\u202Eb", false, false},
		{"LeftToRightIsolate", "a\u2066b", false, false},
		{"PopIsolate", "a\u2069b", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := coaching.CheckText(tc.s, coaching.SingleLine) == ""; got != tc.single {
				t.Errorf("single line: accepted %v, want %v (%q)", got, tc.single, coaching.CheckText(tc.s, coaching.SingleLine))
			}
			if got := coaching.CheckText(tc.s, coaching.MultiLine) == ""; got != tc.ml {
				t.Errorf("multi-line: accepted %v, want %v (%q)", got, tc.ml, coaching.CheckText(tc.s, coaching.MultiLine))
			}
			err := coaching.ValidText("title", tc.s, coaching.SingleLine)
			if (err == nil) != tc.single || (err != nil && app.ErrorFields(err)["title"] == "") {
				t.Errorf("ValidText: %v", err)
			}
		})
	}
}

func TestCleanText(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"fine\n\ttext":       "fine\n\ttext",
		"a\r\nb":             "a\r\nb",
		"a\x00b\x1bc\rd":     "abcd",
		"x\u202Ey\u2066z":    "xyz",
		"bad\xffutf8":        "bad\uFFFDutf8",
		"crlf\r\nand\x00nul": "crlf\nandnul",
	} {
		got := coaching.CleanText(in)
		if got != want {
			t.Errorf("CleanText(%q) = %q, want %q", in, got, want)
		}
		if msg := coaching.CheckText(got, coaching.MultiLine); msg != "" {
			t.Errorf("CleanText(%q) is refused: %s", in, msg)
		}
	}
}

func TestMinutesDurationSaturates(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]time.Duration{
		60:            time.Hour,
		0:             0,
		-15:           -15 * time.Minute,
		1<<53 + 60:    math.MaxInt64, // wrapped around to 60 minutes before
		math.MaxInt64: math.MaxInt64,
		math.MinInt64: math.MinInt64,
	} {
		if got := coaching.MinutesDuration(n); got != want {
			t.Errorf("MinutesDuration(%d) = %d, want %d", n, got, want)
		}
	}
}

// TestAppointmentBounds books and moves appointments at the edges of what
// the service keeps: at most MaxYearsAhead years ahead, lengths that cannot
// overflow, and free text without control characters.
func TestAppointmentBounds(t *testing.T) {
	t.Parallel()
	limit := now.AddDate(coaching.MaxYearsAhead, 0, 0)
	year10000 := time.Date(9999, 12, 31, 23, 0, 0, 0, time.FixedZone("EST", -5*3600))
	for _, tc := range []struct {
		name  string
		b     coaching.Booking
		field string
	}{
		{"AtTheLimit", coaching.Booking{StartsAt: limit, Duration: time.Hour}, ""},
		{"PastTheLimit", coaching.Booking{StartsAt: limit.Add(time.Second), Duration: time.Hour}, "starts_at"},
		{"Year10000InUTC", coaching.Booking{StartsAt: year10000, Duration: time.Hour}, "starts_at"},
		{"MinutesThatWrapTo60", coaching.Booking{StartsAt: tomorrow, Duration: coaching.MinutesDuration(1<<53 + 60)}, "duration_minutes"},
		{"TitleNUL", coaching.Booking{StartsAt: tomorrow, Duration: time.Hour, Title: "a\x00b"}, "title"},
		{"TitleTwoLines", coaching.Booking{StartsAt: tomorrow, Duration: time.Hour, Title: "a\nb"}, "title"},
		{"NotesOverride", coaching.Booking{StartsAt: tomorrow, Duration: time.Hour, Notes: "pay \u202Eevil"}, "notes"},
		{"NotesLines", coaching.Booking{StartsAt: tomorrow.Add(48 * time.Hour), Duration: time.Hour, Notes: "one\r\n\ttwo"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := MustWorld(t)
			tc.b.ClientID = w.client.ID
			_, err := w.svc.Book(as(w.coach), tc.b)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if app.ErrorCode(err) != app.EINVALID || app.ErrorFields(err)[tc.field] == "" {
				t.Fatalf("booked or refused otherwise: %v", err)
			}
		})
	}
	t.Run("Reschedule", func(t *testing.T) {
		t.Parallel()
		w := MustWorld(t)
		a := MustBook(t, w, w.coach, w.client, tomorrow)
		far, huge := limit.Add(time.Minute), coaching.MinutesDuration(math.MaxInt64)
		for field, ch := range map[string]coaching.AppointmentChange{
			"starts_at":        {StartsAt: &far},
			"duration_minutes": {Duration: &huge},
		} {
			if _, err := w.svc.UpdateAppointment(as(w.coach), a.ID, ch); app.ErrorFields(err)[field] == "" {
				t.Errorf("%s: %v", field, err)
			}
		}
		if got := MustGetAppointment(t, w, a.ID); !got.StartsAt.Equal(tomorrow) || got.Duration != time.Hour {
			t.Errorf("a refused change was written: %s %s", got.StartsAt, got.Duration)
		}
	})
}

// TestRefusedBeforeValidated checks that who may not act is told so before
// their input is judged: a stranger's overlong or NUL reason is "not
// found", a client's edit "forbidden".
func TestRefusedBeforeValidated(t *testing.T) {
	t.Parallel()
	w := MustWorld(t)
	a := MustBook(t, w, w.coach, w.client, tomorrow)
	long := strings.Repeat("x", 1001)
	if _, err := w.svc.CancelAppointment(as(w.otherCoach), a.ID, long); app.ErrorCode(err) != app.ENOTFOUND {
		t.Errorf("stranger cancels with a long reason: %v", err)
	}
	if _, err := w.svc.CancelAppointment(as(w.client), a.ID, "ill\x00"); app.ErrorFields(err)["reason"] == "" {
		t.Errorf("client cancels with a NUL: %v", err)
	}
	for who, want := range map[*coaching.User]string{w.otherCoach: app.ENOTFOUND, w.otherClient: app.ENOTFOUND,
		w.client: app.EFORBIDDEN, w.coach: "", w.admin: ""} {
		if err := w.svc.CheckEdit(as(who), a.ID); app.ErrorCode(err) != want {
			t.Errorf("CheckEdit by %s: %v, want %q", who.Email, err, want)
		}
	}
	for _, tc := range []struct {
		who  *coaching.User
		act  coaching.Act
		want string
	}{
		{w.client, coaching.ActBook, app.EFORBIDDEN}, {w.coach, coaching.ActBook, ""}, {w.admin, coaching.ActBook, ""},
		{w.admin, coaching.ActInvite, app.EFORBIDDEN}, {w.coach, coaching.ActInvite, ""},
		{w.coach, coaching.ActManageUsers, app.EFORBIDDEN}, {w.admin, coaching.ActManageUsers, ""},
		{w.client, coaching.ActSetAIPersona, app.EFORBIDDEN}, {w.coach, coaching.ActSetAIPersona, ""},
		{nil, coaching.ActBook, app.EUNAUTHORIZED},
	} {
		if err := coaching.May(as(tc.who), tc.act); app.ErrorCode(err) != tc.want {
			t.Errorf("May(%v, %d): %v, want %q", tc.who, tc.act, err, tc.want)
		}
	}
}

// TestFreeTextOfProfilesAndSearches refuses a NUL, a control character or
// an override in any text of a profile (nested ones too), the AI persona,
// a user's name and a search, naming the field.
func TestFreeTextOfProfilesAndSearches(t *testing.T) {
	t.Parallel()
	w := MustWorld(t)
	for field, data := range map[string]map[string]any{
		"bio":   {"bio": "hi\x00"},
		"goals": {"goals": "\u202Egoals"},
		"pets":  {"pets": []any{"cat", map[string]any{"name": "\x1b"}}},
		"other": {"other": map[string]any{"bad\x00key": "v"}},
	} {
		if _, err := w.svc.PutProfile(as(w.client), data); app.ErrorFields(err)[field] == "" {
			t.Errorf("profile %s: %v", field, err)
		}
	}
	if _, err := w.svc.PutProfile(as(w.client), map[string]any{"bio": "line\r\nline\ttab"}); err != nil {
		t.Errorf("a bio of lines and tabs: %v", err)
	}
	if _, err := w.svc.PutAIPersona(as(w.coach), coaching.AIPersona{Persona: "kind\x00"}); app.ErrorFields(err)[coaching.ProfileAIPersona] == "" {
		t.Errorf("persona: %v", err)
	}
	if _, err := w.svc.ListUsers(as(w.admin), coaching.UserFilter{Query: "a\x00"}); app.ErrorFields(err)["q"] == "" {
		t.Errorf("search: %v", err)
	}
	if _, err := w.svc.ListUsers(as(w.coach), coaching.UserFilter{Query: "a\x00"}); app.ErrorCode(err) != app.EFORBIDDEN {
		t.Errorf("a coach's search: %v, want forbidden before the query is judged", err)
	}
	if _, err := w.svc.InviteClient(as(w.coach), coaching.Invite{Email: "n@example.com", Name: "N\u2066"}); app.ErrorFields(err)["name"] == "" {
		t.Errorf("invite: %v", err)
	}
	if _, err := w.svc.CreateUser(as(w.admin), coaching.NewUser{Email: "m@example.com", Name: "M\xff", Role: app.RoleCoach}); app.ErrorFields(err)["name"] == "" {
		t.Errorf("create user: %v", err)
	}
	name := "N\u202Dn"
	if _, err := w.svc.UpdateUser(as(w.admin), w.client.ID, coaching.UserChange{Name: &name}); app.ErrorFields(err)["name"] == "" {
		t.Errorf("rename: %v", err)
	}
}
