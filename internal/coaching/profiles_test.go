package coaching_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

// MustPutProfile replaces u's profile with data.
func MustPutProfile(t *testing.T, w *world, u *coaching.User, data map[string]any) {
	t.Helper()
	if _, err := w.svc.PutProfile(as(u), data); err != nil {
		t.Fatalf("put profile of %s: %v", u.Email, err)
	}
}

func TestProfileReadAndWrite(t *testing.T) {
	t.Parallel()
	full := map[string]any{
		"bio": "I like running.", "goals": "Run a marathon", "timezone": "Europe/Berlin",
		"phone": "+49 (30) 123-45.67", "favourite_colour": "green", "shoe_size": 42.5,
	}
	type tc struct {
		name   string
		setup  func(t *testing.T, w *world)
		reader func(w *world) *coaching.User
		owner  func(w *world) *coaching.User
		code   string
		want   map[string]any
	}
	putFull := func(t *testing.T, w *world) { MustPutProfile(t, w, w.client, full) }
	client := func(w *world) *coaching.User { return w.client }
	cases := []tc{
		{name: "own profile round-trips", setup: putFull, reader: client, owner: client, want: full},
		{name: "a put replaces the whole profile", reader: client, owner: client, want: map[string]any{"goals": "Sleep"},
			setup: func(t *testing.T, w *world) {
				putFull(t, w)
				MustPutProfile(t, w, w.client, map[string]any{"goals": "Sleep"})
			}},
		{name: "no profile yet reads as empty", reader: client, owner: client, want: map[string]any{}},
		{name: "the coach reads their client's profile", setup: putFull,
			reader: func(w *world) *coaching.User { return w.coach }, owner: client, want: full},
		{name: "an admin reads anyone's profile", setup: putFull,
			reader: func(w *world) *coaching.User { return w.admin }, owner: client, want: full},
		{name: "another coach is told it does not exist", setup: putFull,
			reader: func(w *world) *coaching.User { return w.otherCoach }, owner: client, code: app.ENOTFOUND},
		{name: "another client is told it does not exist", setup: putFull,
			reader: func(w *world) *coaching.User { return w.otherClient }, owner: client, code: app.ENOTFOUND},
		{name: "a client is told their coach's profile does not exist",
			setup:  func(t *testing.T, w *world) { MustPutProfile(t, w, w.coach, full) },
			reader: client, owner: func(w *world) *coaching.User { return w.coach }, code: app.ENOTFOUND},
		{name: "anonymous is told to sign in", setup: putFull,
			reader: func(w *world) *coaching.User { return nil }, owner: client, code: app.EUNAUTHORIZED},
		{name: "a coach whose invitation waits is told it does not exist", setup: func(t *testing.T, w *world) {
			putFull(t, w)
			if _, err := w.svc.InviteClient(as(w.otherCoach), coaching.Invite{Email: w.client.Email}); err != nil {
				t.Fatal(err)
			}
		}, reader: func(w *world) *coaching.User { return w.otherCoach }, owner: client, code: app.ENOTFOUND},
		{name: "a coach whose invitation the client accepted reads it", setup: func(t *testing.T, w *world) {
			putFull(t, w)
			MustInviteAndAccept(t, w, w.otherCoach, w.client)
		}, reader: func(w *world) *coaching.User { return w.otherCoach }, owner: client, want: full},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := MustWorld(t)
			if c.setup != nil {
				c.setup(t, w)
			}
			owner := c.owner(w)
			got, err := w.svc.Profile(as(c.reader(w)), owner.ID)
			MustCode(t, err, c.code)
			if err != nil {
				if got != nil {
					t.Errorf("refused read returned %+v", got)
				}
				return
			}
			if got.UserID != owner.ID || !reflect.DeepEqual(got.Data, c.want) {
				t.Errorf("profile of %d: %+v, want %v", owner.ID, got, c.want)
			}
		})
	}
}

// TestProfileOfMissingUser checks that even an admin, who may read every
// profile, is told that a user who does not exist does not exist, rather
// than being shown an empty profile.
func TestProfileOfMissingUser(t *testing.T) {
	t.Parallel()
	w := MustWorld(t)
	for _, u := range []*coaching.User{w.admin, w.coach, w.client} {
		t.Run(string(u.Role), func(t *testing.T) {
			got, err := w.svc.Profile(as(u), 9999)
			MustCode(t, err, app.ENOTFOUND)
			if got != nil {
				t.Errorf("got %+v", got)
			}
		})
	}
}

