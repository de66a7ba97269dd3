package web

import (
	"net/netip"
	"net/url"
	"time"

	"rapport/internal/coaching"
)

// Settings are what the web layer reads of the server's settings; the
// wiring (internal/server) fills them from package config, which the web
// layer does not import.
type Settings struct {
	// PublicURL is where people reach the server ("" when unknown: the
	// address a request came to then).
	PublicURL string
	// ProviderName names the sign-in provider on the pages.
	ProviderName string
	// SecureCookies: the server is reached over HTTPS, so cookies are
	// Secure and responses carry HSTS.
	SecureCookies bool
	// DevSignIn: the developer sign-in is on (loopback, no provider).
	DevSignIn bool
	// MailSends: an SMTP server sends the practice's emails.
	MailSends bool
	// MetricsToken guards /metrics on the main port ("" : loopback only).
	MetricsToken string
	// LoadTest: serve --loadtest, which takes a load generator's peers.
	LoadTest bool
	// CallMode is how calls travel when an appointment leaves it to the
	// server.
	CallMode coaching.CallMode
	// TrustedProxies are the peers whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// AuditRetention is how long the audit log keeps an entry (0:
	// forever), for its page to say.
	AuditRetention time.Duration
}

// originPatterns are the hosts besides the request's own from which a
// room's WebSocket may be opened: PUBLIC_URL's.
func originPatterns(s Settings) []string {
	if s.PublicURL == "" {
		return nil
	}
	u, err := url.Parse(s.PublicURL)
	if err != nil || u.Host == "" {
		return nil
	}
	return []string{u.Host}
}
