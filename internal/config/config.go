// Package config reads Rapport's settings from the environment (and a .env
// file, and *_FILE variants for secrets) into one Config, and checks them:
// a bad setting stops start-up with one line that names it and says why.
package config

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"rapport/internal/coaching"
)

// Config is every setting of the server.
type Config struct {
	DatabaseURL        string // empty: SQLite in DataDir
	GoogleClientID     string
	GoogleClientSecret string
	SessionSecret      string
	Host               string
	Port               int
	DataDir            string
	PublicURL          string // the external base URL, e.g. https://coach.example.com
	OIDCIssuer         string
	LogFormat          string // text or json
	LogLevel           slog.Level
	PprofAddr          string // a loopback address for Go's profiler, or "" for none
	Dev                bool   // serve templates and static files from disk
	LoadTest           bool   // serve --loadtest: media rooms for the SFU load generator
	WebRTC             WebRTC
	// CallMode is how a call travels when its appointment leaves it to the
	// server: CallModeSFU or CallModeP2P, never CallModeDefault.
	CallMode coaching.CallMode
	AI       AI // the AI co-coach
	// Skool is the membership sync with the two Skool communities.
	Skool Skool
	// Alerts is where the operators are told of trouble.
	Alerts Alerts
	// Mail is how the practice's emails leave (the alerts' SMTP server).
	Mail Mail
	// SignIn is who may sign in and how the provider is asked.
	SignIn SignIn
	// Limits are whose forwarded addresses are believed and who reads metrics.
	Limits Limits
}

// WebRTC is the network side of calls: where the SFU takes media, and the
// ICE servers browsers are given.
type WebRTC struct {
	UDPPort      int      // one UDP port for every peer; 0: a port per peer
	UDPPortMin   uint16   // with UDPPortMax, the range of per-peer ports
	UDPPortMax   uint16   //
	TCPPort      int      // ICE over TCP; 0: off
	PublicIPs    []string // the public addresses of a host behind 1:1 NAT
	Interfaces   []string // the interfaces to gather on; empty: all
	LoopbackOnly bool     // media on loopback only (the default when the whole server is)
	STUNURLs     []string // STUN servers given to browsers, e.g. stun:stun.example.com:3478
	TURN         TURN
}

// TURN is where browsers relay media when nothing else gets through: the
// embedded server (Port), an external one sharing Secret (URLs), or Twilio.
type TURN struct {
	Port        int    // the embedded server on UDP and TCP; 0: off
	TLSPort     int    // and on TLS, with TLSCert and TLSKey
	TLSCert     string // PEM file
	TLSKey      string // PEM file
	Secret      string // shared with the TURN server: credentials are signed with it
	URLs        []string
	RelayIP     string        // the embedded server's relay address, as browsers see it
	TTL         time.Duration // how long credentials last for TURN_URLS and Twilio
	TwilioSID   string
	TwilioToken string
	// EmbeddedTTL is how long credentials may open relays on the embedded
	// server.
	EmbeddedTTL time.Duration
	// MaxAllocations is how many relays one credential may hold at a time
	// on the embedded server.
	MaxAllocations int
}

// The credentials' lifetimes when TURN_TTL is not set (EmbeddedTTL, TTL).
// The embedded server takes an expired credential for as long as it holds
// a relay (a call outlives its credential: browsers refresh their relays,
// and open more on an ICE restart, with the credential they got when they
// joined), so its credential need only last from the join to the last
// relay opened with none standing: after a wait for the other person in a
// peer-to-peer call, on a step of the fallback chain; an hour covers them.
// coturn and Twilio check the expiry on every refresh: their credentials
// must outlast the longest call.
const (
	EmbeddedTURNTTL = time.Hour
	ExternalTURNTTL = 12 * time.Hour
)

// TURNHost is the name or address browsers reach the embedded TURN server
// at: PUBLIC_URL's host, else the relay address.
func (c *Config) TURNHost() string {
	if h := publicHost(c.PublicURL); h != "" {
		return h
	}
	return c.WebRTC.TURN.RelayIP
}

// Enabled reports whether browsers get a TURN server.
func (t TURN) Enabled() bool { return t.Port > 0 || len(t.URLs) > 0 || t.TwilioSID != "" }

// DefaultOIDCIssuer is Google's.
const DefaultOIDCIssuer = "https://accounts.google.com"

