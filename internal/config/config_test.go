package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) Getenv {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr() != "127.0.0.1:8080" || c.DataDir != "./data" || c.OIDCIssuer != DefaultOIDCIssuer || !c.DevSignIn() {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestLoadErrorsNameTheSetting(t *testing.T) {
	long := strings.Repeat("s", 32)
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"BadPort", map[string]string{"PORT": "http"}, "PORT:"},
		{"PortRange", map[string]string{"PORT": "70000"}, "PORT:"},
		{"LogFormat", map[string]string{"LOG_FORMAT": "xml"}, "LOG_FORMAT:"},
		{"LogLevel", map[string]string{"LOG_LEVEL": "loud"}, "LOG_LEVEL:"},
		{"DatabaseURL", map[string]string{"DATABASE_URL": "mysql://x"}, "DATABASE_URL:"},
		{"PublicURL", map[string]string{"PUBLIC_URL": "coach.example.com"}, "PUBLIC_URL:"},
		{"HalfOAuth", map[string]string{"GOOGLE_CLIENT_ID": "id"}, "GOOGLE_CLIENT_SECRET:"},
		{"NoSecretOutsideLoopback", map[string]string{"HOST": "0.0.0.0"}, "SESSION_SECRET:"},
		{"ShortSecret", map[string]string{"SESSION_SECRET": "short"}, "SESSION_SECRET:"},
		{"SecretTwice", map[string]string{"SESSION_SECRET": long, "SESSION_SECRET_FILE": "/x"}, "SESSION_SECRET:"},
		{"MissingSecretFile", map[string]string{"SESSION_SECRET_FILE": "/no/such/file"}, "SESSION_SECRET_FILE:"},
		{"HTTPIssuer", map[string]string{"OIDC_ISSUER": "http://idp.example.com"}, "OIDC_ISSUER:"},
		{"PublicProfiler", map[string]string{"RAPPORT_PPROF_ADDR": "0.0.0.0:6060"}, "RAPPORT_PPROF_ADDR:"},
		{"CallMode", map[string]string{"CALL_MODE": "mesh"}, "CALL_MODE:"},
		{"CallModeEmptyDefault", map[string]string{"CALL_MODE": "default"}, "CALL_MODE:"},
		{"UDPPort", map[string]string{"WEBRTC_UDP_PORT": "udp"}, "WEBRTC_UDP_PORT:"},
		{"UDPRange", map[string]string{"WEBRTC_UDP_PORTS": "60000-50000"}, "WEBRTC_UDP_PORTS:"},
		{"UDPRangeShape", map[string]string{"WEBRTC_UDP_PORTS": "50000"}, "WEBRTC_UDP_PORTS:"},
		{"PublicIP", map[string]string{"WEBRTC_PUBLIC_IP": "203.0.113.7,example.com"}, "WEBRTC_PUBLIC_IP:"},
		{"LoopbackOnly", map[string]string{"WEBRTC_LOOPBACK_ONLY": "maybe"}, "WEBRTC_LOOPBACK_ONLY:"},
		{"STUN", map[string]string{"STUN_URLS": "turn:x.example.com"}, "STUN_URLS:"},
		{"TURNWithoutSecret", map[string]string{"TURN_PORT": "3478"}, "TURN_SECRET:"},
		{"TURNShortSecret", map[string]string{"TURN_URLS": "turn:t.example.com:3478", "TURN_SECRET": "short"}, "TURN_SECRET:"},
		{"TURNURL", map[string]string{"TURN_URLS": "stun:t.example.com", "TURN_SECRET": long}, "TURN_URLS:"},
		{"TURNHalfTLS", map[string]string{"TURN_PORT": "3478", "TURN_SECRET": long, "TURN_TLS_CERT": "/c.pem"}, "TURN_TLS_KEY:"},
		{"TURNTTL", map[string]string{"TURN_TTL": "soon"}, "TURN_TTL:"},
		{"TURNMaxAllocations", map[string]string{"TURN_MAX_ALLOCATIONS": "0"}, "TURN_MAX_ALLOCATIONS:"},
		{"TURNMaxAllocationsWord", map[string]string{"TURN_MAX_ALLOCATIONS": "ten"}, "TURN_MAX_ALLOCATIONS:"},
		{"TURNRelayIP", map[string]string{"HOST": "0.0.0.0", "SESSION_SECRET": long, "TURN_PORT": "3478", "TURN_SECRET": long}, "TURN_RELAY_IP:"},
		{"HalfTwilio", map[string]string{"TWILIO_ACCOUNT_SID": "AC1"}, "TWILIO_AUTH_TOKEN:"},
		{"AIURL", map[string]string{"AI_BASE_URL": "localhost:11434"}, "AI_BASE_URL:"},
		{"AITimeout", map[string]string{"AI_TIMEOUT": "5ms"}, "AI_TIMEOUT:"},
		{"STTEngine", map[string]string{"STT_ENGINE": "ears"}, "STT_ENGINE:"},
		{"WhisperWithoutURL", map[string]string{"STT_ENGINE": "whisper"}, "STT_URL:"},
		{"TTSEngine", map[string]string{"TTS_ENGINE": "mouth"}, "TTS_ENGINE:"},
		{"OpenAITTSWithoutURL", map[string]string{"TTS_ENGINE": "openai"}, "TTS_URL:"},
		{"TTSURL", map[string]string{"TTS_ENGINE": "openai", "TTS_URL": "ftp://x"}, "TTS_URL:"},
		{"PrivateNotesAdmins", map[string]string{"PRIVATE_NOTES_ADMINS": "maybe"}, "PRIVATE_NOTES_ADMINS:"},
		{"RedisURL", map[string]string{"REDIS_URL": "127.0.0.1:6379"}, "REDIS_URL:"},
		{"ClusterOnSQLite", map[string]string{"REDIS_URL": "redis://127.0.0.1:6379/0", "SESSION_SECRET": long}, "REDIS_URL:"},
		{"ClusterWithoutSecret", map[string]string{"REDIS_URL": "redis://127.0.0.1:6379/0", "DATABASE_URL": "postgres://db/rapport"}, "SESSION_SECRET:"},
		{"NodeURL", map[string]string{"NODE_URL": "10.0.0.5:8080"}, "NODE_URL:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(env(tc.env))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %v, want one line starting %q", err, tc.want)
			}
		})
	}
}

