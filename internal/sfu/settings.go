// Package sfu is Rapport's selective forwarding unit, on pion/webrtc. Each
// participant has one PeerConnection with the server: it publishes its
// microphone, camera and screen, and receives everyone else's tracks.
// Negotiation travels over the room's signaling protocol; the server is the
// impolite side of the perfect negotiation pattern.
package sfu

import (
	"fmt"
	"log/slog"
	"net"
	"slices"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"rapport/internal/pionlog"
	"rapport/internal/udpbuf"
)

// Settings are the network settings of the SFU. The zero value gathers on
// every interface with ports the system picks.
type Settings struct {
	UDPPort      int      // one UDP port for every peer (ICE UDP mux); 0: a port per peer
	UDPPortMin   uint16   // with UDPPortMax, the range of per-peer ports; 0: any
	UDPPortMax   uint16   //
	TCPPort      int      // ICE over TCP on this port, for networks that block UDP; 0: off
	PublicIPs    []string // the public addresses of a host behind 1:1 NAT
	Interfaces   []string // the network interfaces to gather candidates on; empty: all
	LoopbackOnly bool     // gather loopback candidates only (test machines without a network)
}

// media is what every peer connection is made with: the codecs an SFU can
// forward to anyone (VP8, Opus), the RTCP interceptors and feedback, the
// network settings with the fast path's sockets. Each peer connection gets
// an API of its own from it (api), with its DTLS key log and its
// transport-wide feedback.
type media struct {
	engine   *webrtc.MediaEngine
	settings webrtc.SettingEngine
	feedback *twccFeedback
	reports  *reporter
	fast     *fastPath
}

// newMedia sets up what peer connections are made with. It returns what
// must be closed with the SFU (shared sockets, the RTCP tick's goroutine).
func newMedia(s Settings, log *slog.Logger) (*media, []func() error, error) {
	m := &media{engine: &webrtc.MediaEngine{}, fast: &fastPath{}}
	if err := registerCodecs(m.engine); err != nil {
		return nil, nil, err
	}
	if err := registerFeedback(m.engine); err != nil {
		return nil, nil, err
	}
	se, closers, err := settingEngine(s, log, m.fast)
	if err != nil {
		return nil, nil, err
	}
	m.settings = *se
	m.feedback, m.reports = &twccFeedback{}, &reporter{}
	stop := rtcpTicks(rtcpInterval, m.feedback.sendAll, m.reports.tick)
	return m, append(closers, stop), nil
}

// api is the webrtc.API of one peer connection: its DTLS handshake, in
// which the SFU is the server, tells keys its SRTP keys, and twcc sends its
// transport-wide feedback.
func (m *media) api(keys *dtlsKeys, twcc *twccPeer) *webrtc.API {
	se := m.settings
	se.SetDTLSKeyLogWriter(keys)
	se.SetDTLSServerHelloMessageHook(keys.serverHello)
	_ = se.SetAnsweringDTLSRole(webrtc.DTLSRoleServer) // a valid role: no error
	ir := &interceptor.Registry{}
	ir.Add(twcc)
	return webrtc.NewAPI(webrtc.WithMediaEngine(m.engine), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))
}

// registerFeedback negotiates the RTCP feedback the SFU takes and gives.
// Publishers are asked for lost packets (NACK) and sent receiver reports,
// and subscribers sent sender reports, by the reporter; subscribers' NACKs
// are answered from one cache per layer (packetCache).
// Transport-wide congestion control feedback goes to publishers (their
// browsers' send-side bandwidth estimation), recorded as packets are read
// and sent on one tick for every peer (twccFeedback). The transport-cc
// header extension is negotiated for what the SFU receives only: what it
// sends carries none, so subscribers' browsers estimate their own downlink
// and report it with REMB. pion's stats interceptor is left out: it costs a
// lock and a record per packet, and the SFU keeps its own counters.
func registerFeedback(m *webrtc.MediaEngine) error {
	m.RegisterFeedback(webrtc.RTCPFeedback{Type: "nack"}, webrtc.RTPCodecTypeVideo)
	m.RegisterFeedback(webrtc.RTCPFeedback{Type: "nack", Parameter: "pli"}, webrtc.RTPCodecTypeVideo)
	if err := webrtc.ConfigureSimulcastExtensionHeaders(m); err != nil {
		return err
	}
	for _, kind := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo, webrtc.RTPCodecTypeAudio} {
		m.RegisterFeedback(webrtc.RTCPFeedback{Type: webrtc.TypeRTCPFBTransportCC}, kind)
		if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: sdp.TransportCCURI}, kind,
			webrtc.RTPTransceiverDirectionRecvonly); err != nil {
			return err
		}
	}
	return nil
}

