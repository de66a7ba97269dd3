package config

import (
	"strings"
	"testing"
)

func TestLimitsSettings(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if l := c.Limits; len(l.TrustedProxies) != 2 || l.MetricsAddr != "" || l.MetricsToken != "" {
		t.Fatalf("defaults: %+v", l)
	}
	c, err = Load(env(map[string]string{"TRUSTED_PROXIES": "10.0.0.5, 10.1.2.3/16, ::ffff:192.0.2.1", "METRICS_ADDR": "127.0.0.1:9464"}))
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, p := range c.Limits.TrustedProxies {
		got = append(got, p.String())
	}
	if strings.Join(got, " ") != "10.0.0.5/32 10.1.0.0/16 192.0.2.1/32" {
		t.Fatalf("proxies %v", got)
	}
	for name, vars := range map[string]map[string]string{
		"TRUSTED_PROXIES": {"TRUSTED_PROXIES": "proxy.example.com"},
		"METRICS_ADDR":    {"METRICS_ADDR": "0.0.0.0:9464"},
		"METRICS_TOKEN":   {"METRICS_TOKEN": "short"},
	} {
		if _, err := Load(env(vars)); err == nil || !strings.HasPrefix(err.Error(), name+": ") {
			t.Errorf("%v: %v", vars, err)
		}
	}
}