// Setting describes one environment variable, for `rapport help` and README.
type Setting struct {
	Name, Default, Help string
	Secret              bool
}

// Settings lists every environment variable Rapport reads.
var Settings = []Setting{
	{Name: "DATABASE_URL", Help: "postgres://... for PostgreSQL; empty for SQLite in the data directory"},
	{Name: "GOOGLE_CLIENT_ID", Help: "OAuth client ID for Google (or OIDC_ISSUER's) sign-in"},
	{Name: "GOOGLE_CLIENT_SECRET", Help: "OAuth client secret", Secret: true},
	{Name: "SESSION_SECRET", Help: "signs the sign-in flow cookie and the AI seat's room tokens; 32+ bytes, required outside loopback", Secret: true},
	{Name: "HOST", Default: "127.0.0.1", Help: "address to listen on"},
	{Name: "PORT", Default: "8080", Help: "port to listen on (0 picks a free one)"},
	{Name: "RAPPORT_DATA_DIR", Default: "./data", Help: "where the SQLite file and generated secrets live"},
	{Name: "PUBLIC_URL", Help: "external base URL, for sign-in redirects and cookies (default http://HOST:PORT)"},
	{Name: "OIDC_ISSUER", Default: DefaultOIDCIssuer, Help: "any OpenID Connect issuer (Keycloak, Authentik, Dex)"},
	{Name: "LOG_FORMAT", Default: "text", Help: "text or json"},
	{Name: "LOG_LEVEL", Default: "info", Help: "debug, info, warn or error"},
	{Name: "RAPPORT_PPROF_ADDR", Help: "a loopback address (127.0.0.1:6060) to serve Go's profiler on; off when empty"},
	{Name: "CALL_MODE", Default: "sfu", Help: "how a call's video travels when its appointment does not say: sfu (through the server) or p2p (directly between the two browsers)"},
	{Name: "WEBRTC_UDP_PORT", Help: "one UDP port for all call media (easiest to open in a firewall); empty: a port per peer"},
	{Name: "WEBRTC_UDP_PORTS", Help: "the range of per-peer UDP ports when WEBRTC_UDP_PORT is empty, like 50000-60000"},
	{Name: "WEBRTC_TCP_PORT", Help: "a TCP port for call media on networks that block UDP; off when empty"},
	{Name: "WEBRTC_PUBLIC_IP", Help: "the public IP address(es) of a server behind 1:1 NAT, comma-separated"},
	{Name: "WEBRTC_INTERFACES", Help: "network interfaces to take media on, comma-separated; empty: all"},
	{Name: "WEBRTC_LOOPBACK_ONLY", Default: "auto", Help: "true: media on loopback only; auto: when HOST and PUBLIC_URL are loopback"},
	{Name: "STUN_URLS", Help: "STUN servers for browsers, comma-separated, like stun:stun.example.com:3478"},
	{Name: "TURN_PORT", Help: "run the embedded TURN server on this UDP and TCP port (3478 is usual); off when empty"},
	{Name: "TURN_TLS_PORT", Default: "5349", Help: "the embedded TURN server's TLS port, when TURN_TLS_CERT is set"},
	{Name: "TURN_TLS_CERT", Help: "certificate (PEM file) for TURN over TLS"},
	{Name: "TURN_TLS_KEY", Help: "its private key (PEM file)"},
	{Name: "TURN_SECRET", Help: "shared secret that signs browsers' TURN credentials; required with TURN_PORT or TURN_URLS (rapport setup-webrtc writes one)", Secret: true},
	{Name: "TURN_URLS", Help: "an external TURN server sharing TURN_SECRET (coturn use-auth-secret), comma-separated turn: and turns: URLs"},
	{Name: "TURN_RELAY_IP", Help: "the embedded server's public relay address (default: the first WEBRTC_PUBLIC_IP; 127.0.0.1 on loopback)"},
	{Name: "TURN_TTL", Default: "1h; 12h external", Help: "how long a browser's TURN credentials may open relays; on the embedded server a relay opened in time lasts the whole call, while its user is allowed; coturn (TURN_URLS) and Twilio check it on every refresh, so keep it longer than any call there"},
	{Name: "TURN_MAX_ALLOCATIONS", Default: "10", Help: "how many relays one browser's credential may hold at a time on the embedded TURN server"},
	{Name: "TWILIO_ACCOUNT_SID", Help: "use Twilio's Network Traversal Service for TURN (with TWILIO_AUTH_TOKEN)"},
	{Name: "TWILIO_AUTH_TOKEN", Help: "Twilio's auth token", Secret: true},
}

