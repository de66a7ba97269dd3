package web

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

// The availability form writes hours as people do: "09:00-12:00,
// 13:00-17:00" for a weekday, and an override a line:
// "2030-12-24 off" or "2030-12-31 10:00-12:00".

// formatRanges writes a day's ranges for the form.
func formatRanges(ranges []coaching.Range) string {
	parts := make([]string, len(ranges))
	for i, r := range ranges {
		parts[i] = r.String()
	}
	return strings.Join(parts, ", ")
}

// parseRanges reads "09:00-12:00, 13:00-17:00"; empty is no hours.
func parseRanges(s string) ([]coaching.Range, error) {
	var out []coaching.Range
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		from, to, ok := strings.Cut(part, "-")
		a, errA := parseClock(from)
		b, errB := parseClock(to)
		if !ok || errA != nil || errB != nil {
			return nil, fmt.Errorf("write hours like 09:00-12:00, 13:00-17:00 (%q is not)", part)
		}
		out = append(out, coaching.Range{Start: a, End: b})
	}
	return out, nil
}

// parseClock reads "9:00", "09:30" or "24:00" as minutes since midnight.
func parseClock(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, errH := strconv.Atoi(h)
	mm, errM := strconv.Atoi(m)
	if !ok || errH != nil || errM != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 || (hh == 24 && mm != 0) {
		return 0, fmt.Errorf("not a time of day")
	}
	return hh*60 + mm, nil
}

// formatOverrides writes the overrides a line each.
func formatOverrides(list []coaching.Override) string {
	lines := make([]string, len(list))
	for i, o := range list {
		if len(o.Ranges) == 0 {
			lines[i] = o.Date + " off"
		} else {
			lines[i] = o.Date + " " + formatRanges(o.Ranges)
		}
	}
	return strings.Join(lines, "\n")
}

// parseOverrides reads a line each: a date, then "off" or hours.
func parseOverrides(s string) ([]coaching.Override, error) {
	var out []coaching.Override
	for n, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		date, rest, _ := strings.Cut(line, " ")
		if _, err := time.Parse("2006-01-02", date); err != nil {
			return nil, fmt.Errorf("line %d: start with a date like 2030-12-24", n+1)
		}
		o := coaching.Override{Date: date}
		if rest = strings.TrimSpace(rest); !strings.EqualFold(rest, "off") {
			ranges, err := parseRanges(rest)
			if err != nil || len(ranges) == 0 {
				return nil, fmt.Errorf("line %d: after the date, write off or hours like 10:00-12:00", n+1)
			}
			o.Ranges = ranges
		}
		out = append(out, o)
	}
	return out, nil
}

// availabilityForm is the availability page's form, as typed.
type availabilityForm struct {
	TimeZone     string
	Days         [7]dayForm
	Overrides    string
	BufferBefore string
	BufferAfter  string
	NoticeHours  string
	ChangeHours  string // how long before a session a client may still move or cancel it
	Horizon      string
	MaxPerDay    string
	Reminders    string // "24h, 1h"; empty or "none": no reminders
}

// dayForm is one weekday's line of the form.
type dayForm struct {
	Key, Name, Hours string
}

// weekOrder puts Monday first, as a week is read.
var weekOrder = [7]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

func availabilityFormOf(av *coaching.Availability) availabilityForm {
	f := availabilityForm{TimeZone: av.TimeZone, Overrides: formatOverrides(av.Overrides),
		BufferBefore: strconv.Itoa(av.BufferBefore), BufferAfter: strconv.Itoa(av.BufferAfter),
		NoticeHours: hoursOf(av.MinNotice), ChangeHours: hoursOf(av.ChangeNotice), Horizon: strconv.Itoa(av.Horizon),
		MaxPerDay: strconv.Itoa(av.MaxPerDay), Reminders: formatReminders(av.ReminderOffsets())}
	for i, d := range weekOrder {
		f.Days[i] = dayForm{Key: lower(d), Name: d.String(), Hours: formatRanges(av.Weekly[d])}
	}
	return f
}

