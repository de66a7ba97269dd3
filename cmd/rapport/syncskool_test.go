package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rapport/internal/membership"
	"rapport/internal/membership/skool/skooltest"
)

// skoolEnv is the settings of a sync against a stand-in Skool.
func skoolEnv(t *testing.T, url string) map[string]string {
	return map[string]string{"RAPPORT_DATA_DIR": t.TempDir(), "RAPPORT_CHROMIUM": skooltest.Chromium(t), "SKOOL_URL": url,
		"SKOOL_EMAIL": skooltest.Email, "SKOOL_PASSWORD": skooltest.Password,
		"SKOOL_COACH_COMMUNITY": skooltest.CoachCommunity, "SKOOL_CLIENT_COMMUNITY": skooltest.ClientCommunity,
		"SKOOL_PAUSES": "1ms-3ms", "SKOOL_ELEMENT_WAIT": "3s"}
}

// TestSyncSkoolDryRunPrintsThePlan: `rapport sync-skool --dry-run` against
// the stand-in reads both communities in headless Chromium, prints the
// plan and writes nothing; the sync itself then applies it, and a second
// sync finds nothing to change.
func TestSyncSkoolDryRunPrintsThePlan(t *testing.T) {
	t.Parallel()
	site := skooltest.Start(t, skooltest.Options{})
	env := skoolEnv(t, site.URL)
	code, out, errs := runCLI(t, env, "sync-skool", "--dry-run")
	if code != 0 || !strings.Contains(out, "dry run") || !strings.Contains(out, "read 24 in the coaches' community, 37 in the clients'") ||
		!strings.Contains(out, "(new) coach") || !strings.Contains(out, "changes planned; nothing was written") {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = runCLI(t, env, "sync-skool")
	if code != 0 || !strings.Contains(out, "changes applied") {
		t.Fatalf("sync: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, _ = runCLI(t, env, "user", "list", "--role", "coach")
	if code != 0 || strings.Count(out, "@") < 10 {
		t.Fatalf("the coaches after the sync:\n%s", out)
	}
	if code, out, errs := runCLI(t, env, "sync-skool"); code != 0 || !strings.Contains(out, "no changes") {
		t.Fatalf("a second sync: exit %d\n%s\n%s", code, out, errs)
	}
}

// TestSyncSkoolOfFiveThousandMembers syncs 5,000 members per community,
// read a hundred to a page, from the stand-in to the database, and logs
// how long it took. Under the race detector, which slows SQLite's Go code
// about thirty times, it syncs 500 (five pages) per community.
func TestSyncSkoolOfFiveThousandMembers(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("5,000 members per community: not with -short")
	}
	members := 5000
	if raceDetector {
		members = 500
	}
	site := skooltest.Start(t, skooltest.Options{Members: map[string][]membership.Member{
		skooltest.CoachCommunity: skooltest.Generate(skooltest.CoachCommunity, members), skooltest.ClientCommunity: skooltest.Generate(skooltest.ClientCommunity, members)},
		PageSize: 100})
	env := skoolEnv(t, site.URL)
	start := time.Now()
	code, out, errs := runCLI(t, env, "sync-skool")
	took := time.Since(start)
	if want := fmt.Sprintf("read %d in the coaches' community, %[1]d in the clients'", members); code != 0 || !strings.Contains(out, want) {
		t.Fatalf("sync: exit %d, want %q\n%s\n%s", code, want, out[:min(len(out), 2000)], errs)
	}
	t.Logf("a sync of %d + %d members took %v", members, members, took)
}

// TestSyncSkoolAgainstAChangedSkool: after a redesign of Skool's pages,
// the sync fails with a message naming the step, leaves the screenshot and
// the page for the operator, and changes nobody.
func TestSyncSkoolAgainstAChangedSkool(t *testing.T) {
	t.Parallel()
	env := skoolEnv(t, skooltest.Start(t, skooltest.Options{}).URL)
	if code, _, errs := runCLI(t, env, "sync-skool"); code != 0 {
		t.Fatalf("the first sync: %d %s", code, errs)
	}
	env["SKOOL_URL"] = skooltest.Start(t, skooltest.Options{Layout: skooltest.Changed}).URL
	code, out, errs := runCLI(t, env, "sync-skool")
	if code == 0 || !strings.Contains(out+errs, "skool: ") || !strings.Contains(out+errs, "screenshot") {
		t.Fatalf("a sync against a changed Skool: exit %d\n%s\n%s", code, out, errs)
	}
	shots, _ := filepath.Glob(filepath.Join(env["RAPPORT_DATA_DIR"], "logs", "*.png"))
	if len(shots) == 0 {
		t.Fatal("no screenshot in the logs directory")
	}
	code, out, _ = runCLI(t, env, "user", "list", "--role", "coach")
	if code != 0 || strings.Count(out, "@") < 10 {
		t.Fatalf("the failed sync changed the coaches:\n%s", out)
	}
}
