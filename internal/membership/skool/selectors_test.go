package skool

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultSelectors(t *testing.T) {
	s := mustSelectors(t)
	if s.SignIn.Path != "/login" || len(s.Members.Paths) != 1 || s.Members.Statuses["cancelling"] != "cancelled" {
		t.Fatalf("built-in selectors: %+v", s)
	}
	b := DefaultSelectors()
	b[0] = 'x'
	if bytes.Equal(b, DefaultSelectors()) {
		t.Error("DefaultSelectors hands out the package's own bytes")
	}
}

func TestSelectorsFile(t *testing.T) {
	write := func(t *testing.T, text string) string {
		path := filepath.Join(t.TempDir(), "selectors.json")
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	edited := strings.Replace(string(DefaultSelectors()), `"row": ".member-row"`, `"row": ".person-card"`, 1)
	s, err := LoadSelectors(write(t, edited))
	if err != nil || s.Members.List.Row != ".person-card" {
		t.Fatalf("an edited file: %v", err)
	}
	for _, tc := range []struct{ name, text, want string }{
		{"NotJSON", "{", "unexpected EOF"},
		{"UnknownField", `{"app": "#x", "sigIn": {}}`, "sigIn"},
		{"Missing", strings.Replace(string(DefaultSelectors()), `"row": ".member-row"`, `"row": ""`, 1), "members.list.row"},
		{"PathWithoutCommunity", strings.Replace(string(DefaultSelectors()), `"/{community}/-/members"`, `"/members"`, 1), "members.paths"},
		{"APIWithoutPage", strings.Replace(string(DefaultSelectors()), `?page={page}`, ``, 1), "members.api.url"},
		{"Status", strings.Replace(string(DefaultSelectors()), `"left": "churned"`, `"left": "gone"`, 1), "members.statuses"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := write(t, tc.text)
			_, err := LoadSelectors(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("got %v, want an error naming %s and %q", err, path, tc.want)
			}
		})
	}
	if _, err := LoadSelectors("/no/such/file.json"); err == nil {
		t.Error("a missing file loads")
	}
}

func TestStepErrorMessage(t *testing.T) {
	e := &StepError{Step: "find the member list of ultra", Detail: "no element matches", Screenshot: "logs/a.png", HTML: "logs/a.html"}
	want := "skool: find the member list of ultra: no element matches (screenshot logs/a.png, page logs/a.html)"
	if e.Error() != want {
		t.Errorf("message %q, want %q", e.Error(), want)
	}
	e.Screenshot, e.HTML = "", ""
	if e.Error() != "skool: find the member list of ultra: no element matches" {
		t.Errorf("without files: %q", e.Error())
	}
}
