package coaching_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// clock is "15:04" of each slot in loc, or "Mon 15:04" across dates.
func clocks(slots []time.Time, loc *time.Location, layout string) string {
	out := make([]string, len(slots))
	for i, s := range slots {
		out[i] = s.In(loc).Format(layout)
	}
	return strings.Join(out, " ")
}

func hm(h, m int) int { return h*60 + m }

func TestFreeSlots(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	paris := mustZone(t, "Europe/Paris")
	// Sunday 10 March 2030 is New York's spring-forward day (02:00 -> 03:00),
	// Sunday 3 November its autumn one (02:00 -> 01:00), Sunday 31 March
	// Paris's spring forward.
	onlySunday := func(zone string, r ...coaching.Range) coaching.Availability {
		av := coaching.Availability{TimeZone: zone, Horizon: 30}
		av.Weekly[time.Sunday] = r
		return av
	}
	for _, tc := range []struct {
		name    string
		av      coaching.Availability
		now     time.Time
		dur     time.Duration
		step    time.Duration
		busy    []coaching.Busy
		loc     *time.Location
		layout  string
		want    string
		onlyDay string // keep the slots of this date (2006-01-02) only
	}{
		{name: "WeeklyHours", av: func() coaching.Availability {
			av := coaching.Availability{TimeZone: "America/New_York", Horizon: 7}
			av.Weekly[time.Monday] = []coaching.Range{{Start: hm(9, 0), End: hm(12, 0)}, {Start: hm(14, 0), End: hm(15, 30)}}
			return av
		}(), now: time.Date(2030, 1, 5, 12, 0, 0, 0, ny), dur: time.Hour, loc: ny, layout: "Mon 2 15:04",
			want: "Mon 7 09:00 Mon 7 10:00 Mon 7 11:00 Mon 7 14:00"},
		{name: "SpringForwardSkipsTheMissingHour", av: onlySunday("America/New_York", coaching.Range{Start: hm(1, 0), End: hm(4, 0)}),
			now: time.Date(2030, 3, 9, 12, 0, 0, 0, ny), dur: 30 * time.Minute, loc: ny, layout: "15:04 MST", onlyDay: "2030-03-10",
			want: "01:00 EST 01:30 EST 03:00 EDT 03:30 EDT"},
		{name: "AutumnOffersTheTwiceHourOnce", av: onlySunday("America/New_York", coaching.Range{Start: hm(0, 0), End: hm(3, 0)}),
			now: time.Date(2030, 11, 2, 12, 0, 0, 0, ny), dur: time.Hour, loc: ny, layout: "15:04", onlyDay: "2030-11-03",
			want: "00:00 01:00 02:00"},
		{name: "ParisSpringForward", av: onlySunday("Europe/Paris", coaching.Range{Start: hm(1, 30), End: hm(4, 0)}),
			now: time.Date(2030, 3, 30, 12, 0, 0, 0, paris), dur: 30 * time.Minute, loc: paris, layout: "15:04 MST", onlyDay: "2030-03-31",
			want: "01:30 CET 03:00 CEST 03:30 CEST"},
		{name: "BusyWithBuffers", av: func() coaching.Availability {
			av := coaching.Availability{TimeZone: "America/New_York", Horizon: 7, BufferBefore: 15, BufferAfter: 15}
			av.Weekly[time.Monday] = []coaching.Range{{Start: hm(9, 0), End: hm(13, 0)}}
			return av
		}(), now: time.Date(2030, 1, 5, 12, 0, 0, 0, ny), dur: 30 * time.Minute, step: 15 * time.Minute, loc: ny, layout: "15:04",
			busy: []coaching.Busy{{Start: time.Date(2030, 1, 7, 10, 0, 0, 0, ny), End: time.Date(2030, 1, 7, 11, 0, 0, 0, ny)}},
			// 09:15 ends 09:45 + 15 = 10:00, touching 10:00 - 15 = 09:45: taken; 11:30 starts 11:15 after the session's buffer
			want: "09:00 11:30 11:45 12:00 12:15 12:30"},
		{name: "OverridesAndNotice", av: func() coaching.Availability {
			av := coaching.Availability{TimeZone: "Europe/Paris", Horizon: 3, MinNotice: 24 * 60}
			for d := range 7 {
				av.Weekly[d] = []coaching.Range{{Start: hm(9, 0), End: hm(10, 0)}}
			}
			av.Overrides = []coaching.Override{{Date: "2030-06-04"}, {Date: "2030-06-05", Ranges: []coaching.Range{{Start: hm(18, 0), End: hm(19, 0)}}}}
			return av
		}(), now: time.Date(2030, 6, 2, 9, 30, 0, 0, paris), dur: time.Hour, loc: paris, layout: "Mon 2 15:04",
			// 3 June 09:00 is under a day's notice; the 4th is off; the 5th has other hours; the 6th is past the horizon
			want: "Wed 5 18:00"},
		{name: "MaxPerDay", av: func() coaching.Availability {
			av := coaching.Availability{TimeZone: "America/New_York", Horizon: 2, MaxPerDay: 1}
			av.Weekly[time.Monday] = []coaching.Range{{Start: hm(9, 0), End: hm(12, 0)}}
			av.Weekly[time.Tuesday] = []coaching.Range{{Start: hm(9, 0), End: hm(10, 0)}}
			return av
		}(), now: time.Date(2030, 1, 6, 12, 0, 0, 0, ny), dur: time.Hour, loc: ny, layout: "Mon 15:04",
			busy: []coaching.Busy{{Start: time.Date(2030, 1, 7, 20, 0, 0, 0, ny), End: time.Date(2030, 1, 7, 21, 0, 0, 0, ny)}},
			want: "Tue 09:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			slots, err := tc.av.FreeSlots(coaching.SlotRequest{Duration: tc.dur, Step: tc.step, Now: tc.now}, tc.busy)
			if err != nil {
				t.Fatal(err)
			}
			if tc.onlyDay != "" {
				slots = slices.DeleteFunc(slots, func(s time.Time) bool { return s.In(tc.loc).Format("2006-01-02") != tc.onlyDay })
			}
			if got := clocks(slots, tc.loc, tc.layout); got != tc.want {
				t.Fatalf("slots %q, want %q", got, tc.want)
			}
			if !slices.IsSortedFunc(slots, func(a, b time.Time) int { return a.Compare(b) }) || len(slices.Compact(slices.Clone(slots))) != len(slots) {
				t.Fatalf("slots out of order or twice: %v", slots)
			}
		})
	}
}

