package web_test

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestConcurrentEditsDoNotUndoEachOther: a client cancels while the coach
// retitles. Whatever the order, a cancel that was answered 200 stays.
func TestConcurrentEditsDoNotUndoEachOther(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		for i := range 15 {
			var a struct{ ID int64 }
			w.coach.api("POST", "/api/v1/appointments", map[string]any{"client_id": w.clientID,
				"starts_at": time.Now().Add(time.Duration(300+i*2) * time.Hour).Format(time.RFC3339), "duration_minutes": 30}).json(t, &a)
			path := fmt.Sprintf("/api/v1/appointments/%d", a.ID)
			var wg sync.WaitGroup
			var cancelStatus int
			wg.Add(2)
			go func() {
				defer wg.Done()
				cancelStatus = w.client.api("DELETE", path, map[string]string{"reason": "away"}).StatusCode
			}()
			go func() {
				defer wg.Done()
				w.coach.api("PATCH", path, map[string]string{"title": fmt.Sprint("retitled ", i)})
			}()
			wg.Wait()
			var got struct {
				Status       string
				CancelReason string `json:"cancel_reason"`
			}
			w.coach.get(path).json(t, &got)
			if cancelStatus == 200 && (got.Status != "cancelled" || got.CancelReason != "away") {
				t.Fatalf("round %d: the cancel was answered 200 but the appointment is %+v", i, got)
			}
		}
	})
}
