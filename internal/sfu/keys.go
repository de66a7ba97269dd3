package sfu

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/pion/dtls/v3"
	"github.com/pion/dtls/v3/pkg/crypto/prf"
	"github.com/pion/dtls/v3/pkg/protocol/extension"
	"github.com/pion/dtls/v3/pkg/protocol/handshake"
	"github.com/pion/srtp/v3"
)

// dtlsKeys learns the SRTP keys of one peer connection's DTLS handshake,
// in which the SFU is the server, so that the fast path (fastPath) can
// decrypt and encrypt media on the socket's own goroutine. pion/webrtc keeps
// its DTLS connection to itself; what it offers is a key log (the client's
// random and the master secret, as NSS writes them) and a hook on the
// server's hello (its random, the cipher suite and the SRTP profile chosen).
// From those, the keys are exported as RFC 5764 says, as pion does itself.
type dtlsKeys struct {
	mu           sync.Mutex
	serverRandom []byte
	clientRandom []byte
	master       []byte
	suite        dtls.CipherSuiteID
	profile      srtp.ProtectionProfile
}

// serverHello notes what the server's hello chose (a dtls ServerHello
// message hook); the message goes out unchanged.
func (k *dtlsKeys) serverHello(m handshake.MessageServerHello) handshake.Message {
	random := m.Random.MarshalFixed()
	k.mu.Lock()
	defer k.mu.Unlock()
	k.serverRandom = random[:]
	if m.CipherSuiteID != nil {
		k.suite = dtls.CipherSuiteID(*m.CipherSuiteID)
	}
	for _, e := range m.Extensions {
		if u, ok := e.(*extension.UseSRTP); ok && len(u.ProtectionProfiles) == 1 {
			k.profile = srtp.ProtectionProfile(u.ProtectionProfiles[0])
		}
	}
	return &m
}

// Write takes the key log's lines: "CLIENT_RANDOM <client random> <master
// secret>", in hex.
func (k *dtlsKeys) Write(line []byte) (int, error) {
	fields := strings.Fields(string(bytes.TrimSpace(line)))
	if len(fields) != 3 || fields[0] != "CLIENT_RANDOM" {
		return len(line), nil
	}
	random, err1 := hex.DecodeString(fields[1])
	master, err2 := hex.DecodeString(fields[2])
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("a DTLS key log line: %w", err)
	}
	k.mu.Lock()
	k.clientRandom, k.master = random, master
	k.mu.Unlock()
	return len(line), nil
}

// errNoKeys says the handshake did not give what the keys are made from:
// the SFU was not the DTLS server, or the handshake has not ended.
var errNoKeys = errors.New("the DTLS handshake's keys are not known")

// contexts makes the SRTP contexts of the connection: what the SFU sends
// is encrypted with local, what it receives decrypted with remote.
func (k *dtlsKeys) contexts() (local, remote *srtp.Context, err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.serverRandom) == 0 || len(k.clientRandom) == 0 || len(k.master) == 0 || k.profile == 0 {
		return nil, nil, errNoKeys
	}
	cfg := srtp.Config{Profile: k.profile}
	if err := cfg.ExtractSessionKeysFromDTLS(k, false); err != nil {
		return nil, nil, err
	}
	local, err = srtp.CreateContext(cfg.Keys.LocalMasterKey, cfg.Keys.LocalMasterSalt, k.profile)
	if err != nil {
		return nil, nil, err
	}
	// Received packets may have their header extensions encrypted (RFC
	// 9335, which pion negotiates) or not: both are taken.
	remote, err = srtp.CreateContext(cfg.Keys.RemoteMasterKey, cfg.Keys.RemoteMasterSalt, k.profile,
		srtp.SRTPReplayProtection(srtpReplayWindow), srtp.Cryptex(srtp.CryptexModeEnabled))
	return local, remote, err
}

// srtpReplayWindow is how many packets back the fast path accepts one late,
// as pion's own sessions do by default.
const srtpReplayWindow = 64

// ExportKeyingMaterial is RFC 5705's exporter, for the server's side (k.mu
// is held by contexts, its only caller).
func (k *dtlsKeys) ExportKeyingMaterial(label string, context []byte, length int) ([]byte, error) {
	if len(context) != 0 {
		return nil, errors.New("an exporter context is not supported")
	}
	seed := append(append([]byte(label), k.clientRandom...), k.serverRandom...)
	return prf.PHash(k.master, seed, length, k.hash())
}

// hash is the PRF's hash of the cipher suite: SHA-384 for the suites that
// name it, SHA-256 for every other TLS 1.2 suite.
func (k *dtlsKeys) hash() prf.HashFunc {
	if strings.HasSuffix(dtls.CipherSuiteName(k.suite), "SHA384") {
		return sha512.New384
	}
	return sha256.New
}