// TestPrivateNotesAdmins: the admins read the coaches' private notes only
// when the practice says so.
func TestPrivateNotesAdmins(t *testing.T) {
	for v, want := range map[string]bool{"": false, "false": false, "true": true, "yes": true} {
		vars := map[string]string{}
		if v != "" {
			vars["PRIVATE_NOTES_ADMINS"] = v
		}
		c, err := Load(env(vars))
		if err != nil || c.Privacy.NotesAdmins != want {
			t.Errorf("PRIVATE_NOTES_ADMINS=%q: %v %v, want %v", v, c, err, want)
		}
	}
}

// TestCallMode: calls go through the server unless CALL_MODE says p2p.
func TestCallMode(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  string
	}{
		{"", CallModeSFU},
		{"sfu", CallModeSFU},
		{"p2p", CallModeP2P},
		{" P2P ", CallModeP2P},
	} {
		c, err := Load(env(map[string]string{"CALL_MODE": tc.value}))
		if err != nil {
			t.Fatalf("CALL_MODE=%q: %v", tc.value, err)
		}
		if c.CallMode != tc.want {
			t.Errorf("CALL_MODE=%q: %q, want %q", tc.value, c.CallMode, tc.want)
		}
	}
	_, err := Load(env(map[string]string{"CALL_MODE": "mesh"}))
	if err == nil || !strings.Contains(err.Error(), `not "mesh"`) {
		t.Fatalf("bad CALL_MODE: %v, want it named with the value", err)
	}
}

func TestPublicHostNeedsSecretAndHasNoDevSignIn(t *testing.T) {
	c, err := Load(env(map[string]string{"HOST": "0.0.0.0", "SESSION_SECRET": strings.Repeat("k", 32)}))
	if err != nil {
		t.Fatal(err)
	}
	if c.DevSignIn() {
		t.Fatal("dev sign-in must be off outside loopback")
	}
}