// Getenv looks up an environment variable; os.LookupEnv in production.
type Getenv func(name string) (string, bool)

// Load reads the settings through getenv. Secrets may come from the file a
// NAME_FILE variable points at. The result is checked with Validate.
func Load(getenv Getenv) (*Config, error) {
	r := reader{getenv: getenv}
	c := &Config{
		DatabaseURL:        r.str("DATABASE_URL"),
		GoogleClientID:     r.str("GOOGLE_CLIENT_ID"),
		GoogleClientSecret: r.secret("GOOGLE_CLIENT_SECRET"),
		SessionSecret:      r.secret("SESSION_SECRET"),
		Host:               r.strOr("HOST", "127.0.0.1"),
		Port:               r.port("PORT", 8080),
		DataDir:            r.strOr("RAPPORT_DATA_DIR", "./data"),
		PublicURL:          strings.TrimSuffix(r.str("PUBLIC_URL"), "/"),
		OIDCIssuer:         r.strOr("OIDC_ISSUER", DefaultOIDCIssuer),
		LogFormat:          r.oneOf("LOG_FORMAT", "text", "text", "json"),
		LogLevel:           r.level("LOG_LEVEL"),
		PprofAddr:          r.str("RAPPORT_PPROF_ADDR"),
		CallMode:           r.callMode("CALL_MODE"),
	}
	c.WebRTC = r.webrtc(c)
	c.AI = r.ai()
	c.Skool = r.skool()
	c.Alerts = r.alerts()
	c.Mail = r.mail(c.Alerts)
	c.SignIn = r.signIn(c.OIDCIssuer)
	c.Limits = r.limits()
	if r.err != nil {
		return nil, r.err
	}
	return c, c.Validate()
}

// Validate checks the settings together. Outside loopback it requires a
// SESSION_SECRET of at least 32 bytes.
func (c *Config) Validate() error {
	if c.DatabaseURL != "" && !hasAnyPrefix(c.DatabaseURL, "postgres://", "postgresql://", "sqlite://", "file:") {
		return errors.New("DATABASE_URL: must start with postgres:// or sqlite://, or be empty for SQLite in the data directory")
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return errors.New("PUBLIC_URL: must be an http:// or https:// URL with a host and no path, like https://coach.example.com")
		}
	}
	if (c.GoogleClientID == "") != (c.GoogleClientSecret == "") {
		return errors.New("GOOGLE_CLIENT_SECRET: GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET must be set together")
	}
	if u, err := url.Parse(c.OIDCIssuer); err != nil || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopbackHost(u.Hostname()))) {
		return errors.New("OIDC_ISSUER: must be an https:// URL (http:// only on loopback)")
	}
	if c.PprofAddr != "" {
		host, _, err := net.SplitHostPort(c.PprofAddr)
		if err != nil || !isLoopbackHost(host) {
			return errors.New("RAPPORT_PPROF_ADDR: must be a loopback address with a port, like 127.0.0.1:6060: the profiler shows the server's insides")
		}
	}
	if !c.Loopback() && len(c.SessionSecret) < 32 {
		return fmt.Errorf("SESSION_SECRET: must be at least 32 bytes when HOST (%s) is not a loopback address", c.Host)
	}
	if c.SessionSecret != "" && len(c.SessionSecret) < 32 {
		return errors.New("SESSION_SECRET: must be at least 32 bytes; try `openssl rand -base64 48`")
	}
	return nil
}

// Loopback reports whether the server listens on loopback only.
func (c *Config) Loopback() bool { return isLoopbackHost(c.Host) }

// OIDCEnabled reports whether a sign-in provider is configured.
func (c *Config) OIDCEnabled() bool { return c.GoogleClientID != "" }

// DevSignIn reports whether the dev sign-in is on: only when no provider is
// configured, the server listens on loopback, and no PUBLIC_URL says it is
// served to others (through a reverse proxy, say). Each request is checked
// again by the web layer.
func (c *Config) DevSignIn() bool {
	return !c.OIDCEnabled() && c.Loopback() && (c.PublicURL == "" || isLoopbackHost(publicHost(c.PublicURL)))
}