// availability reads the form into an availability, naming each field it
// cannot read; the domain judges the rest.
func (f *availabilityForm) availability() (*coaching.Availability, error) {
	fields := map[string]string{}
	av := &coaching.Availability{TimeZone: strings.TrimSpace(f.TimeZone)}
	for i, d := range weekOrder {
		ranges, err := parseRanges(f.Days[i].Hours)
		if err != nil {
			fields["weekly."+f.Days[i].Key] = err.Error()
		}
		av.Weekly[d] = ranges
	}
	var err error
	if av.Overrides, err = parseOverrides(f.Overrides); err != nil {
		fields["overrides"] = err.Error()
	}
	av.BufferBefore = formInt(fields, "buffer_before_minutes", f.BufferBefore)
	av.BufferAfter = formInt(fields, "buffer_after_minutes", f.BufferAfter)
	av.Horizon = formInt(fields, "horizon_days", f.Horizon)
	av.MaxPerDay = formInt(fields, "max_per_day", f.MaxPerDay)
	av.MinNotice = formHours(fields, "min_notice_minutes", f.NoticeHours)
	av.ChangeNotice = formHours(fields, "change_notice_minutes", f.ChangeHours)
	if av.ReminderMinutes, err = parseReminders(f.Reminders); err != nil {
		fields["reminder_minutes"] = err.Error()
	}
	return av, app.Invalid(fields)
}

// hoursOf writes minutes as hours for the form: 24, 1.5.
func hoursOf(minutes int) string {
	return strconv.FormatFloat(float64(minutes)/60, 'f', -1, 64)
}

// formHours reads a form's hours (0 to 720, fractions allowed) as
// minutes, naming field when it cannot.
func formHours(fields map[string]string, field, v string) int {
	hours, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || hours < 0 || hours > 24*30 {
		fields[field] = "write the hours of notice, from 0 to 720"
		return 0
	}
	return int(hours * 60)
}

// formatReminders writes reminder offsets as people do: "24h, 1h, 30m",
// whole days past one as "2d"; none as "none".
func formatReminders(offsets []time.Duration) string {
	if len(offsets) == 0 {
		return "none"
	}
	parts := make([]string, len(offsets))
	for i, o := range offsets {
		m := int(o / time.Minute)
		switch {
		case m > 1440 && m%1440 == 0:
			parts[i] = strconv.Itoa(m/1440) + "d"
		case m%60 == 0:
			parts[i] = strconv.Itoa(m/60) + "h"
		default:
			parts[i] = strconv.Itoa(m) + "m"
		}
	}
	return strings.Join(parts, ", ")
}

// parseReminders reads "24h, 1h, 30m" (also "2d", "90 min") into minutes;
// empty or "none" is no reminders, an empty list. The domain judges the
// values (positive, at most three, at most a week).
func parseReminders(s string) ([]int, error) {
	s = strings.TrimSpace(s)
	out := []int{}
	if s == "" || strings.EqualFold(s, "none") {
		return out, nil
	}
	for _, part := range strings.Split(s, ",") {
		m, err := parseOffset(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("write times before a session like 24h, 1h or 30m, or none (%q is not)", strings.TrimSpace(part))
		}
		out = append(out, m)
	}
	return out, nil
}

// parseOffset reads one offset: a whole number and a unit, d, h or m
// (min), in minutes.
func parseOffset(s string) (int, error) {
	s = strings.ToLower(strings.ReplaceAll(s, " ", ""))
	units := []struct {
		suffix  string
		minutes int
	}{{"min", 1}, {"d", 1440}, {"h", 60}, {"m", 1}}
	for _, u := range units {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			v, err := strconv.Atoi(n)
			if err != nil || v > 1<<20 {
				return 0, fmt.Errorf("not a number of %s", u.suffix)
			}
			return v * u.minutes, nil
		}
	}
	return 0, fmt.Errorf("no unit")
}

func formInt(fields map[string]string, name, v string) int {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		fields[name] = "must be a whole number"
	}
	return n
}
