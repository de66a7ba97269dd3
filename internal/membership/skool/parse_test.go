package skool

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"rapport/internal/membership"
)

func mustSelectors(t *testing.T) *Selectors {
	t.Helper()
	s, err := LoadSelectors("")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDate(t *testing.T) {
	s := mustSelectors(t)
	day := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"", time.Time{}},
		{"2024-03-05T00:00:00Z", day},
		{"2024-03-05T01:00:00+01:00", day},
		{"2024-03-05", day},
		{"Mar 5, 2024", day},
		{"Joined Mar 5, 2024", day},
		{"Access until March 5, 2024", day},
		{"5 Mar 2024", day},
		{"1709596800", day},
		{"1709596800000", day},
	} {
		got, err := s.date(tc.in)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("date(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	if _, err := s.date("3 days ago"); err == nil || !strings.Contains(err.Error(), "members.dates") {
		t.Errorf("a date in no layout: %v", err)
	}
}

func TestNumber(t *testing.T) {
	for in, want := range map[string]int{
		"5,000 members": 5000, "Members (37)": 37, "1 member": 1, "12 345 members": 12345,
		"": 0, "no members": 0, "5.2k members": 0, "1.5M": 0,
	} {
		if got := number(in); got != want {
			t.Errorf("number(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestLookup(t *testing.T) {
	var doc any
	if err := json.Unmarshal([]byte(`{"props":{"pageProps":{"members":[{"email":"a@x"}],"n":null}}}`), &doc); err != nil {
		t.Fatal(err)
	}
	if v, ok := lookup(doc, "props.pageProps.members.0.email"); !ok || v != "a@x" {
		t.Errorf("lookup gave %v, %v", v, ok)
	}
	for _, path := range []string{"", "props.nothing", "props.pageProps.members.1", "props.pageProps.members.x", "props.pageProps.n.deeper"} {
		if v, ok := lookup(doc, path); ok {
			t.Errorf("lookup(%q) = %v, want nothing", path, v)
		}
	}
}

func TestMember(t *testing.T) {
	s := mustSelectors(t)
	m, err := s.member(rawMember{Name: "  Anna \n Schmidt ", Email: " Anna@Example.COM ", Status: "Cancelling",
		Joined: "2024-03-05", AccessEnds: "Access until Apr 1, 2026"})
	ends := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	if err != nil || m.Name != "Anna Schmidt" || m.Email != "anna@example.com" || m.Status != membership.Cancelled ||
		m.AccessEnds == nil || !m.AccessEnds.Equal(ends) {
		t.Fatalf("member: %+v, %v", m, err)
	}
	// The end of access is a cancelled member's only.
	if m, err := s.member(rawMember{Email: "b@example.com", Status: "active", AccessEnds: "2026-04-01"}); err != nil || m.AccessEnds != nil || !m.Joined.IsZero() {
		t.Errorf("active member: %+v, %v", m, err)
	}
	for _, bad := range []rawMember{
		{Name: "No Email", Status: "active"},
		{Email: "c@example.com", Status: "paused"},
		{Email: "d@example.com", Status: "active", Joined: "yesterday"},
	} {
		if _, err := s.member(bad); err == nil {
			t.Errorf("member(%+v) gave no error", bad)
		}
	}
}

func TestContinues(t *testing.T) {
	yes, no := true, false
	one := []any{1}
	for _, tc := range []struct {
		name     string
		p        dataPage
		read     int
		total    int
		byCursor bool
		want     bool
	}{
		{"Empty", dataPage{}, 10, 0, false, false},
		{"CountReached", dataPage{entries: one, more: &yes}, 30, 30, false, false},
		{"MoreSays", dataPage{entries: one, more: &no}, 10, 30, false, false},
		{"MoreTrue", dataPage{entries: one, more: &yes}, 10, 30, false, true},
		{"CursorEnds", dataPage{entries: one}, 10, 0, true, false},
		{"Cursor", dataPage{entries: one, cursor: "abc"}, 10, 0, true, true},
		{"NoSignal", dataPage{entries: one}, 10, 0, false, true},
	} {
		if got := tc.p.continues(tc.read, tc.total, tc.byCursor); got != tc.want {
			t.Errorf("%s: continues = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestUserAgent(t *testing.T) {
	p := userAgent("HeadlessChrome/156.0.8078.108")
	if strings.Contains(p.UserAgent, "Headless") || !strings.Contains(p.UserAgent, "Chrome/156.0.0.0") || p.UserAgentMetadata.Brands[0].Version != "156" {
		t.Errorf("user agent %+v", p)
	}
}