func publicHost(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return p.Hostname()
}

// Addr is the address to listen on.
func (c *Config) Addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

// SecureCookies reports whether cookies must be Secure (PUBLIC_URL is https).
func (c *Config) SecureCookies() bool { return strings.HasPrefix(c.PublicURL, "https://") }

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func hasAnyPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// reader reads settings and keeps the first error.
type reader struct {
	getenv Getenv
	err    error
}

func (r *reader) fail(name, format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...))
	}
}

func (r *reader) str(name string) string {
	v, _ := r.getenv(name)
	return strings.TrimSpace(v)
}

func (r *reader) strOr(name, def string) string {
	if v := r.str(name); v != "" {
		return v
	}
	return def
}

// secret reads NAME, or the file NAME_FILE names; setting both is an error.
func (r *reader) secret(name string) string {
	v := r.str(name)
	path := r.str(name + "_FILE")
	if path == "" {
		return v
	}
	if v != "" {
		r.fail(name, "set either %s or %s_FILE, not both", name, name)
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		r.fail(name+"_FILE", "cannot read %s: %v", path, errors.Unwrap(err))
		return ""
	}
	return strings.TrimSpace(string(b))
}

func (r *reader) port(name string, def int) int {
	v := r.str(name)
	if v == "" {
		return def
	}
	p, err := strconv.Atoi(v)
	if err != nil || p < 0 || p > 65535 {
		r.fail(name, "must be a port number from 0 to 65535, not %q", v)
	}
	return p
}

func (r *reader) oneOf(name, def string, allowed ...string) string {
	v := strings.ToLower(r.strOr(name, def))
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	r.fail(name, "must be one of %s, not %q", strings.Join(allowed, ", "), v)
	return def
}

func (r *reader) level(name string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(r.strOr(name, "info"))); err != nil {
		r.fail(name, "must be debug, info, warn or error, not %q", r.str(name))
	}
	return l
}

// callMode reads the server's default call mode: sfu unless set. The empty
// mode of an appointment means this one, so it cannot itself be empty.
func (r *reader) callMode(name string) coaching.CallMode {
	switch m := coaching.CallMode(strings.ToLower(r.strOr(name, string(coaching.CallModeSFU)))); m {
	case coaching.CallModeSFU, coaching.CallModeP2P:
		return m
	}
	r.fail(name, "must be sfu (through the server) or p2p (directly between the two browsers), not %q", r.str(name))
	return coaching.CallModeSFU
}

// webrtc reads the WEBRTC_ settings.
func (r *reader) webrtc(c *Config) WebRTC {
	w := WebRTC{
		UDPPort:    r.port("WEBRTC_UDP_PORT", 0),
		TCPPort:    r.port("WEBRTC_TCP_PORT", 0),
		PublicIPs:  r.list("WEBRTC_PUBLIC_IP"),
		Interfaces: r.list("WEBRTC_INTERFACES"),
		STUNURLs:   r.list("STUN_URLS"),
	}
	w.UDPPortMin, w.UDPPortMax = r.portRange("WEBRTC_UDP_PORTS")
	w.TURN = r.turn()
	for _, ip := range w.PublicIPs {
		if net.ParseIP(ip) == nil {
			r.fail("WEBRTC_PUBLIC_IP", "%q is not an IP address", ip)
		}
	}
	for _, u := range w.STUNURLs {
		if !strings.HasPrefix(u, "stun:") && !strings.HasPrefix(u, "stuns:") {
			r.fail("STUN_URLS", "%q must start with stun: or stuns:", u)
		}
	}
	if w.TURN.Port > 0 && w.TURN.RelayIP == "" {
		switch {
		case len(w.PublicIPs) > 0:
			w.TURN.RelayIP = w.PublicIPs[0]
		case c.Loopback():
			w.TURN.RelayIP = "127.0.0.1"
		default:
			r.fail("TURN_RELAY_IP", "required with TURN_PORT when the server is not on loopback and WEBRTC_PUBLIC_IP is empty: the address browsers reach relays at")
		}
	}
	switch v := strings.ToLower(r.strOr("WEBRTC_LOOPBACK_ONLY", "auto")); v {
	case "auto":
		w.LoopbackOnly = c.Loopback() && (c.PublicURL == "" || isLoopbackHost(publicHost(c.PublicURL)))
	case "true", "1", "yes":
		w.LoopbackOnly = true
	case "false", "0", "no":
	default:
		r.fail("WEBRTC_LOOPBACK_ONLY", "must be true, false or auto, not %q", v)
	}
	return w
}

