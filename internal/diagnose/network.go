package diagnose

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"

	pionturn "github.com/pion/turn/v4"

	"rapport/internal/turn"
	"rapport/internal/udpbuf"
)

// checkUDP: the port media comes in on can be had, or is held by a running
// server.
func checkUDP(_ context.Context, w Options, _ *slog.Logger) Check {
	c := Check{Name: "UDP ports for media"}
	switch {
	case w.UDPPort > 0:
		return portCheck(c, "udp", w.UDPPort, "WEBRTC_UDP_PORT")
	case w.UDPPortMin > 0:
		c.Status, c.Detail = OK, fmt.Sprintf("a port per call from %d-%d", w.UDPPortMin, w.UDPPortMax)
		if w.UDPPortMax-w.UDPPortMin < 20 {
			c.Status = Warn
			c.Fix = "each participant of each call takes a port: widen WEBRTC_UDP_PORTS, or use one port with WEBRTC_UDP_PORT"
		}
	case w.LoopbackOnly:
		c.Status, c.Detail = OK, "media on loopback only; any free port will do"
	default:
		c.Status, c.Detail = Warn, "a port per call from the system's whole ephemeral range"
		c.Fix = "set WEBRTC_UDP_PORT (one port for every call, like 7882) and open it in the firewall"
	}
	return c
}

// checkUDPBuffers: the kernel gives media sockets the receive buffer the
// SFU asks for, so that a busy moment does not lose packets.
func checkUDPBuffers(_ context.Context, _ Options, _ *slog.Logger) Check {
	c := Check{Name: "UDP socket buffers"}
	granted, err := udpbuf.Granted()
	switch {
	case err != nil:
		c.Status, c.Detail = Warn, err.Error()
	case granted == 0:
		c.Status, c.Detail = Skip, "this system does not say what it grants"
	case udpbuf.Advice(granted) != "":
		c.Status, c.Detail = Warn, fmt.Sprintf("%d KiB of the %d KiB asked for", granted>>10, udpbuf.Size>>10)
		c.Fix = "a busy moment will lose media packets: " + udpbuf.Fix + " (and in /etc/sysctl.d to keep it)"
	default:
		c.Status, c.Detail = OK, fmt.Sprintf("%d KiB for each media socket", granted>>10)
	}
	return c
}

// checkTCP: ICE over TCP, for networks that block UDP.
func checkTCP(_ context.Context, o Options, _ *slog.Logger) Check {
	c := Check{Name: "TCP port for media"}
	if o.TCPPort == 0 {
		c.Status, c.Detail = Skip, "off"
		if !o.LoopbackOnly && !o.turnEnabled() {
			c.Status = Warn
			c.Fix = "networks that block UDP can reach calls only over TCP: set WEBRTC_TCP_PORT (like 7881) or a TURN server"
		}
		return c
	}
	return portCheck(c, "tcp", o.TCPPort, "WEBRTC_TCP_PORT")
}

// portCheck binds a port for a moment: free is fine, in use is fine if a
// running server has it.
func portCheck(c Check, network string, port int, setting string) Check {
	addr := ":" + strconv.Itoa(port)
	var err error
	if network == "udp" {
		var pc net.PacketConn
		if pc, err = net.ListenPacket("udp", addr); err == nil {
			pc.Close()
		}
	} else {
		var l net.Listener
		if l, err = net.Listen("tcp", addr); err == nil {
			l.Close()
		}
	}
	switch {
	case err == nil:
		c.Status, c.Detail = OK, fmt.Sprintf("%s %d is free for the server", strings.ToUpper(network), port)
	case errors.Is(err, syscall.EADDRINUSE):
		c.Status, c.Detail = Warn, fmt.Sprintf("%s %d is in use", strings.ToUpper(network), port)
		c.Fix = "fine if a Rapport server is running; otherwise another program holds it: stop it or change " + setting
	default:
		c.Status, c.Detail = Fail, fmt.Sprintf("%s %d: %v", strings.ToUpper(network), port, err)
		c.Fix = "choose another " + setting + " (ports below 1024 need privileges)"
	}
	return c
}

// checkPublicAddress asks the STUN server what address this machine's
// packets come from, and compares it with WEBRTC_PUBLIC_IP.
func checkPublicAddress(_ context.Context, w Options, _ *slog.Logger) Check {
	c := Check{Name: "public address (STUN)"}
	if w.LoopbackOnly {
		c.Status, c.Detail = Skip, "media on loopback only"
		return c
	}
	if len(w.STUNURLs) == 0 {
		c.Status, c.Detail = Skip, "no STUN server is set"
		if len(w.PublicIPs) == 0 {
			c.Status, c.Fix = Warn, "behind NAT, set WEBRTC_PUBLIC_IP to the public address; set STUN_URLS to check it"
		}
		return c
	}
	server := strings.TrimPrefix(strings.TrimPrefix(w.STUNURLs[0], "stun:"), "stuns:")
	mapped, err := stunBinding(server)
	if err != nil {
		c.Status, c.Detail = Fail, fmt.Sprintf("no answer from %s: %v", server, err)
		c.Fix = "check that outgoing UDP to the STUN server is allowed, and STUN_URLS"
		return c
	}
	c.Status, c.Detail = OK, "this machine is seen as "+mapped.IP.String()
	if len(w.PublicIPs) > 0 && !containsIP(w.PublicIPs, mapped.IP) {
		c.Status = Warn
		c.Fix = fmt.Sprintf("WEBRTC_PUBLIC_IP is %s but the STUN server sees %s: set it to what browsers reach", strings.Join(w.PublicIPs, ","), mapped.IP)
	}
	return c
}

