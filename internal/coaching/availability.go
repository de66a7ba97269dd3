package coaching

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"rapport/internal/app"
)

// Availability is when a coach may be booked: weekly hours in the coach's
// time zone, dates that differ from the week (a day off, other hours), the
// buffers around sessions, how much notice a booking needs, how far ahead
// it may be, and how many sessions a day at most. Clients book its free
// slots (FreeSlots) themselves.
type Availability struct {
	TimeZone string `json:"time_zone"`
	// Weekly are the hours of each weekday, several ranges a day, in
	// order and apart.
	Weekly    Week       `json:"weekly"`
	Overrides []Override `json:"overrides"`
	// BufferBefore and BufferAfter keep minutes free before and after
	// every session: a slot is free when its session and its buffers touch
	// no other session and its buffers.
	BufferBefore int `json:"buffer_before_minutes"`
	BufferAfter  int `json:"buffer_after_minutes"`
	// MinNotice is how many minutes ahead a booking must be made.
	MinNotice int `json:"min_notice_minutes"`
	// Horizon is how many days ahead a booking may be.
	Horizon int `json:"horizon_days"`
	// MaxPerDay caps the sessions of one day (in the coach's zone); 0: none.
	MaxPerDay int `json:"max_per_day"`
	// ChangeNotice is how many minutes before a session a client may
	// still move or cancel it themselves; the coach may always.
	ChangeNotice int `json:"change_notice_minutes"`
	// ReminderMinutes are how many minutes before a session its reminders
	// go, at most MaxReminders; nil (or absent in JSON): the defaults
	// (DefaultReminderMinutes); empty: no reminders.
	ReminderMinutes []int `json:"reminder_minutes"`
}

// Week holds a day's ranges by time.Weekday. In JSON it is an object by
// lower-case English day name: {"monday": [{"start": 540, "end": 1020}]}.
type Week [7][]Range

// MarshalJSON writes the days that have hours.
func (w Week) MarshalJSON() ([]byte, error) {
	out := make(map[string][]Range, 7)
	for d, ranges := range w {
		if len(ranges) > 0 {
			out[strings.ToLower(time.Weekday(d).String())] = ranges
		}
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads days by name; another name is an error.
func (w *Week) UnmarshalJSON(b []byte) error {
	var in map[string][]Range
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*w = Week{}
	for name, ranges := range in {
		d := weekdayNamed(name)
		if d < 0 {
			return fmt.Errorf("weekly: %q is not a day like monday", name)
		}
		w[d] = ranges
	}
	return nil
}

// weekdayNamed is the time.Weekday of a lower-case English name, or -1.
func weekdayNamed(name string) int {
	for d := range 7 {
		if strings.ToLower(time.Weekday(d).String()) == name {
			return d
		}
	}
	return -1
}

// Range is a stretch of a day in minutes since midnight, Start inclusive,
// End exclusive, End at most 1440 (midnight at the day's end).
type Range struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// Override gives one date other hours than its weekday's; no ranges is a
// day off.
type Override struct {
	Date   string  `json:"date"` // 2006-01-02, in the coach's zone
	Ranges []Range `json:"ranges"`
}

// Limits of an availability.
const (
	MaxBuffer    = 240       // minutes
	MaxMinNotice = 30 * 1440 // minutes: thirty days
	MaxHorizon   = 366       // days
	MaxPerDayCap = 48
	MaxOverrides = 400
	dateLayout   = "2006-01-02"
)

// DefaultAvailability is a new coach's: weekdays 9 to 17 in zone, a day's
// notice, sixty days ahead, reminders a day and an hour before.
func DefaultAvailability(zone string) Availability {
	av := Availability{TimeZone: zone, MinNotice: 24 * 60, Horizon: 60, ChangeNotice: 24 * 60,
		ReminderMinutes: slices.Clone(DefaultReminderMinutes)}
	for d := time.Monday; d <= time.Friday; d++ {
		av.Weekly[d] = []Range{{Start: 9 * 60, End: 17 * 60}}
	}
	return av
}

func (r Range) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", r.Start/60, r.Start%60, r.End/60, r.End%60)
}

// Validate checks every field and names each that breaks a rule.
func (av *Availability) Validate() error {
	fields := map[string]string{}
	if _, err := av.Location(); err != nil {
		fields["time_zone"] = "is not a time zone like Europe/Paris or America/New_York"
	}
	for d, ranges := range av.Weekly {
		if msg := checkRanges(ranges); msg != "" {
			fields["weekly."+strings.ToLower(time.Weekday(d).String())] = msg
		}
	}
	checkOverrides(fields, av.Overrides)
	checkBetween(fields, "buffer_before_minutes", av.BufferBefore, 0, MaxBuffer)
	checkBetween(fields, "buffer_after_minutes", av.BufferAfter, 0, MaxBuffer)
	checkBetween(fields, "min_notice_minutes", av.MinNotice, 0, MaxMinNotice)
	checkBetween(fields, "horizon_days", av.Horizon, 1, MaxHorizon)
	checkBetween(fields, "max_per_day", av.MaxPerDay, 0, MaxPerDayCap)
	checkBetween(fields, "change_notice_minutes", av.ChangeNotice, 0, MaxMinNotice)
	checkReminders(fields, av.ReminderMinutes)
	return app.Invalid(fields)
}

// Location is the availability's time zone.
func (av *Availability) Location() (*time.Location, error) {
	if av.TimeZone == "" || av.TimeZone == "Local" {
		return nil, fmt.Errorf("no time zone")
	}
	return time.LoadLocation(av.TimeZone)
}

// checkRanges says what is wrong with a day's ranges, or "".
func checkRanges(ranges []Range) string {
	for i, r := range ranges {
		switch {
		case r.Start < 0 || r.End > 1440:
			return fmt.Sprintf("%s is not within a day (00:00-24:00)", r)
		case r.End <= r.Start:
			return fmt.Sprintf("%s ends before it starts", r)
		case i > 0 && r.Start < ranges[i-1].End:
			return fmt.Sprintf("%s and %s overlap or are out of order", ranges[i-1], r)
		}
	}
	if len(ranges) > 12 {
		return "has more than 12 ranges"
	}
	return ""
}

// checkOverrides names the first bad override.
func checkOverrides(fields map[string]string, overrides []Override) {
	if len(overrides) > MaxOverrides {
		fields["overrides"] = fmt.Sprintf("are more than %d", MaxOverrides)
		return
	}
	seen := map[string]bool{}
	for i, o := range overrides {
		key := fmt.Sprintf("overrides.%d", i)
		if _, err := time.Parse(dateLayout, o.Date); err != nil {
			fields[key+".date"] = "is not a date like 2030-12-24"
		} else if seen[o.Date] {
			fields[key+".date"] = "is given twice"
		}
		seen[o.Date] = true
		if msg := checkRanges(o.Ranges); msg != "" {
			fields[key+".ranges"] = msg
		}
	}
}

func checkBetween(fields map[string]string, name string, v, lo, hi int) {
	if v < lo || v > hi {
		fields[name] = fmt.Sprintf("must be from %d to %d", lo, hi)
	}
}

// rangesOn are the ranges of one date: its override's, else its weekday's.
func (av *Availability) rangesOn(date string, day time.Weekday) []Range {
	if i := slices.IndexFunc(av.Overrides, func(o Override) bool { return o.Date == date }); i >= 0 {
		return av.Overrides[i].Ranges
	}
	return av.Weekly[day]
}
