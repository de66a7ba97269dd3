package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// skoolEnv is a complete monitoring set-up, for tests to change one thing.
func skoolEnv(extra map[string]string) map[string]string {
	m := map[string]string{
		"MONITORING_ENABLED":     "true",
		"SKOOL_EMAIL":            "monitor@example.com",
		"SKOOL_PASSWORD":         "secret",
		"SKOOL_COACH_COMMUNITY":  "ultra",
		"SKOOL_CLIENT_COMMUNITY": "vagus",
	}
	for k, v := range extra {
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

func TestSkoolDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	s := c.Skool
	if s.Configured() || s.MonitoringEnabled || s.URL != DefaultSkoolURL || !s.Headless || s.ChallengeWait != 3*time.Minute ||
		s.GraceDays != 7 || s.SafetyThreshold != 0.8 || s.SyncTime != "03:00" || s.SyncZone != time.UTC || s.Selectors != "" {
		t.Fatalf("defaults: %+v", s)
	}
}

func TestSkoolSettings(t *testing.T) {
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(env(skoolEnv(map[string]string{
		"SKOOL_PASSWORD": "", "SKOOL_PASSWORD_FILE": pw,
		"SKOOL_URL": "http://127.0.0.1:9999/", "SKOOL_COACH_COMMUNITY": "Ultra",
		"PLAYWRIGHT_HEADLESS": "false", "SKOOL_CHALLENGE_WAIT": "90s", "SKOOL_GRACE_DAYS": "0",
		"SKOOL_SAFETY_THRESHOLD": "1", "SKOOL_SYNC_TIME": "4:30", "SKOOL_SYNC_TZ": "Europe/Berlin",
	})))
	if err != nil {
		t.Fatal(err)
	}
	s := c.Skool
	if !s.Configured() || s.Password != "from-file" || s.URL != "http://127.0.0.1:9999" || s.CoachCommunity != "ultra" ||
		s.Headless || s.ChallengeWait != 90*time.Second || s.GraceDays != 0 || s.SafetyThreshold != 1 ||
		s.SyncTime != "04:30" || s.SyncZone.String() != "Europe/Berlin" {
		t.Fatalf("settings: %+v", s)
	}
}

// TestSkoolHeadless: SKOOL_HEADLESS wins over the original's name.
func TestSkoolHeadless(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{"PLAYWRIGHT_HEADLESS": "false"}, false},
		{map[string]string{"SKOOL_HEADLESS": "0"}, false},
		{map[string]string{"SKOOL_HEADLESS": "true", "PLAYWRIGHT_HEADLESS": "false"}, true},
		{nil, true},
	} {
		c, err := Load(env(tc.env))
		if err != nil || c.Skool.Headless != tc.want {
			t.Errorf("%v: headless %v, %v; want %v", tc.env, c != nil && c.Skool.Headless, err, tc.want)
		}
	}
}