// turn reads the TURN_ and TWILIO_ settings.
func (r *reader) turn() TURN {
	t := TURN{
		Port:        r.port("TURN_PORT", 0),
		TLSPort:     r.port("TURN_TLS_PORT", 5349),
		TLSCert:     r.str("TURN_TLS_CERT"),
		TLSKey:      r.str("TURN_TLS_KEY"),
		Secret:      r.secret("TURN_SECRET"),
		URLs:        r.list("TURN_URLS"),
		RelayIP:     r.str("TURN_RELAY_IP"),
		TTL:         r.duration("TURN_TTL", ExternalTURNTTL),
		TwilioSID:   r.str("TWILIO_ACCOUNT_SID"),
		TwilioToken: r.secret("TWILIO_AUTH_TOKEN"),
	}
	t.EmbeddedTTL = r.duration("TURN_TTL", EmbeddedTURNTTL)
	t.MaxAllocations = r.count("TURN_MAX_ALLOCATIONS", 10)
	for _, u := range t.URLs {
		if !strings.HasPrefix(u, "turn:") && !strings.HasPrefix(u, "turns:") {
			r.fail("TURN_URLS", "%q must start with turn: or turns:", u)
		}
	}
	switch {
	case (t.Port > 0 || len(t.URLs) > 0) && len(t.Secret) < 16:
		r.fail("TURN_SECRET", "at least 16 characters are required with TURN_PORT or TURN_URLS; `rapport setup-webrtc` writes one")
	case (t.TLSCert == "") != (t.TLSKey == ""):
		r.fail("TURN_TLS_KEY", "TURN_TLS_CERT and TURN_TLS_KEY must be set together")
	case t.TLSCert != "" && t.Port == 0:
		r.fail("TURN_TLS_CERT", "is for the embedded TURN server: set TURN_PORT too")
	case (t.TwilioSID == "") != (t.TwilioToken == ""):
		r.fail("TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set together")
	case t.RelayIP != "" && net.ParseIP(t.RelayIP) == nil:
		r.fail("TURN_RELAY_IP", "%q is not an IP address", t.RelayIP)
	}
	return t
}

// count reads a whole number of one or more.
func (r *reader) count(name string, def int) int {
	v := r.str(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		r.fail(name, "must be a whole number of 1 or more, not %q", v)
		return def
	}
	return n
}

// duration reads a Go duration like 12h.
func (r *reader) duration(name string, def time.Duration) time.Duration {
	v := r.str(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Minute {
		r.fail(name, "must be a duration of a minute or more, like 12h, not %q", v)
		return def
	}
	return d
}

// list reads a comma-separated list.
func (r *reader) list(name string) []string {
	var out []string
	for _, v := range strings.Split(r.str(name), ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// portRange reads MIN-MAX.
func (r *reader) portRange(name string) (uint16, uint16) {
	v := r.str(name)
	if v == "" {
		return 0, 0
	}
	lo, hi, ok := strings.Cut(v, "-")
	a, errA := strconv.ParseUint(strings.TrimSpace(lo), 10, 16)
	b, errB := strconv.ParseUint(strings.TrimSpace(hi), 10, 16)
	if !ok || errA != nil || errB != nil || a == 0 || a > b {
		r.fail(name, "must be a range of UDP ports like 50000-60000, not %q", v)
		return 0, 0
	}
	return uint16(a), uint16(b)
}

// ReadDotEnv reads KEY=VALUE lines from path into a map (a missing file is
// no error). Blank lines and # comments are skipped; values may be quoted.
func ReadDotEnv(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("%s line %d: expected KEY=VALUE", path, n)
		}
		out[strings.TrimSpace(k)] = unquote(strings.TrimSpace(v))
	}
	return out, sc.Err()
}

func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	return v
}

// Environ returns a Getenv that prefers the process environment and falls
// back to the values of a .env file.
func Environ(dotenv map[string]string) Getenv {
	return func(name string) (string, bool) {
		if v, ok := os.LookupEnv(name); ok {
			return v, true
		}
		v, ok := dotenv[name]
		return v, ok
	}
}