// Codecs the SFU negotiates. One video and one audio codec, so that what a
// publisher sends every subscriber can decode.
var (
	videoCodec = webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000,
			RTCPFeedback: []webrtc.RTCPFeedback{{Type: "goog-remb"}, {Type: "ccm", Parameter: "fir"}}},
		PayloadType: 96,
	}
	audioCodec = webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000,
			Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"},
		PayloadType: 111,
	}
)

// AudioLevelURI is the RTP header extension that carries a packet's audio
// level (RFC 6464); it drives active-speaker detection.
const AudioLevelURI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"

func registerCodecs(m *webrtc.MediaEngine) error {
	if err := m.RegisterCodec(videoCodec, webrtc.RTPCodecTypeVideo); err != nil {
		return err
	}
	if err := m.RegisterCodec(audioCodec, webrtc.RTPCodecTypeAudio); err != nil {
		return err
	}
	return m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: AudioLevelURI}, webrtc.RTPCodecTypeAudio)
}

// settingEngine turns Settings into pion's SettingEngine, whose sockets
// pass through the fast path.
func settingEngine(s Settings, log *slog.Logger, fast *fastPath) (*webrtc.SettingEngine, []func() error, error) {
	se := &webrtc.SettingEngine{}
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.LoggerFactory = pionlog.Factory(log)
	enlarged, err := udpbuf.NewNet()
	if err != nil {
		return nil, nil, fmt.Errorf("the network: %w", err)
	}
	network := &fastNet{Net: enlarged, path: fast}
	se.SetNet(network)
	var closers []func() error
	types := []webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6}
	if s.LoopbackOnly {
		se.SetIncludeLoopbackCandidate(true)
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
		types = []webrtc.NetworkType{webrtc.NetworkTypeUDP4}
	}
	if len(s.Interfaces) > 0 {
		se.SetInterfaceFilter(func(name string) bool { return slices.Contains(s.Interfaces, name) })
	}
	if len(s.PublicIPs) > 0 {
		se.SetNAT1To1IPs(s.PublicIPs, webrtc.ICECandidateTypeHost)
	}
	switch {
	case s.UDPPort > 0:
		mux, err := ice.NewMultiUDPMuxFromPort(s.UDPPort, append(udpMuxOptions(s), ice.UDPMuxFromPortWithNet(network))...)
		if err != nil {
			return nil, nil, fmt.Errorf("WEBRTC_UDP_PORT %d: %w", s.UDPPort, err)
		}
		se.SetICEUDPMux(mux)
		closers = append(closers, mux.Close)
	case s.UDPPortMin > 0 || s.UDPPortMax > 0:
		if err := se.SetEphemeralUDPPortRange(s.UDPPortMin, s.UDPPortMax); err != nil {
			return nil, nil, fmt.Errorf("WEBRTC_UDP_PORTS %d-%d: %w", s.UDPPortMin, s.UDPPortMax, err)
		}
	}
	if s.TCPPort > 0 {
		l, err := net.ListenTCP("tcp", &net.TCPAddr{Port: s.TCPPort})
		if err != nil {
			return nil, nil, fmt.Errorf("WEBRTC_TCP_PORT %d: %w", s.TCPPort, err)
		}
		se.SetICETCPMux(webrtc.NewICETCPMux(nil, l, 64))
		closers = append(closers, l.Close)
		types = append(types, webrtc.NetworkTypeTCP4, webrtc.NetworkTypeTCP6)
	}
	se.SetNetworkTypes(types)
	return se, closers, nil
}

// udpMuxOptions narrows the shared UDP port to the interfaces and addresses
// the settings allow.
func udpMuxOptions(s Settings) []ice.UDPMuxFromPortOption {
	var opts []ice.UDPMuxFromPortOption
	if s.LoopbackOnly {
		opts = append(opts, ice.UDPMuxFromPortWithLoopback(),
			ice.UDPMuxFromPortWithIPFilter(func(ip net.IP) bool { return ip.IsLoopback() }),
			ice.UDPMuxFromPortWithNetworks(ice.NetworkTypeUDP4))
	}
	if len(s.Interfaces) > 0 {
		opts = append(opts, ice.UDPMuxFromPortWithInterfaceFilter(func(name string) bool { return slices.Contains(s.Interfaces, name) }))
	}
	return opts
}