func TestPutProfile(t *testing.T) {
	t.Parallel()
	type tc struct {
		name  string
		data  map[string]any
		code  string
		field string
	}
	cases := []tc{
		{name: "the known fields", data: map[string]any{"bio": "b", "goals": "g", "timezone": "America/New_York", "phone": "+1 555 0100"}},
		{name: "empty known fields", data: map[string]any{"bio": "", "goals": "", "timezone": "", "phone": ""}},
		{name: "UTC is a time zone", data: map[string]any{"timezone": "UTC"}},
		{name: "other short fields", data: map[string]any{"pronouns": "she/her", "a": true, "x_1": []any{"y"}, "nested": map[string]any{"k": 1.0}}},
		{name: "a bio of 2000 characters", data: map[string]any{"bio": longString(2000)}},
		{name: "a key of 64 characters", data: map[string]any{"k" + strings.Repeat("x", 63): "v"}},
		{name: "an empty profile", data: map[string]any{}},

		{name: "an unknown time zone", data: map[string]any{"timezone": "Mars/Olympus_Mons"}, code: app.EINVALID, field: "timezone"},
		{name: "Local is no time zone", data: map[string]any{"timezone": "Local"}, code: app.EINVALID, field: "timezone"},
		{name: "a path as time zone", data: map[string]any{"timezone": "../../etc/passwd"}, code: app.EINVALID, field: "timezone"},
		{name: "a number as time zone", data: map[string]any{"timezone": 2.0}, code: app.EINVALID, field: "timezone"},
		{name: "a bio of 2001 characters", data: map[string]any{"bio": longString(2001)}, code: app.EINVALID, field: "bio"},
		{name: "goals of 2001 characters", data: map[string]any{"goals": longString(2001)}, code: app.EINVALID, field: "goals"},
		{name: "a bio that is no text", data: map[string]any{"bio": 3.0}, code: app.EINVALID, field: "bio"},
		{name: "goals that are a list", data: map[string]any{"goals": []any{"a"}}, code: app.EINVALID, field: "goals"},
		{name: "a phone with letters", data: map[string]any{"phone": "call me"}, code: app.EINVALID, field: "phone"},
		{name: "a phone of 41 characters", data: map[string]any{"phone": strings.Repeat("1", 41)}, code: app.EINVALID, field: "phone"},
		{name: "a phone that is a number", data: map[string]any{"phone": 5550100.0}, code: app.EINVALID, field: "phone"},
		{name: "a key with a capital", data: map[string]any{"Bio": "x"}, code: app.EINVALID, field: "Bio"},
		{name: "a key starting with a digit", data: map[string]any{"1st": "x"}, code: app.EINVALID, field: "1st"},
		{name: "a key with a dash", data: map[string]any{"first-name": "x"}, code: app.EINVALID, field: "first-name"},
		{name: "a key with a space", data: map[string]any{"first name": "x"}, code: app.EINVALID, field: "first name"},
		{name: "an empty key", data: map[string]any{"": "x"}, code: app.EINVALID, field: ""},
		{name: "a key of 65 characters", data: map[string]any{"k" + strings.Repeat("x", 64): "v"},
			code: app.EINVALID, field: "k" + strings.Repeat("x", 64)},
		{name: "an oversized document", data: map[string]any{"notes": strings.Repeat("x", 16<<10)},
			code: app.EINVALID, field: "profile"},
		{name: "an oversized document of small fields", data: manyFields(200, 100), code: app.EINVALID, field: "profile"},
		{name: "every bad field is named", data: map[string]any{"bio": 1.0, "phone": "x", "timezone": "Nowhere"},
			code: app.EINVALID, field: "timezone"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := MustWorld(t)
			old := map[string]any{"bio": "old"}
			MustPutProfile(t, w, w.client, old)
			w.clock.Advance(time.Minute)
			got, err := w.svc.PutProfile(as(w.client), c.data)
			MustField(t, err, c.code, c.field)
			if c.name == "an empty key" {
				if _, ok := app.ErrorFields(err)[""]; !ok {
					t.Errorf("fields %v do not name the empty key", app.ErrorFields(err))
				}
			}
			if c.name == "every bad field is named" {
				if f := app.ErrorFields(err); len(f) != 3 {
					t.Errorf("fields %v, want bio, phone and timezone", keys(f))
				}
			}
			stored, rerr := w.db.Profile(context.Background(), w.client.ID)
			if rerr != nil {
				t.Fatal(rerr)
			}
			if err != nil {
				if got != nil {
					t.Errorf("refused put returned %+v", got)
				}
				if !reflect.DeepEqual(stored.Data, old) {
					t.Errorf("refused put stored %v", stored.Data)
				}
				return
			}
			if got.UserID != w.client.ID || !got.UpdatedAt.Equal(now.Add(time.Minute)) {
				t.Errorf("returned %+v", got)
			}
			if !reflect.DeepEqual(stored.Data, c.data) {
				t.Errorf("stored %v, want %v", stored.Data, c.data)
			}
		})
	}
	t.Run("anonymous is told to sign in", func(t *testing.T) {
		t.Parallel()
		w := MustWorld(t)
		_, err := w.svc.PutProfile(context.Background(), map[string]any{"bio": "x"})
		MustCode(t, err, app.EUNAUTHORIZED)
	})
}

// manyFields is a profile of n fields of size characters each.
func manyFields(n, size int) map[string]any {
	m := make(map[string]any, n)
	for i := range n {
		m["f"+strings.Repeat("x", i%50)+string(rune('a'+i%26))+strings.Repeat("y", i/26)] = strings.Repeat("v", size)
	}
	return m
}

func TestProfileTimezone(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		p    *coaching.Profile
		want string // "" for none
	}{
		{"a zone", &coaching.Profile{Data: map[string]any{"timezone": "Asia/Tokyo"}}, "Asia/Tokyo"},
		{"no zone", &coaching.Profile{Data: map[string]any{}}, ""},
		{"Local", &coaching.Profile{Data: map[string]any{"timezone": "Local"}}, ""},
		{"an unknown zone", &coaching.Profile{Data: map[string]any{"timezone": "Nowhere/Else"}}, ""},
		{"not text", &coaching.Profile{Data: map[string]any{"timezone": 1.0}}, ""},
		{"no profile", nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			loc := c.p.Timezone()
			switch {
			case c.want == "" && loc != nil:
				t.Errorf("zone %v, want none", loc)
			case c.want != "" && (loc == nil || loc.String() != c.want):
				t.Errorf("zone %v, want %s", loc, c.want)
			}
		})
	}
}
