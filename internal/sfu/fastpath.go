package sfu

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
	"github.com/pion/transport/v5"
	"github.com/pion/webrtc/v4"

	"rapport/internal/udpbatch"
	"rapport/internal/udpbuf"
)

// fastPath takes a publisher's media from the socket it arrives on and
// forwards it on that goroutine: it decrypts the packet with the
// connection's SRTP keys (dtlsKeys) and hands it to the track's forwarder,
// which encrypts each subscriber's copy with that subscriber's keys and
// writes it to its socket (fastLink.send).
// On pion's own path a packet passes from the socket's goroutine to ICE's,
// to the DTLS/SRTP demultiplexer's, to the SRTP session's, to the track's
// reader: four hand-offs, each a wake-up of a goroutine. What the fast path
// does not know (STUN, DTLS, RTCP, a stream not yet published, an address
// that is not the connection's selected one) goes on to pion as before.
type fastPath struct {
	links   sync.Map // linkKey -> *fastLink
	conns   sync.Map // netip.AddrPort (local) -> *fastConn
	packets atomic.Uint64
}

// linkKey is a connection's 5-tuple as the fast path sees it: the socket
// and the remote address (an IPv4 one as such, not mapped into IPv6).
type linkKey struct {
	conn *fastConn
	from netip.AddrPort
}

// keyFor is the linkKey of a packet from addr on c: an IPv4 address that a
// dual-stack socket reports mapped into IPv6 is taken as itself.
func keyFor(c *fastConn, addr netip.Addr, port uint16) linkKey {
	return linkKey{c, netip.AddrPortFrom(addr.Unmap(), port)}
}

// fastNet is the SFU's network: pion's, with enlarged sockets that pass
// through the fast path.
type fastNet struct {
	*udpbuf.Net
	path *fastPath
}

// ListenUDP opens a UDP socket whose reads go through the fast path.
func (n *fastNet) ListenUDP(network string, addr *net.UDPAddr) (transport.UDPConn, error) {
	c, err := n.Net.ListenUDP(network, addr)
	if err != nil {
		return nil, err
	}
	udp, ok := c.(*net.UDPConn)
	if !ok {
		return c, nil
	}
	reader, err := udpbatch.NewReader(udp, readBatch)
	if err != nil {
		udp.Close()
		return nil, err
	}
	fc := &fastConn{UDPConn: udp, path: n.path, reader: reader}
	n.path.conns.Store(udp.LocalAddr().(*net.UDPAddr).AddrPort(), fc)
	return fc, nil
}

// readBatch is how many waiting packets one read of a socket takes: a
// camera's frame arrives as a burst of packets, and one shared socket
// (Settings.UDPPort) carries every peer's.
const readBatch = 16

// fastConn is a socket of the SFU's: what it reads goes to the fast path
// first. It reads in batches (one recvmmsg for every packet waiting), and
// reads and writes with netip addresses, as pion's ICE prefers.
type fastConn struct {
	*net.UDPConn
	path *fastPath

	readMu sync.Mutex // pion reads a socket from one goroutine; this makes sure
	reader *udpbatch.Reader
}

// ReadFromAddrPort reads the next packet that the fast path does not take.
func (c *fastConn) ReadFromAddrPort(b []byte) (int, netip.AddrPort, error) {
	c.readMu.Lock()
	defer c.readMu.Unlock()
	for {
		d, from, err := c.reader.Next()
		if err != nil {
			return 0, from, err
		}
		if !c.path.take(c, d, from) {
			return copy(b, d), from, nil
		}
	}
}

// WriteToAddrPort writes a packet to addr.
func (c *fastConn) WriteToAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	return c.WriteToUDPAddrPort(b, addr)
}

// ReadFrom reads the next packet that the fast path does not take.
func (c *fastConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, from, err := c.ReadFromAddrPort(b)
	if err != nil {
		return n, nil, err
	}
	return n, net.UDPAddrFromAddrPort(from), nil
}

// Close closes the socket and forgets it.
func (c *fastConn) Close() error {
	if ap, ok := c.LocalAddr().(*net.UDPAddr); ok {
		c.path.conns.CompareAndDelete(ap.AddrPort(), c)
	}
	return c.UDPConn.Close()
}

// fastLink is one peer connection on the fast path: where its packets come
// from and go to, and its SRTP contexts.
type fastLink struct {
	peer *Peer
	key  linkKey // under mu and txMu: either is enough to read it

	mu      sync.Mutex // the SRTP context and the header it parses into
	rx      *srtp.Context
	hdr     rtp.Header
	streams map[uint32]*layer // by SSRC; written under peer.tracksMu and mu

	txMu   sync.Mutex // what the SFU sends the peer: its SRTP context and buffers
	tx     *srtp.Context
	txHdr  rtp.Header
	plain  []byte
	sealed []byte
}

// send encrypts a packet for the peer and writes it to the peer's address
// from the connection's socket: none of pion's goroutines or locks.
func (link *fastLink) send(h *rtp.Header, payload []byte) error {
	link.txMu.Lock()
	defer link.txMu.Unlock()
	if link.key.conn == nil {
		return errUnlinked
	}
	n, err := h.MarshalTo(link.plain)
	if err != nil {
		return err
	}
	if n+len(payload) > len(link.plain) {
		return errTooLarge
	}
	n += copy(link.plain[n:], payload)
	out, err := link.tx.EncryptRTP(link.sealed[:0], link.plain[:n], &link.txHdr)
	if err != nil {
		return err
	}
	link.sealed = out[:0]
	_, err = link.key.conn.WriteToUDPAddrPort(out, link.key.from)
	return err
}

