package config

import (
	"slices"
	"strings"
	"testing"
)

func TestSignInSettings(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if s := c.SignIn; s.ProviderName != "Google" || s.Prompt != "select_account" || s.Signup != SignupInvite || len(s.SignupDomains) != 0 {
		t.Fatalf("defaults: %+v", s)
	}
	c, err = Load(env(map[string]string{"OIDC_ISSUER": "https://id.acme.example/realms/x", "OIDC_PROMPT": "-",
		"SIGNUP": "Open", "SIGNUP_DOMAINS": "Acme.example, @coaches.example"}))
	if err != nil {
		t.Fatal(err)
	}
	if s := c.SignIn; s.ProviderName != "id.acme.example" || s.Prompt != "" || s.Signup != SignupOpen ||
		!slices.Equal(s.SignupDomains, []string{"acme.example", "coaches.example"}) {
		t.Fatalf("set: %+v", s)
	}
	for name, vars := range map[string]map[string]string{
		"OIDC_PROMPT":    {"OIDC_PROMPT": "select-account"},
		"SIGNUP":         {"SIGNUP": "anyone"},
		"SIGNUP_DOMAINS": {"SIGNUP_DOMAINS": "a@b.example"},
	} {
		if _, err := Load(env(vars)); err == nil || !strings.HasPrefix(err.Error(), name+": ") {
			t.Errorf("%v: %v", vars, err)
		}
	}
}