func TestSecretFromFileAndDotEnv(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	os.WriteFile(secret, []byte(strings.Repeat("f", 40)+"\n"), 0o600)
	dotenv := filepath.Join(dir, ".env")
	os.WriteFile(dotenv, []byte("# comment\nexport PORT=9090\nPUBLIC_URL=\"https://coach.example.com/\"\n\nSESSION_SECRET_FILE="+secret+"\n"), 0o600)
	m, err := ReadDotEnv(dotenv)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Load(env(m))
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 9090 || c.SessionSecret != strings.Repeat("f", 40) || c.PublicURL != "https://coach.example.com" || !c.SecureCookies() {
		t.Fatalf("loaded %+v", c)
	}
	if _, err := ReadDotEnv(filepath.Join(dir, "missing")); err != nil {
		t.Fatal("a missing .env is no error")
	}
	os.WriteFile(dotenv, []byte("NOT A SETTING\n"), 0o600)
	if _, err := ReadDotEnv(dotenv); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("bad line: %v", err)
	}
}

func TestDevSignInOffBehindAPublicURL(t *testing.T) {
	for _, tc := range []struct {
		vars map[string]string
		want bool
	}{
		{nil, true},
		{map[string]string{"PUBLIC_URL": "http://localhost:8080"}, true},
		{map[string]string{"PUBLIC_URL": "https://coach.example.com"}, false},
		{map[string]string{"GOOGLE_CLIENT_ID": "id", "GOOGLE_CLIENT_SECRET": "s"}, false},
	} {
		c, err := Load(env(tc.vars))
		if err != nil {
			t.Fatal(err)
		}
		if c.DevSignIn() != tc.want {
			t.Errorf("%v: dev sign-in %v, want %v", tc.vars, c.DevSignIn(), tc.want)
		}
	}
}