func containsIP(list []string, ip net.IP) bool {
	for _, s := range list {
		if net.ParseIP(s).Equal(ip) {
			return true
		}
	}
	return false
}

// stunBinding sends one STUN binding request.
func stunBinding(server string) (*net.UDPAddr, error) {
	conn, err := net.ListenPacket("udp4", ":0")
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	client, err := pionturn.NewClient(&pionturn.ClientConfig{STUNServerAddr: server, Conn: conn, RTO: 500 * time.Millisecond})
	if err != nil {
		return nil, err
	}
	defer client.Close()
	if err := client.Listen(); err != nil {
		return nil, err
	}
	addr, err := client.SendBindingRequest()
	if err != nil {
		return nil, err
	}
	u, ok := addr.(*net.UDPAddr)
	if !ok {
		return nil, fmt.Errorf("unexpected address %v", addr)
	}
	return u, nil
}

// checkTURN allocates a relay on the TURN server browsers are given: the
// embedded one (the running server's, or one started for the check), the
// external one, or Twilio's.
func checkTURN(ctx context.Context, o Options, log *slog.Logger) Check {
	c := Check{Name: "TURN relay"}
	switch {
	case o.TURN.Port > 0:
		return embeddedTURN(c, o.TURN, log)
	case len(o.TURNURLs) > 0:
		user, pass := turn.Credentials(o.TURNSecret, 0, time.Now().Add(time.Minute))
		return allocateOn(c, o.TURNURLs, user, pass)
	case o.TwilioSID != "":
		tw := &turn.Twilio{AccountSID: o.TwilioSID, AuthToken: o.TwilioToken, TTL: time.Hour, Log: log}
		if _, err := tw.Refresh(ctx); err != nil {
			c.Status, c.Detail, c.Fix = Fail, "Twilio: "+err.Error(), "check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"
			return c
		}
		for _, s := range tw.ICEServers(0) {
			if strings.HasPrefix(s.URLs[0], "turn:") {
				return allocateOn(c, s.URLs, s.Username, s.Credential)
			}
		}
		c.Status, c.Detail = Fail, "Twilio's token has no TURN server"
		return c
	}
	c.Status, c.Detail = Skip, "no TURN server"
	if !o.LoopbackOnly {
		c.Status = Warn
		c.Fix = "people on networks that block UDP cannot join calls: run `rapport setup-webrtc` (the embedded TURN server), or set TURN_URLS or Twilio"
	}
	return c
}

// embeddedTURN checks the running server's TURN port, or starts the
// embedded server on it for the check.
func embeddedTURN(c Check, t turn.Config, log *slog.Logger) Check {
	addr := net.JoinHostPort(t.Host, strconv.Itoa(t.Port)) // where browsers are sent
	if l, err := net.ListenPacket("udp4", ":"+strconv.Itoa(t.Port)); err == nil {
		l.Close()
		t.Log = log
		srv, err := turn.Start(t)
		if err != nil {
			c.Status, c.Detail, c.Fix = Fail, err.Error(), "free TURN_PORT or choose another"
			return c
		}
		defer srv.Close()
	}
	user, pass := turn.Credentials(t.Secret, 0, time.Now().Add(time.Minute))
	return allocateOn(c, []string{"turn:" + addr + "?transport=udp"}, user, pass)
}

// allocateOn allocates a relay on the first UDP TURN URL.
func allocateOn(c Check, urls []string, user, pass string) Check {
	var server string
	for _, u := range urls {
		if strings.HasPrefix(u, "turn:") && !strings.Contains(u, "transport=tcp") {
			server = strings.TrimPrefix(u, "turn:")
			server, _, _ = strings.Cut(server, "?")
			break
		}
	}
	if server == "" {
		c.Status, c.Detail = Skip, "no UDP TURN URL to check"
		return c
	}
	conn, err := net.ListenPacket("udp4", ":0")
	if err != nil {
		c.Status, c.Detail = Fail, err.Error()
		return c
	}
	defer conn.Close()
	client, err := pionturn.NewClient(&pionturn.ClientConfig{TURNServerAddr: server, STUNServerAddr: server, Conn: conn,
		Username: user, Password: pass, RTO: 500 * time.Millisecond})
	if err == nil {
		err = client.Listen()
	}
	if err != nil {
		c.Status, c.Detail = Fail, fmt.Sprintf("%s: %v", server, err)
		return c
	}
	defer client.Close()
	relay, err := client.Allocate()
	if err != nil {
		c.Status, c.Detail = Fail, fmt.Sprintf("no relay from %s: %v", server, err)
		c.Fix = "check that the TURN port is open (UDP and TCP) and that the server shares TURN_SECRET"
		return c
	}
	defer relay.Close()
	c.Status, c.Detail = OK, fmt.Sprintf("%s gave a relay at %s", server, relay.LocalAddr())
	return c
}
