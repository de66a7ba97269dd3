package skool

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"rapport/internal/membership"
	"rapport/internal/membership/skool/skooltest"
)

// testConfig is the settings for a stand-in at url.
func testConfig(url string) Account {
	return Account{
		URL: url, Email: skooltest.Email, Password: skooltest.Password,
		CoachCommunity: skooltest.CoachCommunity, ClientCommunity: skooltest.ClientCommunity,
		Headless: true, ChallengeWait: 30 * time.Second,
	}
}

// testOptions are fast pauses, an element wait that a busy machine's
// Chromium keeps within, and fresh profile and logs directories.
func testOptions(t *testing.T) Options {
	return Options{
		Chromium: skooltest.Chromium(t), ProfileDir: t.TempDir(), LogsDir: t.TempDir(),
		PauseMin: time.Millisecond, PauseMax: 3 * time.Millisecond, ElementWait: 15 * time.Second,
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

// MustScraper makes a scraper closed at the end of the test.
func MustScraper(t *testing.T, cfg Account, opts Options) *Scraper {
	t.Helper()
	s, err := New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// testContext bounds a test's browser work.
func testContext(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// testWriter sends the scraper's log to the test's.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// wantSameMembers compares two member lists in any order, emails in any
// case.
func wantSameMembers(t *testing.T, got, want []membership.Member) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("read %d members, the stand-in holds %d", len(got), len(want))
	}
	byEmail := func(a, b membership.Member) int {
		return strings.Compare(strings.ToLower(a.Email), strings.ToLower(b.Email))
	}
	got, want = slices.Clone(got), slices.Clone(want)
	slices.SortFunc(got, byEmail)
	slices.SortFunc(want, byEmail)
	for i := range want {
		if !sameMember(got[i], want[i]) {
			t.Errorf("member %d:\n got %s\nwant %s", i, show(got[i]), show(want[i]))
		}
	}
}

func sameMember(a, b membership.Member) bool {
	sameEnd := (a.AccessEnds == nil) == (b.AccessEnds == nil) && (a.AccessEnds == nil || a.AccessEnds.Equal(*b.AccessEnds))
	return a.Name == b.Name && strings.EqualFold(a.Email, b.Email) && a.Status == b.Status && a.Joined.Equal(b.Joined) && sameEnd
}

func show(m membership.Member) string {
	end := "-"
	if m.AccessEnds != nil {
		end = m.AccessEnds.Format(time.DateOnly)
	}
	return m.Name + " <" + m.Email + "> " + string(m.Status) + " joined " + m.Joined.Format(time.RFC3339) + " ends " + end
}
