package signaling_test

import (
	"testing"
)

// TestChatRefusesWhatIsNotText sends chat messages with a NUL, other control
// characters and bidirectional overrides on both databases: each gets the
// protocol's error answer naming the body, none is stored (on PostgreSQL a
// NUL would fail the chat writer's batch), and the next good message is the
// session's first.
func TestChatRefusesWhatIsNotText(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, dialect)
			coach := e.mustWS(t, e.coach)
			join(t, coach, nil)
			for name, body := range map[string]string{
				"NUL": "hello\x00world", "Escape": "red \x1b[31malert", "C1": "next\u0085line",
				"RightToLeftOverride": "invoice\u202Egpj.exe", "Isolate": "a\u2066b", "LoneCR": "over\rwrite",
			} {
				coach.send(t, "chat.send", name, map[string]string{"client_id": "c-" + name, "body": body})
				f := wait(t, coach, "error")
				var d struct {
					Code   string            `json:"code"`
					Fields map[string]string `json:"fields"`
				}
				f.decode(t, &d)
				if f.ID != name || d.Code != "invalid" || d.Fields["body"] == "" {
					t.Errorf("%s: %s %s", name, f.ID, f.Data)
				}
			}
			coach.send(t, "chat.send", "ok", map[string]string{"client_id": "c-ok", "body": "line one\r\n\tline two"})
			var a struct{ Seq int64 }
			wait(t, coach, "chat.ack").decode(t, &a)
			if a.Seq != 1 {
				t.Fatalf("the good message has seq %d: a refused one was stored", a.Seq)
			}
		})
	}
}
