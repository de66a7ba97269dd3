package server

import (
	"log/slog"
	"net"

	"rapport/internal/coaching"
	"rapport/internal/config"
	"rapport/internal/diagnose"
	"rapport/internal/turn"
	"rapport/internal/web"
)

// TURNConfig is the embedded TURN server the settings describe (TURN_PORT
// and the rest), with every user allowed until the caller says otherwise:
// on loopback when media is, relaying to this server's own addresses,
// reached by browsers at cfg.TURNHost().
func TURNConfig(cfg *config.Config, log *slog.Logger) turn.Config {
	w, t := cfg.WebRTC, cfg.WebRTC.TURN
	listen := "0.0.0.0"
	if w.LoopbackOnly {
		listen = "127.0.0.1"
	}
	return turn.Config{ListenIP: listen, Port: t.Port, TLSPort: t.TLSPort, TLSCert: t.TLSCert, TLSKey: t.TLSKey,
		RelayIP: net.ParseIP(t.RelayIP), Host: cfg.TURNHost(), Realm: "rapport", Secret: t.Secret,
		OwnIPs: turn.OwnIPs(w.LoopbackOnly, w.PublicIPs...), MaxAllocations: t.MaxAllocations, Log: log}
}

// DiagnoseOptions are the settings `rapport diagnose` checks.
func DiagnoseOptions(cfg *config.Config) diagnose.Options {
	w, t := cfg.WebRTC, cfg.WebRTC.TURN
	o := diagnose.Options{PublicURL: cfg.PublicURL, Loopback: cfg.Loopback(),
		UDPPort: w.UDPPort, UDPPortMin: w.UDPPortMin, UDPPortMax: w.UDPPortMax, TCPPort: w.TCPPort,
		LoopbackOnly: w.LoopbackOnly, PublicIPs: w.PublicIPs, STUNURLs: w.STUNURLs,
		TURNURLs: t.URLs, TURNSecret: t.Secret, TwilioSID: t.TwilioSID, TwilioToken: t.TwilioToken}
	if t.Port > 0 {
		o.TURN = TURNConfig(cfg, nil)
	}
	return o
}

// WebSettings are what the web layer reads of the settings.
func WebSettings(cfg *config.Config) web.Settings {
	return web.Settings{PublicURL: cfg.PublicURL, ProviderName: cfg.SignIn.ProviderName, SecureCookies: cfg.SecureCookies(),
		DevSignIn: cfg.DevSignIn(), MailSends: cfg.Mail.Sends(), MetricsToken: cfg.Limits.MetricsToken, LoadTest: cfg.LoadTest,
		CallMode: coaching.CallMode(cfg.CallMode), TrustedProxies: cfg.Limits.TrustedProxies, AuditRetention: cfg.Retention.Audit}
}
