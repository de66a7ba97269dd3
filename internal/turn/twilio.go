package turn

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"rapport/internal/protocol"
)

// TwilioAPI is Twilio's REST API.
const TwilioAPI = "https://api.twilio.com"

// Twilio keeps ICE servers from Twilio's Network Traversal Service: a token
// is asked for at start and again at half its lifetime, so that a join never
// waits on Twilio. Its credentials are Twilio's, time-limited.
type Twilio struct {
	AccountSID string
	AuthToken  string
	BaseURL    string        // TwilioAPI; a stand-in in tests
	TTL        time.Duration // asked-for token lifetime
	HTTP       *http.Client
	Log        *slog.Logger

	mu      sync.Mutex
	servers []protocol.ICEServer
	expires time.Time
}

// ICEServers is the current token's servers (none before the first token);
// the same for every user.
func (t *Twilio) ICEServers(int64) []protocol.ICEServer {
	t.mu.Lock()
	defer t.mu.Unlock()
	if time.Now().After(t.expires) {
		return nil
	}
	return t.servers
}

// Run fetches tokens until ctx ends: at once, then at half of each token's
// lifetime, and after a failure every 30 seconds.
func (t *Twilio) Run(ctx context.Context) {
	for {
		wait := 30 * time.Second
		ttl, err := t.Refresh(ctx)
		if err != nil {
			t.Log.Warn("Twilio TURN token", "err", err)
		} else {
			wait = ttl / 2
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// twilioToken is the answer of POST /Accounts/{sid}/Tokens.json.
type twilioToken struct {
	TTL        string `json:"ttl"`
	ICEServers []struct {
		URL        string `json:"url"`
		URLs       string `json:"urls"`
		Username   string `json:"username"`
		Credential string `json:"credential"`
	} `json:"ice_servers"`
}

// Refresh asks Twilio for a token now and keeps its servers.
func (t *Twilio) Refresh(ctx context.Context) (time.Duration, error) {
	base := t.BaseURL
	if base == "" {
		base = TwilioAPI
	}
	hc := t.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	form := url.Values{"Ttl": {strconv.Itoa(int(t.TTL.Seconds()))}}
	u := base + "/2010-04-01/Accounts/" + url.PathEscape(t.AccountSID) + "/Tokens.json"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(t.AccountSID, t.AuthToken)
	res, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode != http.StatusCreated && res.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("Twilio answered %s: %.200s", res.Status, body)
	}
	var tok twilioToken
	if err := json.Unmarshal(body, &tok); err != nil {
		return 0, fmt.Errorf("Twilio's token: %w", err)
	}
	ttl := t.TTL
	if s, err := strconv.Atoi(tok.TTL); err == nil && s > 0 {
		ttl = time.Duration(s) * time.Second
	}
	servers := make([]protocol.ICEServer, 0, len(tok.ICEServers))
	for _, s := range tok.ICEServers {
		u := s.URLs
		if u == "" {
			u = s.URL
		}
		servers = append(servers, protocol.ICEServer{URLs: []string{u}, Username: s.Username, Credential: s.Credential})
	}
	t.mu.Lock()
	t.servers, t.expires = servers, time.Now().Add(ttl)
	t.mu.Unlock()
	return ttl, nil
}
