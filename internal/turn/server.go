package turn

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"time"

	pionturn "github.com/pion/turn/v4"

	"rapport/internal/config"
	"rapport/internal/pionlog"
	"rapport/internal/udpbuf"
)

// Config is the embedded TURN server's.
type Config struct {
	ListenIP string // the address to listen on: 0.0.0.0, or 127.0.0.1 on a loopback-only host
	Port     int    // UDP and TCP
	TLSPort  int    // TURN over TLS, when a certificate is given
	TLSCert  string // PEM files
	TLSKey   string
	RelayIP  net.IP // the address relayed media comes from, as browsers see it
	Host     string // the name or address browsers reach the server at, for the URLs
	Realm    string
	Secret   string
	OwnIPs   []net.IP // the addresses media may be relayed to: this server's own (the SFU)
	Log      *slog.Logger
	Now      func() time.Time
}

// Server is the embedded TURN server.
type Server struct {
	srv  *pionturn.Server
	urls []string
}

// Start listens on UDP and TCP (and TLS) and serves allocations to holders
// of valid credentials. It relays only to the addresses in OwnIPs: it is the
// SFU's, not an open relay into the network it stands in. (Permissions are
// by address, not port: a holder of credentials may reach other UDP ports
// of those addresses; keep other UDP services off them or firewalled.)
func Start(c Config) (*Server, error) {
	if c.Now == nil {
		c.Now = time.Now
	}
	relay := &pionturn.RelayAddressGeneratorStatic{RelayAddress: c.RelayIP, Address: c.ListenIP}
	allow := func(_ net.Addr, peer net.IP) bool {
		return slices.ContainsFunc(c.OwnIPs, func(ip net.IP) bool { return ip.Equal(peer) })
	}
	addr := net.JoinHostPort(c.ListenIP, strconv.Itoa(c.Port))
	udp, err := net.ListenPacket("udp4", addr)
	if err != nil {
		return nil, fmt.Errorf("TURN_PORT %d: %w", c.Port, err)
	}
	if err := udpbuf.Enlarge(udp); err != nil {
		udp.Close()
		return nil, fmt.Errorf("TURN_PORT %d: %w", c.Port, err)
	}
	tcp, err := net.Listen("tcp4", addr)
	if err != nil {
		udp.Close()
		return nil, fmt.Errorf("TURN_PORT %d (TCP): %w", c.Port, err)
	}
	cfg := pionturn.ServerConfig{
		Realm:             c.Realm,
		AuthHandler:       c.auth,
		LoggerFactory:     pionlog.Factory(c.Log),
		PacketConnConfigs: []pionturn.PacketConnConfig{{PacketConn: udp, RelayAddressGenerator: relay, PermissionHandler: allow}},
		ListenerConfigs:   []pionturn.ListenerConfig{{Listener: tcp, RelayAddressGenerator: relay, PermissionHandler: allow}},
	}
	urls := []string{c.url("turn", c.Port, "udp"), c.url("turn", c.Port, "tcp")}
	if c.TLSCert != "" {
		l, err := c.listenTLS()
		if err != nil {
			udp.Close()
			tcp.Close()
			return nil, err
		}
		cfg.ListenerConfigs = append(cfg.ListenerConfigs, pionturn.ListenerConfig{Listener: l, RelayAddressGenerator: relay, PermissionHandler: allow})
		urls = append(urls, c.url("turns", c.TLSPort, "tcp"))
	}
	srv, err := pionturn.NewServer(cfg)
	if err != nil {
		udp.Close()
		tcp.Close()
		return nil, fmt.Errorf("start the TURN server: %w", err)
	}
	return &Server{srv: srv, urls: urls}, nil
}

func (c Config) listenTLS() (net.Listener, error) {
	cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("TURN_TLS_CERT: %w", err)
	}
	l, err := tls.Listen("tcp4", net.JoinHostPort(c.ListenIP, strconv.Itoa(c.TLSPort)),
		&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	if err != nil {
		return nil, fmt.Errorf("TURN_TLS_PORT %d: %w", c.TLSPort, err)
	}
	return l, nil
}

func (c Config) url(scheme string, port int, transport string) string {
	return scheme + ":" + net.JoinHostPort(c.Host, strconv.Itoa(port)) + "?transport=" + transport
}

// auth gives the key of a username made by Credentials that has not expired.
func (c Config) auth(username, realm string, _ net.Addr) ([]byte, bool) {
	pass, ok := Check(c.Secret, username, c.Now())
	if !ok {
		return nil, false
	}
	return pionturn.GenerateAuthKey(username, realm, pass), true
}

// StartFor starts the embedded server the settings describe (TURN_PORT and
// the rest): on loopback when media is, relaying to this server's own
// addresses, reached by browsers at cfg.TURNHost().
func StartFor(cfg *config.Config, log *slog.Logger) (*Server, error) {
	w, t := cfg.WebRTC, cfg.WebRTC.TURN
	listen := "0.0.0.0"
	if w.LoopbackOnly {
		listen = "127.0.0.1"
	}
	return Start(Config{ListenIP: listen, Port: t.Port, TLSPort: t.TLSPort, TLSCert: t.TLSCert, TLSKey: t.TLSKey,
		RelayIP: net.ParseIP(t.RelayIP), Host: cfg.TURNHost(), Realm: "rapport", Secret: t.Secret,
		OwnIPs: OwnIPs(w.LoopbackOnly, w.PublicIPs...), Log: log})
}

// URLs are the server's addresses for browsers.
func (s *Server) URLs() []string { return s.urls }

// Allocations is how many relays are open.
func (s *Server) Allocations() int { return s.srv.AllocationCount() }

// Close stops the server and its relays.
func (s *Server) Close() error { return s.srv.Close() }

// OwnIPs are the addresses media may be relayed to: this machine's own
// interface addresses, without loopback and link-local ones (a relay to
// those would reach services that trust the machine itself), plus extra
// ones (a public address behind NAT). On a loopback-only server it is
// 127.0.0.1 alone.
func OwnIPs(loopbackOnly bool, extra ...string) []net.IP {
	if loopbackOnly {
		return []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	var ips []net.IP
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			ips = append(ips, n.IP)
		}
	}
	for _, e := range extra {
		if ip := net.ParseIP(e); ip != nil {
			ips = append(ips, ip)
		}
	}
	return ips
}
