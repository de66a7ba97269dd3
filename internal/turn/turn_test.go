package turn

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"rapport/internal/porttest"
	"strconv"
	"strings"
	"testing"
	"time"

	pionturn "github.com/pion/turn/v4"
)

func TestCredentialsExpireAndNeedTheSecret(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	user, pass := Credentials("s3cret", 42, now.Add(time.Hour))
	if user != "1800003600:42" {
		t.Fatalf("username %q, want expiry:user", user)
	}
	if got, ok := Check("s3cret", user, now); !ok || got != pass {
		t.Fatalf("a fresh credential: %q %v", got, ok)
	}
	if _, ok := Check("s3cret", user, now.Add(2*time.Hour)); ok {
		t.Fatal("an expired credential was accepted")
	}
	if got, _ := Check("other", user, now); got == pass {
		t.Fatal("another secret gives the same password")
	}
	for _, bad := range []string{"", "42", "soon:42", ":42"} {
		if _, ok := Check("s3cret", bad, now); ok {
			t.Fatalf("username %q accepted", bad)
		}
	}
}

// startTURN runs the embedded server on a free loopback port; opts change
// its Config first.
func startTURN(t *testing.T, opts ...func(*Config)) (*Server, string) {
	t.Helper()
	port := porttest.Free(t)
	c := Config{ListenIP: "127.0.0.1", Port: port, RelayIP: net.IPv4(127, 0, 0, 1), Host: "127.0.0.1",
		Realm: "rapport", Secret: "s3cret", OwnIPs: []net.IP{net.IPv4(127, 0, 0, 1)}}
	for _, o := range opts {
		o(&c)
	}
	s, err := Start(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
}

// allocate asks the server for a relay as a browser would.
func allocate(t *testing.T, server, user, pass string) (*pionturn.Client, net.PacketConn, error) {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c, err := pionturn.NewClient(&pionturn.ClientConfig{TURNServerAddr: server, STUNServerAddr: server,
		Username: user, Password: pass, Realm: "rapport", Conn: conn, RTO: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); conn.Close() })
	relay, err := c.Allocate()
	if err == nil { // its refresh timers end with it (goleak)
		t.Cleanup(func() { relay.Close() })
	}
	return c, relay, err
}

func TestEmbeddedServerRelaysToItsOwnAddressesOnly(t *testing.T) {
	s, addr := startTURN(t)
	if got := strings.Join(s.URLs(), " "); !strings.Contains(got, "turn:127.0.0.1:") || !strings.Contains(got, "?transport=tcp") {
		t.Fatalf("URLs %s", got)
	}
	user, pass := Credentials("s3cret", 7, time.Now().Add(time.Minute))
	_, relay, err := allocate(t, addr, user, pass)
	if err != nil {
		t.Fatalf("allocate with valid credentials: %v", err)
	}
	if ip := relay.LocalAddr().(*net.UDPAddr).IP; !ip.Equal(net.IPv4(127, 0, 0, 1)) {
		t.Fatalf("relayed address %v, want the relay IP", ip)
	}
	if n := s.Allocations(); n != 1 {
		t.Fatalf("%d allocations, want 1", n)
	}

	// Relayed to a socket of this machine: it arrives.
	peer, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	if _, err := relay.WriteTo([]byte("hello"), peer.LocalAddr()); err != nil {
		t.Fatalf("relay to this machine: %v", err)
	}
	peer.SetReadDeadline(time.Now().Add(3 * time.Second))
	buf := make([]byte, 64)
	n, _, err := peer.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "hello" {
		t.Fatalf("the relayed packet: %q %v", buf[:n], err)
	}
	// To another host: refused, it is not an open relay.
	if _, err := relay.WriteTo([]byte("x"), &net.UDPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 9}); err == nil {
		t.Fatal("the server relayed to 192.0.2.1, an address that is not its own")
	}
}