func TestWebRTCSettings(t *testing.T) {
	c, err := Load(env(map[string]string{"WEBRTC_UDP_PORTS": "50000-50100", "WEBRTC_PUBLIC_IP": "203.0.113.7, 2001:db8::1",
		"WEBRTC_TCP_PORT": "7881", "STUN_URLS": "stun:stun.example.com:3478"}))
	if err != nil {
		t.Fatal(err)
	}
	w := c.WebRTC
	if w.UDPPortMin != 50000 || w.UDPPortMax != 50100 || w.TCPPort != 7881 || len(w.PublicIPs) != 2 || w.PublicIPs[1] != "2001:db8::1" ||
		len(w.STUNURLs) != 1 || !w.LoopbackOnly {
		t.Fatalf("settings: %+v", w)
	}
	c, err = Load(env(map[string]string{"HOST": "0.0.0.0", "SESSION_SECRET": strings.Repeat("k", 32),
		"TURN_PORT": "3478", "TURN_SECRET": strings.Repeat("t", 16), "WEBRTC_PUBLIC_IP": "203.0.113.7"}))
	if err != nil {
		t.Fatal(err)
	}
	if tu := c.WebRTC.TURN; tu.RelayIP != "203.0.113.7" || tu.MaxAllocations != 10 || !tu.Enabled() {
		t.Fatalf("TURN: %+v", tu)
	}
	if c.WebRTC.LoopbackOnly {
		t.Fatal("media must not be narrowed to loopback when the server listens on every interface")
	}
	c, err = Load(env(map[string]string{"PUBLIC_URL": "https://coach.example.com"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.WebRTC.LoopbackOnly {
		t.Fatal("media must not be narrowed to loopback behind a public URL")
	}
}

// TestAISettings: no AI unless AI_BASE_URL is set; the speech engines
// default to the local ones.
func TestAISettings(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.AI.Enabled() || c.AI.Speech.STTEngine != "auto" || c.AI.Speech.TTSEngine != "auto" || c.AI.Timeout != 30*time.Second {
		t.Fatalf("defaults %+v", c.AI)
	}
	c, err = Load(env(map[string]string{"AI_BASE_URL": "http://127.0.0.1:11434/v1", "AI_MODEL": "qwen2.5", "AI_TIMEOUT": "10s",
		"STT_ENGINE": "whisper", "STT_URL": "http://127.0.0.1:8178/v1", "TTS_ENGINE": "OpenAI", "TTS_URL": "http://127.0.0.1:8880/v1", "TTS_VOICE": "af_bella"}))
	if err != nil {
		t.Fatal(err)
	}
	if !c.AI.Enabled() || c.AI.Model != "qwen2.5" || c.AI.Timeout != 10*time.Second || c.AI.Speech.STTEngine != "whisper" ||
		c.AI.Speech.TTSEngine != "openai" || c.AI.Speech.TTSVoice != "af_bella" {
		t.Fatalf("settings %+v", c.AI)
	}
}

// TestAlertAndPauseSettings: alerts need a server and addresses together,
// the practice's mail a server and a sender; the scraper's pauses are a
// range.
func TestAlertAndPauseSettings(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"SMTP_HOST": "mail.example.com"}, "MAIL_FROM:"},
		{map[string]string{"SMTP_HOST": "mail.example.com", "MAIL_FROM": "Practice <p@example.com>"}, "MAIL_FROM:"},
		{map[string]string{"PRACTICE_NAME": "a\nb"}, "PRACTICE_NAME:"},
		{map[string]string{"ALERT_EMAILS": "ops@example.com"}, "SMTP_HOST:"},
		{map[string]string{"SMTP_HOST": "mail.example.com", "ALERT_EMAILS": "ops@example.com"}, "ALERT_FROM:"},
		{map[string]string{"ALERT_WEBHOOK_URL": "hooks.example.com"}, "ALERT_WEBHOOK_URL:"},
		{map[string]string{"SKOOL_PAUSES": "2s-1s"}, "SKOOL_PAUSES:"},
	} {
		if _, err := Load(env(tc.env)); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %s", tc.env, err, tc.want)
		}
	}
	c, err := Load(env(map[string]string{"SMTP_HOST": "mail.example.com", "SMTP_USER": "rapport@example.com", "ALERT_EMAILS": "a@example.com, b@example.com",
		"SKOOL_PAUSES": "5ms-10ms"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Alerts.SMTPAddr != "mail.example.com:587" || c.Alerts.From != "rapport@example.com" || len(c.Alerts.To) != 2 ||
		c.Skool.PauseMin != 5*time.Millisecond || c.Skool.PauseMax != 10*time.Millisecond {
		t.Fatalf("settings %+v %+v", c.Alerts, c.Skool)
	}
}

// TestMailSettings: the practice's emails share the alerts' SMTP server;
// SMTP_HOST alone (no ALERT_EMAILS) sends them, from MAIL_FROM, else the
// alerts' sender.
func TestMailSettings(t *testing.T) {
	c, err := Load(env(map[string]string{"SMTP_HOST": "mail.example.com", "SMTP_PORT": "2525", "SMTP_USER": "u", "SMTP_PASSWORD": "pw",
		"MAIL_FROM": "hello@example.com", "PRACTICE_NAME": "Bright Path"}))
	if err != nil {
		t.Fatal(err)
	}
	m := c.Mail
	if !m.Sends() || m.SMTPAddr != "mail.example.com:2525" || m.SMTPUser != "u" || m.SMTPPassword != "pw" ||
		m.From != "hello@example.com" || m.PracticeName != "Bright Path" || c.Alerts.From != "hello@example.com" {
		t.Fatalf("mail %+v, alerts %+v", m, c.Alerts)
	}
	c, err = Load(env(map[string]string{"SMTP_HOST": "mail.example.com", "SMTP_USER": "ops@example.com"}))
	if err != nil || c.Mail.From != "ops@example.com" || c.Mail.PracticeName != "Rapport" {
		t.Fatalf("defaults: %+v %v", c.Mail, err)
	}
	if c, err = Load(env(nil)); err != nil || c.Mail.Sends() {
		t.Fatalf("no SMTP_HOST: %+v %v", c.Mail, err)
	}
}

// TestTURNCredentialLifetimes: the embedded server's credentials are short
// by default (its relays outlive them), an external server's outlast a
// call (coturn and Twilio check them on every refresh), and TURN_TTL, when
// set, is both.
func TestTURNCredentialLifetimes(t *testing.T) {
	c, err := Load(env(map[string]string{"TURN_MAX_ALLOCATIONS": "4"}))
	if err != nil {
		t.Fatal(err)
	}
	if tu := c.WebRTC.TURN; tu.EmbeddedTTL != time.Hour || tu.TTL != 12*time.Hour || tu.MaxAllocations != 4 {
		t.Fatalf("defaults: embedded %v, external %v, max %d", tu.EmbeddedTTL, tu.TTL, tu.MaxAllocations)
	}
	c, err = Load(env(map[string]string{"TURN_TTL": "30m"}))
	if err != nil {
		t.Fatal(err)
	}
	if tu := c.WebRTC.TURN; tu.EmbeddedTTL != 30*time.Minute || tu.TTL != 30*time.Minute {
		t.Fatalf("TURN_TTL=30m: embedded %v, external %v", tu.EmbeddedTTL, tu.TTL)
	}
}
