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
	// server: CallModeSFU or CallModeP2P, never empty.
	CallMode string
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
	// Privacy is who may read what the coaches keep private.
	Privacy Privacy
	// Retention is how long chats, transcripts and the audit log are kept.
	Retention Retention
	// Cluster is how this node finds the others (REDIS_URL).
	Cluster Cluster
}

// serverSettings are where the server listens, keeps its data and logs.
var serverSettings = []Setting{
	{Name: "DATABASE_URL", Help: "postgres://user:pass@host/db for PostgreSQL; sqlite:///path/file.db for another SQLite file; empty for SQLite in the data directory"},
	{Name: "HOST", Default: "127.0.0.1", Help: "address to listen on"},
	{Name: "PORT", Default: "8080", Help: "port to listen on (0 picks a free one)"},
	{Name: "RAPPORT_DATA_DIR", Default: "./data", Help: "where the SQLite file and generated secrets live"},
	{Name: "PUBLIC_URL", Help: "the external base URL (default http://HOST:PORT): sign-in redirects go to PUBLIC_URL/auth/callback; https:// makes cookies Secure and turns on HSTS"},
	{Name: "SESSION_SECRET", Help: "signs the sign-in flow cookie and the AI seat's room tokens; 32+ bytes, required outside loopback (default: a random one kept in the data directory)", Secret: true},
	{Name: "LOG_FORMAT", Default: "text", Help: "text or json"},
	{Name: "LOG_LEVEL", Default: "info", Help: "debug, info, warn or error"},
	{Name: "RAPPORT_PPROF_ADDR", Help: "a loopback address (127.0.0.1:6060) to serve Go's profiler on; off when empty"},
}

// DefaultOIDCIssuer is Google's.
const DefaultOIDCIssuer = "https://accounts.google.com"

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
		Host:               r.value("HOST"),
		Port:               r.port("PORT"),
		DataDir:            r.value("RAPPORT_DATA_DIR"),
		PublicURL:          strings.TrimSuffix(r.str("PUBLIC_URL"), "/"),
		OIDCIssuer:         r.value("OIDC_ISSUER"),
		LogFormat:          r.oneOf("LOG_FORMAT", "text", "json"),
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
	c.Privacy = r.privacy()
	c.Retention = r.retention()
	c.Cluster = r.cluster()
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
	if c.Cluster.Enabled() && !hasAnyPrefix(c.DatabaseURL, "postgres://", "postgresql://") {
		return errors.New("REDIS_URL: several nodes share one PostgreSQL database: set DATABASE_URL to postgres://... (SQLite is for one node)")
	}
	if c.Cluster.Enabled() && c.SessionSecret == "" {
		return errors.New("SESSION_SECRET: every node of a cluster must sign with the same secret (a sign-in that starts on one node ends on another); set the same SESSION_SECRET on each")
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

// Layered returns a Getenv that prefers env and falls back to the values
// of a .env file.
func Layered(env Getenv, dotenv map[string]string) Getenv {
	return func(name string) (string, bool) {
		if v, ok := env(name); ok {
			return v, true
		}
		v, ok := dotenv[name]
		return v, ok
	}
}
