// Package mailtest reaches the Mailpit that scripts/test-deps.sh starts, a
// real SMTP server for the mail tests, and reads what arrived through its
// HTTP API. RAPPORT_TEST_MAILPIT_SMTP and RAPPORT_TEST_MAILPIT_API name it;
// without them a test is skipped, or fails under CI=true.
//
// Tests share one Mailpit: each sends to addresses of its own (Recipient)
// and reads only those, so that they stay independent and may run in
// parallel.
package mailtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

// Mailpit is the test SMTP server and its API.
type Mailpit struct {
	SMTP string // host:port
	API  string // http://host:port
}

// MustMailpit returns the Mailpit the tests may use, skipping tb (or
// failing it under CI) when none is configured.
func MustMailpit(tb testing.TB) *Mailpit {
	tb.Helper()
	smtp, api := os.Getenv("RAPPORT_TEST_MAILPIT_SMTP"), os.Getenv("RAPPORT_TEST_MAILPIT_API")
	if smtp == "" || api == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatal("RAPPORT_TEST_MAILPIT_SMTP and RAPPORT_TEST_MAILPIT_API are not set; `make test` sets them after starting Mailpit")
		}
		tb.Skip("RAPPORT_TEST_MAILPIT_SMTP is not set; run `make test` (or scripts/test-deps.sh) to test against Mailpit")
	}
	return &Mailpit{SMTP: smtp, API: strings.TrimSuffix(api, "/")}
}

// Recipient returns an address no other test sends to.
func Recipient(name string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return fmt.Sprintf("%s-%s@rapport.test", strings.ToLower(name), hex.EncodeToString(b))
}

// Address is a name and address as Mailpit reports them.
type Address struct {
	Name    string `json:"Name"`
	Address string `json:"Address"`
}

// Summary is a message in Mailpit's lists.
type Summary struct {
	ID      string    `json:"ID"`
	From    Address   `json:"From"`
	To      []Address `json:"To"`
	Subject string    `json:"Subject"`
	Created time.Time `json:"Created"`
}

// Message is one message as Mailpit parsed it: both bodies and its headers.
type Message struct {
	ID        string    `json:"ID"`
	MessageID string    `json:"MessageID"`
	From      Address   `json:"From"`
	To        []Address `json:"To"`
	Subject   string    `json:"Subject"`
	Text      string    `json:"Text"`
	HTML      string    `json:"HTML"`
}

// Search lists the messages to address, the newest first.
func (m *Mailpit) Search(tb testing.TB, address string) []Summary {
	tb.Helper()
	var list struct {
		Messages []Summary `json:"messages"`
	}
	m.get(tb, "/api/v1/search?limit=1000&query="+url.QueryEscape("to:"+address), &list)
	return list.Messages
}

// Message reads one message by its Mailpit ID.
func (m *Mailpit) Message(tb testing.TB, id string) *Message {
	tb.Helper()
	var msg Message
	m.get(tb, "/api/v1/message/"+url.PathEscape(id), &msg)
	return &msg
}

// Raw returns a message's source, headers and all.
func (m *Mailpit) Raw(tb testing.TB, id string) string {
	tb.Helper()
	var raw rawText
	m.get(tb, "/api/v1/message/"+url.PathEscape(id)+"/raw", &raw)
	return string(raw)
}

// MustWait waits up to timeout until n messages to address arrived, and
// returns them, the newest first; it fails tb at the timeout.
func (m *Mailpit) MustWait(tb testing.TB, address string, n int, timeout time.Duration) []Summary {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		list := m.Search(tb, address)
		if len(list) >= n {
			return list
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%d messages to %s after %v, want %d", len(list), address, timeout, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Delete deletes the messages a search query finds (to:address, or
// the tests' whole domain with to:@rapport.test).
func (m *Mailpit) Delete(tb testing.TB, query string) {
	tb.Helper()
	m.do(tb, http.MethodDelete, "/api/v1/search?query="+url.QueryEscape(query), nil)
}

// get decodes a GET of path into v.
func (m *Mailpit) get(tb testing.TB, path string, v any) {
	tb.Helper()
	m.do(tb, http.MethodGet, path, v)
}

// do sends a request to the API and decodes its answer into v, if any.
func (m *Mailpit) do(tb testing.TB, method, path string, v any) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, m.API+path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("mailpit %s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		tb.Fatalf("mailpit %s %s: %s", method, path, res.Status)
	}
	if raw, ok := v.(*rawText); ok {
		var b []byte
		b, err = io.ReadAll(res.Body)
		*raw = rawText(b)
	} else if v != nil {
		err = json.NewDecoder(res.Body).Decode(v)
	}
	if err != nil {
		tb.Fatalf("mailpit %s %s: read the answer: %v", method, path, err)
	}
}

// rawText is an answer read as text, not JSON.
type rawText string