func TestEmbeddedServerRefusesBadCredentials(t *testing.T) {
	_, addr := startTURN(t)
	expired, pass := Credentials("s3cret", 7, time.Now().Add(-time.Minute))
	if _, _, err := allocate(t, addr, expired, pass); err == nil {
		t.Fatal("an expired credential got a relay")
	}
	user, _ := Credentials("s3cret", 7, time.Now().Add(time.Minute))
	if _, _, err := allocate(t, addr, user, "guess"); err == nil {
		t.Fatal("a wrong password got a relay")
	}
}

func TestTwilioTokens(t *testing.T) {
	calls := 0
	twilio := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		sid, token, ok := r.BasicAuth()
		if r.Method != http.MethodPost || r.URL.Path != "/2010-04-01/Accounts/AC123/Tokens.json" {
			http.Error(w, `{"message":"not found"}`, http.StatusNotFound)
			return
		}
		if !ok || sid != "AC123" || token != "tok" {
			http.Error(w, `{"code":20003,"message":"Authenticate"}`, http.StatusUnauthorized)
			return
		}
		if r.FormValue("Ttl") != "3600" {
			http.Error(w, `{"message":"bad ttl"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte(`{"account_sid":"AC123","ttl":"3600","username":"u1","password":"p1",
			"ice_servers":[{"url":"stun:global.stun.twilio.com:3478","urls":"stun:global.stun.twilio.com:3478"},
			{"url":"turn:global.turn.twilio.com:3478?transport=udp","urls":"turn:global.turn.twilio.com:3478?transport=udp","username":"u1","credential":"p1"}]}`))
	}))
	defer twilio.Close()

	tw := &Twilio{AccountSID: "AC123", AuthToken: "tok", BaseURL: twilio.URL, TTL: time.Hour}
	if got := tw.ICEServers(1); len(got) != 0 {
		t.Fatalf("servers before the first token: %v", got)
	}
	ttl, err := tw.Refresh(context.Background())
	if err != nil || ttl != time.Hour {
		t.Fatalf("refresh: %v %v", ttl, err)
	}
	got := tw.ICEServers(1)
	if len(got) != 2 || got[1].URLs[0] != "turn:global.turn.twilio.com:3478?transport=udp" || got[1].Username != "u1" || got[1].Credential != "p1" {
		t.Fatalf("servers %+v", got)
	}
	bad := &Twilio{AccountSID: "AC123", AuthToken: "wrong", BaseURL: twilio.URL, TTL: time.Hour}
	if _, err := bad.Refresh(context.Background()); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("a wrong token: %v", err)
	}
	if calls != 2 {
		t.Fatalf("%d calls to Twilio, want 2", calls)
	}
}

func TestSharedSecretServersGiveEachUserTheirOwnCredentials(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s := &Shared{URLs: []string{"turn:turn.example.com:3478?transport=udp"}, Secret: "k", TTL: time.Hour, Now: func() time.Time { return now }}
	a, b := s.ICEServers(1)[0], s.ICEServers(2)[0]
	if a.Username == b.Username || a.Credential == b.Credential || a.Username != "1800003600:1" {
		t.Fatalf("users 1 and 2 got %+v and %+v", a, b)
	}
	if pass, ok := Check("k", a.Username, now); !ok || pass != a.Credential {
		t.Fatal("a coturn with the same secret would refuse the credential")
	}
}

func TestOwnIPsLeaveOutLoopbackAndLinkLocal(t *testing.T) {
	for _, ip := range OwnIPs(false, "203.0.113.7") {
		if ip.IsLoopback() || ip.IsLinkLocalUnicast() {
			t.Fatalf("%v is a relay destination: a relay could reach this machine's own services", ip)
		}
	}
	if got := OwnIPs(false, "203.0.113.7"); !got[len(got)-1].Equal(net.ParseIP("203.0.113.7")) {
		t.Fatalf("the public address is missing from %v", got)
	}
	if got := OwnIPs(true); len(got) != 1 || !got[0].Equal(net.IPv4(127, 0, 0, 1)) {
		t.Fatalf("loopback only: %v", got)
	}
}
