package config

import (
	"strings"
	"testing"
	"time"
)

// TestRetentionSettings: the audit log is kept two years and chats and
// transcripts forever unless told; days, longer Go durations, 0 and off
// are understood; less than a day, and nonsense, stop start-up.
func TestRetentionSettings(t *testing.T) {
	const day = 24 * time.Hour
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if r := c.Retention; r.Audit != 730*day || r.Chat != 0 || r.Transcripts != 0 || r.Time != "04:00" || r.Zone != time.UTC {
		t.Fatalf("defaults %+v", r)
	}
	c, err = Load(env(map[string]string{"RETENTION_CHAT": "365d", "RETENTION_TRANSCRIPTS": "720h", "AUDIT_RETENTION": "OFF",
		"RETENTION_TIME": "2:30", "RETENTION_TZ": "Europe/Berlin"}))
	if err != nil {
		t.Fatal(err)
	}
	if r := c.Retention; r.Chat != 365*day || r.Transcripts != 30*day || r.Audit != 0 || r.Time != "02:30" || r.Zone.String() != "Europe/Berlin" {
		t.Fatalf("set %+v", r)
	}
	if c, err := Load(env(map[string]string{"AUDIT_RETENTION": "0"})); err != nil || c.Retention.Audit != 0 {
		t.Fatalf("AUDIT_RETENTION=0: %v %v", c, err)
	}
	for name, v := range map[string]string{"RETENTION_CHAT": "365s", "RETENTION_TRANSCRIPTS": "0d", "AUDIT_RETENTION": "two years",
		"RETENTION_TIME": "25:00", "RETENTION_TZ": "Mars/Olympus"} {
		if _, err := Load(env(map[string]string{name: v})); err == nil || !strings.HasPrefix(err.Error(), name+":") {
			t.Errorf("%s=%s: error %v, want one naming it", name, v, err)
		}
	}
}

// TestNextRetentionRun: the next run is the set time of day in its zone,
// strictly after now, and tomorrow's once today's has passed.
func TestNextRetentionRun(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	r := Retention{Time: "04:00", Zone: berlin}
	before := time.Date(2030, 3, 4, 2, 0, 0, 0, time.UTC) // 03:00 in Berlin
	if got, want := r.NextRun(before), time.Date(2030, 3, 4, 4, 0, 0, 0, berlin); !got.Equal(want) {
		t.Errorf("before the time: %v, want %v", got, want)
	}
	at := time.Date(2030, 3, 4, 4, 0, 0, 0, berlin)
	if got, want := r.NextRun(at), time.Date(2030, 3, 5, 4, 0, 0, 0, berlin); !got.Equal(want) {
		t.Errorf("at the time: %v, want %v", got, want)
	}
}
