package coaching

import (
	"slices"
	"time"
)

// Busy is a time a coach is taken: one of their scheduled appointments,
// or a request waiting for their answer (Requested).
type Busy struct {
	Start, End time.Time
	Requested  bool
}

// SlotRequest asks for the free slots of sessions of Duration, starting
// every Step (0: every Duration) within the availability's hours.
type SlotRequest struct {
	Duration time.Duration
	Step     time.Duration
	// Now is when the slots are asked for: the notice and the horizon
	// count from it, and nothing before it is offered.
	Now time.Time
}

// FreeSlots returns the start of every slot a session may be booked at, in
// order: within the hours of its date (its override's, else its weekday's),
// at least MinNotice after now and on a date at most Horizon days after
// today's (both on the coach's clock), on a day
// with fewer than MaxPerDay sessions, its session and buffers clear of
// every busy time and its buffers. Days are walked on the coach's clock, so
// that daylight-saving changes move nothing: a time that does not exist on
// a spring-forward day is not offered, and one that exists twice on an
// autumn day is offered once.
func (av *Availability) FreeSlots(req SlotRequest, busy []Busy) ([]time.Time, error) {
	loc, err := av.Location()
	if err != nil {
		return nil, err
	}
	step := req.Step
	if step <= 0 {
		step = req.Duration
	}
	y, m, d := req.Now.In(loc).Date()
	w := slotWalk{av: av, loc: loc, dur: req.Duration, step: step,
		from: req.Now.Add(time.Duration(av.MinNotice) * time.Minute), to: time.Date(y, m, d+av.Horizon+1, 0, 0, 0, 0, loc),
		before: time.Duration(av.BufferBefore) * time.Minute, after: time.Duration(av.BufferAfter) * time.Minute}
	w.taken = mergeBusy(busy, w.before, w.after)
	w.perDay = countByDay(busy, loc)
	w.overrides = make(map[string][]Range, len(av.Overrides))
	for _, o := range av.Overrides {
		w.overrides[o.Date] = o.Ranges
	}
	return w.walk(), nil
}

// slotWalk is one FreeSlots: it walks the dates from the first bookable
// moment to the horizon.
type slotWalk struct {
	av            *Availability
	loc           *time.Location
	dur, step     time.Duration
	from, to      time.Time // the first moment a slot may start; the end of the last date
	before, after time.Duration
	taken         []Busy // merged, ordered, with buffers
	next          int    // the first taken time that may still matter
	perDay        map[string]int
	overrides     map[string][]Range
	out           []time.Time
}

func (w *slotWalk) walk() []time.Time {
	y, m, d := w.from.In(w.loc).Date()
	for day := time.Date(y, m, d, 12, 0, 0, 0, w.loc); day.Before(w.to); day = day.AddDate(0, 0, 1) {
		w.day(day)
	}
	return w.out
}

// day adds the free slots of the date of noon (noon: a time every date has).
func (w *slotWalk) day(noon time.Time) {
	date := noon.Format(dateLayout)
	if w.av.MaxPerDay > 0 && w.perDay[date] >= w.av.MaxPerDay {
		return
	}
	ranges, ok := w.overrides[date]
	if !ok {
		ranges = w.av.Weekly[noon.Weekday()]
	}
	for _, r := range ranges {
		w.rangeSlots(noon, r)
	}
}

// rangeSlots adds the free slots of one range of a date.
func (w *slotWalk) rangeSlots(noon time.Time, r Range) {
	y, mo, d := noon.Date()
	end := time.Date(y, mo, d, 0, r.End, 0, 0, w.loc)
	stepMin, durMin := int(w.step/time.Minute), int(w.dur/time.Minute)
	for min := r.Start; min+durMin <= r.End; min += stepMin {
		start := time.Date(y, mo, d, 0, min, 0, 0, w.loc)
		if start.Hour()*60+start.Minute() != min%1440 || start.Day() != d {
			continue // the clock skipped this time (spring forward)
		}
		if start.Before(w.from) || !start.Before(w.to) || start.Add(w.dur).After(end) {
			continue
		}
		if w.free(start) {
			w.out = append(w.out, start)
		}
	}
}

// free reports whether a session from start, with its buffers, touches no
// taken time. Slots come in order, so taken times that ended before one
// cannot touch the next.
func (w *slotWalk) free(start time.Time) bool {
	lo, hi := start.Add(-w.before), start.Add(w.dur+w.after)
	for w.next < len(w.taken) && !w.taken[w.next].End.After(lo) {
		w.next++
	}
	return w.next == len(w.taken) || !w.taken[w.next].Start.Before(hi)
}

// mergeBusy widens each busy time by the buffers and merges those that
// touch, in order of start: a new session and its buffers must clear them.
func mergeBusy(busy []Busy, before, after time.Duration) []Busy {
	out := make([]Busy, 0, len(busy))
	for _, b := range busy {
		out = append(out, Busy{Start: b.Start.Add(-before), End: b.End.Add(after)})
	}
	slices.SortFunc(out, func(a, b Busy) int { return a.Start.Compare(b.Start) })
	merged := out[:0]
	for _, b := range out {
		if n := len(merged); n > 0 && !b.Start.After(merged[n-1].End) {
			if b.End.After(merged[n-1].End) {
				merged[n-1].End = b.End
			}
			continue
		}
		merged = append(merged, b)
	}
	return merged
}

// countByDay counts the sessions that start on each date in loc.
func countByDay(busy []Busy, loc *time.Location) map[string]int {
	out := make(map[string]int, len(busy))
	for _, b := range busy {
		out[b.Start.In(loc).Format(dateLayout)]++
	}
	return out
}
