package turn

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"time"

	pionturn "github.com/pion/turn/v4"

	"rapport/internal/app"
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
	// MaxAllocations is how many relays one credential may hold at a
	// time; 0: DefaultMaxAllocations.
	MaxAllocations int
	// Allowed says which users may still use the server; nil: all.
	Allowed Allowed
	Log     *slog.Logger
	Now     func() time.Time
}

// Server is the embedded TURN server.
type Server struct {
	srv     *pionturn.Server
	urls    []string
	guard   *guard
	stop    context.CancelFunc
	stopped chan struct{}
}

// Start listens on UDP and TCP (and TLS) and serves allocations to holders
// of valid credentials, MaxAllocations at a time per credential, while
// their user is allowed (see guard.auth for a credential that expires
// during a call). It relays only to the addresses in OwnIPs: it is the
// SFU's, not an open relay into the network it stands in. (Permissions are
// by address, not port: a holder of credentials may reach other UDP ports
// of those addresses; keep other UDP services off them or firewalled.)
// Every SweepEvery it closes the relays of users no longer allowed.
func Start(c Config) (*Server, error) {
	g := c.guard()
	cfg, urls, err := c.listen(g.allocs.generator(&pionturn.RelayAddressGeneratorStatic{RelayAddress: c.RelayIP, Address: c.ListenIP}))
	if err != nil {
		return nil, err
	}
	cfg.Realm, cfg.LoggerFactory = c.Realm, pionlog.Factory(c.Log)
	cfg.AuthHandler, cfg.QuotaHandler, cfg.EventHandler = g.auth, g.quota, g.allocs.events()
	srv, err := pionturn.NewServer(cfg)
	if err != nil {
		closeListeners(cfg)
		return nil, fmt.Errorf("start the TURN server: %w", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	s := &Server{srv: srv, urls: urls, guard: g, stop: stop, stopped: make(chan struct{})}
	go s.sweep(ctx, SweepEvery)
	return s, nil
}

// listen opens the server's sockets, UDP and TCP (and TLS), each relaying
// through relay to OwnIPs alone, and gives their URLs.
func (c Config) listen(relay pionturn.RelayAddressGenerator) (pionturn.ServerConfig, []string, error) {
	var cfg pionturn.ServerConfig
	allow := func(_ net.Addr, peer net.IP) bool {
		return slices.ContainsFunc(c.OwnIPs, func(ip net.IP) bool { return ip.Equal(peer) })
	}
	addr := net.JoinHostPort(c.ListenIP, strconv.Itoa(c.Port))
	udp, err := net.ListenPacket("udp4", addr)
	if err != nil {
		return cfg, nil, fmt.Errorf("TURN_PORT %d: %w", c.Port, err)
	}
	cfg.PacketConnConfigs = []pionturn.PacketConnConfig{{PacketConn: udp, RelayAddressGenerator: relay, PermissionHandler: allow}}
	if err := udpbuf.Enlarge(udp); err != nil {
		closeListeners(cfg)
		return cfg, nil, fmt.Errorf("TURN_PORT %d: %w", c.Port, err)
	}
	tcp, err := net.Listen("tcp4", addr)
	if err != nil {
		closeListeners(cfg)
		return cfg, nil, fmt.Errorf("TURN_PORT %d (TCP): %w", c.Port, err)
	}
	cfg.ListenerConfigs = []pionturn.ListenerConfig{{Listener: tcp, RelayAddressGenerator: relay, PermissionHandler: allow}}
	urls := []string{c.url("turn", c.Port, "udp"), c.url("turn", c.Port, "tcp")}
	if c.TLSCert != "" {
		l, err := c.listenTLS()
		if err != nil {
			closeListeners(cfg)
			return cfg, nil, err
		}
		cfg.ListenerConfigs = append(cfg.ListenerConfigs, pionturn.ListenerConfig{Listener: l, RelayAddressGenerator: relay, PermissionHandler: allow})
		urls = append(urls, c.url("turns", c.TLSPort, "tcp"))
	}
	return cfg, urls, nil
}

// closeListeners closes the sockets listen opened.
func closeListeners(cfg pionturn.ServerConfig) {
	for _, p := range cfg.PacketConnConfigs {
		p.PacketConn.Close()
	}
	for _, l := range cfg.ListenerConfigs {
		l.Listener.Close()
	}
}

// guard is the server's gatekeeper for these settings.
func (c Config) guard() *guard {
	g := &guard{secret: c.Secret, max: c.MaxAllocations, now: c.Now, allowed: c.Allowed, log: c.Log,
		allocs: newAllocations(), verdicts: map[int64]verdict{}}
	if g.max <= 0 {
		g.max = DefaultMaxAllocations
	}
	if g.now == nil {
		g.now = time.Now
	}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	return g
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

// URLs are the server's addresses for browsers.
func (s *Server) URLs() []string { return s.urls }

// Allocations is how many relays are open.
func (s *Server) Allocations() int { return s.srv.AllocationCount() }

// Sweep asks whether the users who hold relays are still allowed, and
// closes the relays of those who are not. The server sweeps by itself
// every SweepEvery; this is the run-now entry.
func (s *Server) Sweep(ctx context.Context) error {
	s.guard.allocs.lapseAll(time.Now())
	if err := s.guard.check(ctx, s.guard.allocs.users()); err != nil {
		return fmt.Errorf("TURN: are the users who hold relays allowed: %w", err)
	}
	return nil
}

// Recheck asks at once whether the user is still allowed, for a change
// that must count now (a user disabled): if not, their relays close and
// their credentials are refused from then on. A user who is still allowed
// keeps their relays.
func (s *Server) Recheck(ctx context.Context, userID int64) error {
	if err := s.guard.check(ctx, []int64{userID}); err != nil {
		return fmt.Errorf("TURN: is user %d allowed: %w", userID, err)
	}
	return nil
}

// sweep runs Sweep every interval until ctx ends.
func (s *Server) sweep(ctx context.Context, every time.Duration) {
	defer close(s.stopped)
	app.Every(ctx, every, func(ctx context.Context) {
		if err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.guard.log.Warn("TURN sweep", "err", err)
		}
	})
}

// Close stops the server and its relays.
func (s *Server) Close() error {
	s.stop()
	<-s.stopped
	return s.srv.Close()
}

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