// sendRTCP encrypts RTCP packets for the peer and writes them from the
// connection's socket. Only the transport-wide feedback goes this way (see
// twccPeer.send for why no other RTCP may).
func (link *fastLink) sendRTCP(pkts []rtcp.Packet) error {
	raw, err := rtcp.Marshal(pkts)
	if err != nil {
		return err
	}
	link.txMu.Lock()
	defer link.txMu.Unlock()
	if link.key.conn == nil {
		return errUnlinked
	}
	out, err := link.tx.EncryptRTCP(link.sealed[:0], raw, nil)
	if err != nil {
		return err
	}
	link.sealed = out[:0]
	_, err = link.key.conn.WriteToUDPAddrPort(out, link.key.from)
	return err
}

// errUnlinked is a packet for a connection that has just left the fast
// path: lost, as on a network that changes.
var errUnlinked = errors.New("sfu: the connection has left the fast path")

// errTooLarge refuses a packet larger than a UDP datagram the SFU sends.
var errTooLarge = errors.New("sfu: an RTP packet larger than 1500 bytes")

// take handles a packet if it is SRTP of a stream the fast path knows, and
// reports whether it did.
func (fp *fastPath) take(c *fastConn, b []byte, from netip.AddrPort) bool {
	if len(b) < 12 || b[0]>>6 != 2 || (b[1] >= 192 && b[1] <= 223) {
		return false // not RTP: STUN, DTLS, RTCP
	}
	v, ok := fp.links.Load(keyFor(c, from.Addr(), from.Port()))
	if !ok {
		return false
	}
	link := v.(*fastLink)
	ssrc := binary.BigEndian.Uint32(b[8:12])
	link.mu.Lock()
	l := link.streams[ssrc]
	if l == nil {
		link.mu.Unlock()
		return false
	}
	plain, err := link.rx.DecryptRTP(b[:0], b, &link.hdr)
	if err == nil {
		link.peer.twcc.recordHeader(ssrc, &link.hdr, l.twccExt)
	}
	link.mu.Unlock()
	if err == nil { // a replayed or forged packet is dropped, as pion would
		l.fwd.forwardLocked(l, plain)
		fp.packets.Add(1)
	}
	return true
}

// link puts a peer connection on the fast path once its DTLS handshake has
// ended, on its selected candidate pair; it is called again when that pair
// changes (an ICE restart, a network change), and moves the link, whose
// SRTP contexts (their rollover counts) live as long as the connection. A
// connection whose keys are not known, or whose pair is not on one of the
// SFU's UDP sockets (ICE over TCP), is on pion's path.
func (fp *fastPath) link(p *Peer) {
	key, ok := fp.keyOf(p.pc)
	if !ok {
		fp.unlink(p)
		return
	}
	p.tracksMu.Lock()
	defer p.tracksMu.Unlock()
	if p.Closed() {
		return
	}
	link := p.linked
	if link == nil {
		local, remote, err := p.keys.contexts()
		if err != nil {
			return
		}
		link = &fastLink{peer: p, rx: remote, streams: map[uint32]*layer{},
			tx: local, plain: make([]byte, 1500), sealed: make([]byte, 0, 1600)}
		p.linked = link
	}
	for _, f := range p.tracks {
		for i := range f.layers {
			if l := f.layers[i].Load(); l != nil && l.ssrc != 0 {
				link.mu.Lock()
				link.streams[l.ssrc] = l
				link.mu.Unlock()
			}
		}
	}
	if old := link.moveTo(key); old != (linkKey{}) {
		fp.links.CompareAndDelete(old, link)
	}
	fp.links.Store(key, link)
	p.fast.Store(link)
}

// moveTo changes where the link's packets come from and go to; it returns
// where they did.
func (link *fastLink) moveTo(key linkKey) linkKey {
	link.mu.Lock()
	defer link.mu.Unlock()
	link.txMu.Lock()
	defer link.txMu.Unlock()
	old := link.key
	link.key = key
	return old
}

// unlink takes a peer connection off the fast path.
func (fp *fastPath) unlink(p *Peer) {
	p.tracksMu.Lock()
	defer p.tracksMu.Unlock()
	if link := p.fast.Swap(nil); link != nil {
		fp.links.CompareAndDelete(link.moveTo(linkKey{}), link)
	}
}

// addStream lets the fast path take a published layer's packets. p.tracksMu
// is held.
func (p *Peer) addStream(l *layer) {
	link := p.fast.Load()
	if link == nil || l.ssrc == 0 {
		return
	}
	link.mu.Lock()
	link.streams[l.ssrc] = l
	link.mu.Unlock()
}

// keyOf finds the socket and remote address of a connection's selected
// candidate pair.
func (fp *fastPath) keyOf(pc *webrtc.PeerConnection) (linkKey, bool) {
	sctp := pc.SCTP()
	if sctp == nil {
		return linkKey{}, false
	}
	pair, err := sctp.Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil || pair == nil || pair.Local.Protocol != webrtc.ICEProtocolUDP {
		return linkKey{}, false
	}
	localAddr, err1 := netip.ParseAddr(pair.Local.Address)
	remoteAddr, err2 := netip.ParseAddr(pair.Remote.Address)
	if err1 != nil || err2 != nil {
		return linkKey{}, false
	}
	c, ok := fp.conns.Load(netip.AddrPortFrom(localAddr, pair.Local.Port))
	if !ok {
		c, ok = fp.conns.Load(netip.AddrPortFrom(netip.IPv4Unspecified(), pair.Local.Port))
	}
	if !ok {
		return linkKey{}, false
	}
	return keyFor(c.(*fastConn), remoteAddr, pair.Remote.Port), true
}
