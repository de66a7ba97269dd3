package sfu

import (
	"errors"
	"testing"
)

// TestDTLSKeysReadTheKeyLog: the key log's CLIENT_RANDOM line gives the
// client's random and the master secret; other lines are left alone, and
// a line that is not hex is an error.
func TestDTLSKeysReadTheKeyLog(t *testing.T) {
	var k dtlsKeys
	if _, _, err := k.contexts(); !errors.Is(err, errNoKeys) {
		t.Fatalf("contexts before the handshake: %v, want errNoKeys", err)
	}
	if n, err := k.Write([]byte("CLIENT_HANDSHAKE_TRAFFIC_SECRET aa bb\n")); err != nil || n == 0 {
		t.Fatalf("another label: %d, %v", n, err)
	}
	if _, err := k.Write([]byte("CLIENT_RANDOM zz 00\n")); err == nil {
		t.Fatal("a random that is not hex was taken")
	}
	if _, err := k.Write([]byte("CLIENT_RANDOM 0102 0a0b0c\n")); err != nil {
		t.Fatal(err)
	}
	if string(k.clientRandom) != "\x01\x02" || string(k.master) != "\x0a\x0b\x0c" {
		t.Fatalf("client random %x, master %x", k.clientRandom, k.master)
	}
	if _, _, err := k.contexts(); !errors.Is(err, errNoKeys) {
		t.Fatalf("contexts without the server's hello: %v, want errNoKeys", err)
	}
}
