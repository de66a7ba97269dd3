package config

import (
	"fmt"
	"net"
	"strings"
	"time"
)

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

// The call modes CALL_MODE takes: through the server, or directly between
// the two browsers.
const (
	CallModeSFU = "sfu"
	CallModeP2P = "p2p"
)

// webrtcSettings are the call media's environment variables.
var webrtcSettings = []Setting{
	{Name: "CALL_MODE", Default: CallModeSFU, Help: "how a call's video travels when its appointment does not say: sfu (through the server) or p2p (directly between the two browsers)"},
	{Name: "WEBRTC_UDP_PORT", Help: "one UDP port for all call media (easiest to open in a firewall, and cheaper per packet than a port per peer); empty: a port per peer"},
	{Name: "WEBRTC_UDP_PORTS", Help: "the range of per-peer UDP ports when WEBRTC_UDP_PORT is empty, like 50000-60000; empty: any"},
	{Name: "WEBRTC_TCP_PORT", Help: "a TCP port for call media on networks that block UDP; off when empty"},
	{Name: "WEBRTC_PUBLIC_IP", Help: "the public IP address(es) of a server behind 1:1 NAT (a cloud VM's elastic IP), comma-separated"},
	{Name: "WEBRTC_INTERFACES", Help: "network interfaces to take media on, comma-separated; empty: all"},
	{Name: "WEBRTC_LOOPBACK_ONLY", Default: "auto", Help: "true: media on loopback only; false: every interface; auto: loopback when HOST and PUBLIC_URL are"},
	{Name: "STUN_URLS", Help: "STUN servers for browsers, comma-separated, like stun:stun.example.com:3478"},
	{Name: "TURN_PORT", Help: "run the embedded TURN server on this UDP and TCP port (3478 is usual); off when empty"},
	{Name: "TURN_TLS_PORT", Default: "5349", Help: "the embedded TURN server's TLS port, when TURN_TLS_CERT is set"},
	{Name: "TURN_TLS_CERT", Help: "certificate (PEM file) for TURN over TLS"},
	{Name: "TURN_TLS_KEY", Help: "its private key (PEM file)"},
	{Name: "TURN_SECRET", Help: "shared secret that signs browsers' TURN credentials; required with TURN_PORT or TURN_URLS (rapport setup-webrtc writes one)", Secret: true},
	{Name: "TURN_URLS", Help: "an external TURN server sharing TURN_SECRET (coturn use-auth-secret), comma-separated turn: and turns: URLs"},
	{Name: "TURN_RELAY_IP", Help: "the embedded server's public relay address (default: the first WEBRTC_PUBLIC_IP; 127.0.0.1 on loopback)"},
	{Name: "TURN_TTL", Default: fmt.Sprintf("%gh embedded, %gh external", EmbeddedTURNTTL.Hours(), ExternalTURNTTL.Hours()),
		Help: "how long a browser's TURN credentials may open relays; on the embedded server a relay opened in time lasts the whole call, while its user is allowed; coturn (TURN_URLS) and Twilio check it on every refresh, so keep it longer than any call there; when set, it is both lifetimes"},
	{Name: "TURN_MAX_ALLOCATIONS", Default: "10", Help: "how many relays one browser's credential may hold at a time on the embedded TURN server (a browser makes a few per connection)"},
	{Name: "TWILIO_ACCOUNT_SID", Help: "use Twilio's Network Traversal Service for TURN (with TWILIO_AUTH_TOKEN)"},
	{Name: "TWILIO_AUTH_TOKEN", Help: "Twilio's auth token", Secret: true},
}

// callMode reads the server's default call mode: sfu unless set. The empty
// mode of an appointment means this one, so it cannot itself be empty.
func (r *reader) callMode(name string) string {
	switch m := strings.ToLower(r.value(name)); m {
	case CallModeSFU, CallModeP2P:
		return m
	}
	r.fail(name, "must be sfu (through the server) or p2p (directly between the two browsers), not %q", r.str(name))
	return ""
}

// webrtc reads the WEBRTC_ settings.
func (r *reader) webrtc(c *Config) WebRTC {
	w := WebRTC{
		UDPPort:    r.port("WEBRTC_UDP_PORT"),
		TCPPort:    r.port("WEBRTC_TCP_PORT"),
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
	switch v := strings.ToLower(r.value("WEBRTC_LOOPBACK_ONLY")); v {
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
		Port:        r.port("TURN_PORT"),
		TLSPort:     r.port("TURN_TLS_PORT"),
		TLSCert:     r.str("TURN_TLS_CERT"),
		TLSKey:      r.str("TURN_TLS_KEY"),
		Secret:      r.secret("TURN_SECRET"),
		URLs:        r.list("TURN_URLS"),
		RelayIP:     r.str("TURN_RELAY_IP"),
		TwilioSID:   r.str("TWILIO_ACCOUNT_SID"),
		TwilioToken: r.secret("TWILIO_AUTH_TOKEN"),
	}
	t.EmbeddedTTL, t.TTL = r.turnTTL("TURN_TTL")
	t.MaxAllocations = r.count("TURN_MAX_ALLOCATIONS")
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

// turnTTL reads TURN_TTL: when set, the lifetime of every credential;
// else the embedded server's and an external one's defaults.
func (r *reader) turnTTL(name string) (embedded, external time.Duration) {
	v := r.str(name)
	if v == "" {
		return EmbeddedTURNTTL, ExternalTURNTTL
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Minute {
		r.fail(name, "must be a duration of a minute or more, like 12h, not %q", v)
		return 0, 0
	}
	return d, d
}