func TestAvailabilityRefusesBadInput(t *testing.T) {
	good := coaching.DefaultAvailability("Europe/Paris")
	if err := good.Validate(); err != nil {
		t.Fatalf("the default: %v", err)
	}
	for _, tc := range []struct {
		name, field string
		change      func(av *coaching.Availability)
	}{
		{"Inverted", "weekly.monday", func(av *coaching.Availability) { av.Weekly[1] = []coaching.Range{{Start: hm(12, 0), End: hm(9, 0)}} }},
		{"Overlapping", "weekly.tuesday", func(av *coaching.Availability) {
			av.Weekly[2] = []coaching.Range{{Start: hm(9, 0), End: hm(12, 0)}, {Start: hm(11, 0), End: hm(13, 0)}}
		}},
		{"PastMidnight", "weekly.sunday", func(av *coaching.Availability) { av.Weekly[0] = []coaching.Range{{Start: hm(23, 0), End: hm(25, 0)}} }},
		{"NegativeBuffer", "buffer_before_minutes", func(av *coaching.Availability) { av.BufferBefore = -5 }},
		{"HugeBuffer", "buffer_after_minutes", func(av *coaching.Availability) { av.BufferAfter = 600 }},
		{"TenYears", "horizon_days", func(av *coaching.Availability) { av.Horizon = 3650 }},
		{"NoHorizon", "horizon_days", func(av *coaching.Availability) { av.Horizon = 0 }},
		{"Zone", "time_zone", func(av *coaching.Availability) { av.TimeZone = "Mars/Olympus" }},
		{"NoZone", "time_zone", func(av *coaching.Availability) { av.TimeZone = "" }},
		{"OverrideDate", "overrides.0.date", func(av *coaching.Availability) { av.Overrides = []coaching.Override{{Date: "24/12/2030"}} }},
		{"OverrideTwice", "overrides.1.date", func(av *coaching.Availability) {
			av.Overrides = []coaching.Override{{Date: "2030-12-24"}, {Date: "2030-12-24"}}
		}},
		{"OverrideRanges", "overrides.0.ranges", func(av *coaching.Availability) {
			av.Overrides = []coaching.Override{{Date: "2030-12-24", Ranges: []coaching.Range{{Start: 600, End: 600}}}}
		}},
		{"MaxPerDay", "max_per_day", func(av *coaching.Availability) { av.MaxPerDay = -1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			av := coaching.DefaultAvailability("Europe/Paris")
			tc.change(&av)
			err := av.Validate()
			if app.ErrorCode(err) != app.EINVALID || app.ErrorFields(err)[tc.field] == "" {
				t.Fatalf("want %s named, got %v", tc.field, err)
			}
		})
	}
}

// BenchmarkFreeSlots: a coach with 1,000 appointments within a 60-day
// horizon, open twelve hours every day, 30-minute sessions every 15
// minutes, 10-minute buffers.
func BenchmarkFreeSlots(b *testing.B) {
	av := coaching.Availability{TimeZone: "America/New_York", Horizon: 60, BufferBefore: 10, BufferAfter: 10, MinNotice: 60}
	for d := range 7 {
		av.Weekly[d] = []coaching.Range{{Start: hm(8, 0), End: hm(20, 0)}}
	}
	ny := mustZone(b, "America/New_York")
	now := time.Date(2030, 10, 1, 7, 0, 0, 0, ny)
	busy := make([]coaching.Busy, 0, 1000)
	for i := range 1000 {
		start := time.Date(2030, 10, 1+i%60, 8+(i/60)%12, 0, 0, 0, ny)
		busy = append(busy, coaching.Busy{Start: start, End: start.Add(45 * time.Minute)})
	}
	req := coaching.SlotRequest{Duration: 30 * time.Minute, Step: 15 * time.Minute, Now: now}
	var n int
	b.ReportAllocs()
	for b.Loop() {
		slots, err := av.FreeSlots(req, busy)
		if err != nil {
			b.Fatal(err)
		}
		n = len(slots)
	}
	b.ReportMetric(float64(n), "slots")
}
