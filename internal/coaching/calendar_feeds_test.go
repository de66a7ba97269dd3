package coaching_test

import (
	"testing"

	"rapport/internal/coaching"
)

func TestAppointmentUID(t *testing.T) {
	for _, c := range []struct{ publicURL, want string }{
		{"", "appointment-42@rapport"},
		{"https://coach.example.com", "appointment-42@coach.example.com"},
		{"https://Coach.example.com:8443/base", "appointment-42@Coach.example.com"},
		{"http://127.0.0.1:8080", "appointment-42@127.0.0.1"},
		{"::not a url", "appointment-42@rapport"},
	} {
		if got := coaching.AppointmentUID(42, coaching.UIDDomain(c.publicURL)); got != c.want {
			t.Errorf("%q: %q, want %q", c.publicURL, got, c.want)
		}
	}
}
