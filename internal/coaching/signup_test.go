package coaching_test

import (
	"testing"

	"rapport/internal/coaching"
)

func TestSignupAdmits(t *testing.T) {
	domains := []string{"practice.example"}
	for _, tc := range []struct {
		name   string
		policy coaching.Signup
		email  string
		hd     string
		want   bool
	}{
		{"InviteOnly", coaching.Signup{}, "a@practice.example", "", false},
		{"Open", coaching.Signup{Open: true}, "a@anywhere.example", "", true},
		{"Domain", coaching.Signup{Domains: domains}, "a@practice.example", "", true},
		{"DomainCase", coaching.Signup{Domains: domains}, "a@Practice.Example", "", true},
		{"OtherDomain", coaching.Signup{Domains: domains}, "a@elsewhere.example", "", false},
		{"SubdomainIsAnother", coaching.Signup{Domains: domains}, "a@evil.practice.example", "", false},
		{"GoogleWorkspace", coaching.Signup{Domains: domains, HostedDomain: true}, "a@practice.example", "practice.example", true},
		{"GoogleConsumerAccount", coaching.Signup{Domains: domains, HostedDomain: true}, "a@practice.example", "", false},
		{"GoogleOtherWorkspace", coaching.Signup{Domains: domains, HostedDomain: true}, "a@practice.example", "elsewhere.example", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.policy.Admits(coaching.Identity{HostedDomain: tc.hd}, tc.email); got != tc.want {
				t.Fatalf("Admits(%s, hd %q) = %v", tc.email, tc.hd, got)
			}
		})
	}
}