func TestSkoolErrorsNameTheSetting(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"URL", map[string]string{"SKOOL_URL": "www.skool.com"}, "SKOOL_URL:"},
		{"EmailWithoutPassword", map[string]string{"SKOOL_EMAIL": "a@example.com"}, "SKOOL_PASSWORD:"},
		{"PasswordWithoutEmail", map[string]string{"SKOOL_PASSWORD": "x"}, "SKOOL_EMAIL:"},
		{"NotAnEmail", map[string]string{"SKOOL_EMAIL": "monitor", "SKOOL_PASSWORD": "x"}, "SKOOL_EMAIL:"},
		{"Slug", map[string]string{"SKOOL_COACH_COMMUNITY": "https://www.skool.com/ultra"}, "SKOOL_COACH_COMMUNITY:"},
		{"SameCommunity", map[string]string{"SKOOL_COACH_COMMUNITY": "ultra", "SKOOL_CLIENT_COMMUNITY": "ultra"}, "SKOOL_CLIENT_COMMUNITY:"},
		{"Selectors", map[string]string{"SKOOL_SELECTORS": "/no/such/selectors.json"}, "SKOOL_SELECTORS:"},
		{"Headless", map[string]string{"SKOOL_HEADLESS": "maybe"}, "SKOOL_HEADLESS:"},
		{"PlaywrightHeadless", map[string]string{"PLAYWRIGHT_HEADLESS": "maybe"}, "PLAYWRIGHT_HEADLESS:"},
		{"ChallengeWait", map[string]string{"SKOOL_CHALLENGE_WAIT": "forever"}, "SKOOL_CHALLENGE_WAIT:"},
		{"ChallengeWaitTooLong", map[string]string{"SKOOL_CHALLENGE_WAIT": "2h"}, "SKOOL_CHALLENGE_WAIT:"},
		{"GraceDays", map[string]string{"SKOOL_GRACE_DAYS": "366"}, "SKOOL_GRACE_DAYS:"},
		{"GraceDaysNegative", map[string]string{"SKOOL_GRACE_DAYS": "-1"}, "SKOOL_GRACE_DAYS:"},
		{"Threshold", map[string]string{"SKOOL_SAFETY_THRESHOLD": "80%"}, "SKOOL_SAFETY_THRESHOLD:"},
		{"ThresholdRange", map[string]string{"SKOOL_SAFETY_THRESHOLD": "1.5"}, "SKOOL_SAFETY_THRESHOLD:"},
		{"Monitoring", map[string]string{"MONITORING_ENABLED": "sometimes"}, "MONITORING_ENABLED:"},
		{"SyncTime", map[string]string{"SKOOL_SYNC_TIME": "24:00"}, "SKOOL_SYNC_TIME:"},
		{"SyncTimeShape", map[string]string{"SKOOL_SYNC_TIME": "3am"}, "SKOOL_SYNC_TIME:"},
		{"SyncTZ", map[string]string{"SKOOL_SYNC_TZ": "Mars/Olympus"}, "SKOOL_SYNC_TZ:"},
		{"SyncTZLocal", map[string]string{"SKOOL_SYNC_TZ": "Local"}, "SKOOL_SYNC_TZ:"},
		{"MonitoringNeedsEmail", skoolEnv(map[string]string{"SKOOL_EMAIL": "", "SKOOL_PASSWORD": ""}), "SKOOL_EMAIL:"},
		{"MonitoringNeedsCoaches", skoolEnv(map[string]string{"SKOOL_COACH_COMMUNITY": ""}), "SKOOL_COACH_COMMUNITY:"},
		{"MonitoringNeedsClients", skoolEnv(map[string]string{"SKOOL_CLIENT_COMMUNITY": ""}), "SKOOL_CLIENT_COMMUNITY:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(env(tc.env))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %v, want one line starting %q", err, tc.want)
			}
		})
	}
}

// TestSkoolUnconfiguredIsFine: without monitoring, no account is needed.
func TestSkoolUnconfiguredIsFine(t *testing.T) {
	if _, err := Load(env(map[string]string{"MONITORING_ENABLED": "false", "SKOOL_COACH_COMMUNITY": "ultra"})); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(env(skoolEnv(nil))); err != nil {
		t.Fatal(err)
	}
}

func TestSkoolNextSync(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	s := Skool{SyncTime: "03:00", SyncZone: berlin}
	for _, tc := range []struct{ now, want string }{
		{"2025-06-01T00:30:00Z", "2025-06-01T01:00:00Z"}, // 02:30 in Berlin: today's 03:00
		{"2025-06-01T02:00:00Z", "2025-06-02T01:00:00Z"}, // 04:00 in Berlin: tomorrow's
		{"2025-06-01T01:00:00Z", "2025-06-02T01:00:00Z"}, // exactly then: the next day's
		{"2025-12-01T01:30:00Z", "2025-12-01T02:00:00Z"}, // winter time
	} {
		now, _ := time.Parse(time.RFC3339, tc.now)
		if got := s.NextSync(now).UTC().Format(time.RFC3339); got != tc.want {
			t.Errorf("NextSync(%s) = %s, want %s", tc.now, got, tc.want)
		}
	}
}

// TestSkoolSettingsListed: every Skool variable is in `rapport help`.
func TestSkoolSettingsListed(t *testing.T) {
	listed := map[string]bool{}
	for _, s := range Settings {
		listed[s.Name] = true
	}
	for _, name := range []string{"SKOOL_URL", "SKOOL_EMAIL", "SKOOL_PASSWORD", "SKOOL_COACH_COMMUNITY", "SKOOL_CLIENT_COMMUNITY",
		"SKOOL_SELECTORS", "SKOOL_HEADLESS", "SKOOL_CHALLENGE_WAIT", "SKOOL_GRACE_DAYS", "SKOOL_SAFETY_THRESHOLD",
		"MONITORING_ENABLED", "SKOOL_SYNC_TIME", "SKOOL_SYNC_TZ"} {
		if !listed[name] {
			t.Errorf("%s is not in Settings", name)
		}
	}
}
