package coaching_test

import (
	"testing"
	"time"

	"rapport/internal/coaching"
)

// TestRoomOpenAt: a room takes people from 15 minutes before the start
// until an hour after the scheduled end, while the appointment is
// scheduled; a call that dropped is rejoined anywhere in that window.
func TestRoomOpenAt(t *testing.T) {
	start := now.Add(time.Hour)
	a := &coaching.Appointment{StartsAt: start, Duration: 30 * time.Minute, Status: coaching.ApptScheduled}
	for _, tc := range []struct {
		name   string
		at     time.Time
		status coaching.AppointmentStatus
		want   bool
	}{
		{"TooEarly", start.Add(-15*time.Minute - time.Second), coaching.ApptScheduled, false},
		{"OpensAQuarterBefore", start.Add(-15 * time.Minute), coaching.ApptScheduled, true},
		{"TwentyThreeMinutesBeforeTheEnd", start.Add(7 * time.Minute), coaching.ApptScheduled, true},
		{"AtTheScheduledEnd", start.Add(30 * time.Minute), coaching.ApptScheduled, true},
		{"InTheHourAfter", start.Add(89 * time.Minute), coaching.ApptScheduled, true},
		{"ClosedAnHourAfterTheEnd", start.Add(90 * time.Minute), coaching.ApptScheduled, false},
		{"Completed", start.Add(7 * time.Minute), coaching.ApptCompleted, false},
		{"Cancelled", start.Add(7 * time.Minute), coaching.ApptCancelled, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a.Status = tc.status
			if got := a.RoomOpenAt(tc.at); got != tc.want {
				t.Fatalf("RoomOpenAt(%v) = %v, want %v", tc.at.Sub(start), got, tc.want)
			}
		})
	}
	if got := a.RoomClosesAt(); !got.Equal(start.Add(90 * time.Minute)) {
		t.Fatalf("the room closes at %v, want an hour after the end", got)
	}
}

// TestCallTime: the time spent in calls is the sum of every ended call
// session of the appointment; one still open counts once it ends.
func TestCallTime(t *testing.T) {
	ended := now
	list := []*coaching.CallSession{
		{Duration: 7 * time.Minute, EndedAt: &ended},
		{Duration: 12 * time.Minute, EndedAt: &ended},
		{Duration: 0}, // open: not yet counted
	}
	if got := coaching.CallTime(list); got != 19*time.Minute {
		t.Fatalf("CallTime = %v, want 19m", got)
	}
	if got := coaching.CallTime(nil); got != 0 {
		t.Fatalf("CallTime of no call = %v", got)
	}
}
