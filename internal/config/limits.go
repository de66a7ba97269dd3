package config

import (
	"net"
	"net/netip"
	"strings"
)

// Limits are who is believed about a client's address and who may read
// the server's metrics.
type Limits struct {
	// TrustedProxies are the peers whose X-Forwarded-For is believed:
	// loopback unless set.
	TrustedProxies []netip.Prefix
	// MetricsAddr is a listener of its own for /metrics; empty: none.
	MetricsAddr string
	// MetricsToken, when set, lets a Bearer of it read /metrics from
	// anywhere; without it only this machine may.
	MetricsToken string
}

// limitsSettings are the environment variables of Limits.
var limitsSettings = []Setting{
	{Name: "TRUSTED_PROXIES", Default: "127.0.0.0/8,::1", Help: "the reverse proxies whose X-Forwarded-For is believed, as addresses or CIDRs, comma-separated (like 10.0.0.5,10.1.0.0/16)"},
	{Name: "METRICS_ADDR", Help: "serve /metrics on a listener of its own too, like 127.0.0.1:9464 (a non-loopback one needs METRICS_TOKEN)"},
	{Name: "METRICS_TOKEN", Help: "lets `Authorization: Bearer TOKEN` read /metrics from anywhere; without it only this machine may", Secret: true},
}

// limits reads the Limits settings.
func (r *reader) limits() Limits {
	l := Limits{MetricsAddr: r.str("METRICS_ADDR"), MetricsToken: r.secret("METRICS_TOKEN")}
	for _, v := range r.list("TRUSTED_PROXIES") {
		p, err := parsePrefix(v)
		if err != nil {
			r.fail("TRUSTED_PROXIES", "%q is not an address or a CIDR like 10.0.0.0/8", v)
			continue
		}
		l.TrustedProxies = append(l.TrustedProxies, p)
	}
	if l.MetricsToken != "" && len(l.MetricsToken) < 16 {
		r.fail("METRICS_TOKEN", "must be at least 16 characters")
	}
	if l.MetricsAddr != "" {
		host, _, err := net.SplitHostPort(l.MetricsAddr)
		switch {
		case err != nil:
			r.fail("METRICS_ADDR", "must be an address with a port, like 127.0.0.1:9464, not %q", l.MetricsAddr)
		case !isLoopbackHost(host) && l.MetricsToken == "":
			r.fail("METRICS_ADDR", "%s is not a loopback address: set METRICS_TOKEN too, or metrics are open to the network", l.MetricsAddr)
		}
	}
	return l
}

// parsePrefix reads an address (a prefix of its full length) or a CIDR.
func parsePrefix(v string) (netip.Prefix, error) {
	if strings.Contains(v, "/") {
		p, err := netip.ParsePrefix(v)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}
