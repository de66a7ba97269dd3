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
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/mail"
	"net/textproto"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

// apiClient reads Mailpit's API without keeping connections open, so that
// no connection's goroutines outlive a test (goleak).
var apiClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

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
	return m.Find(tb, "to:"+address)
}

// Find lists the messages a Mailpit search query finds (to:address,
// subject:"words", both), the newest first.
func (m *Mailpit) Find(tb testing.TB, query string) []Summary {
	tb.Helper()
	var list struct {
		Messages []Summary `json:"messages"`
	}
	m.get(tb, "/api/v1/search?limit=1000&query="+url.QueryEscape(query), &list)
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

// Headers returns a message's headers as Mailpit read them, by name.
func (m *Mailpit) Headers(tb testing.TB, id string) map[string][]string {
	tb.Helper()
	var h map[string][]string
	m.get(tb, "/api/v1/message/"+url.PathEscape(id)+"/headers", &h)
	return h
}

// MustWait waits up to timeout until n messages to address arrived, and
// returns them, the newest first; it fails tb at the timeout.
func (m *Mailpit) MustWait(tb testing.TB, address string, n int, timeout time.Duration) []Summary {
	tb.Helper()
	return m.MustFind(tb, "to:"+address, n, timeout)
}

// MustFind waits up to timeout until a search query finds n messages, and
// returns them, the newest first; it fails tb at the timeout.
func (m *Mailpit) MustFind(tb testing.TB, query string, n int, timeout time.Duration) []Summary {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		list := m.Find(tb, query)
		if len(list) >= n {
			return list
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%d messages found by %s after %v, want %d", len(list), query, timeout, n)
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
	res, err := apiClient.Do(req)
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

// Part is one leaf of a message's MIME tree, its body decoded.
type Part struct {
	ContentType string // the whole header, parameters and all
	MediaType   string // lower case: text/calendar
	Params      map[string]string
	Disposition string // attachment, inline, or ""
	FileName    string
	Body        string
}

// Parts reads a message's source (Raw) into its leaf parts, in order,
// their transfer encodings undone.
func Parts(tb testing.TB, raw string) []Part {
	tb.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		tb.Fatalf("read the message: %v", err)
	}
	var out []Part
	if err := walk(textproto.MIMEHeader(msg.Header), msg.Body, &out); err != nil {
		tb.Fatalf("read the message's parts: %v", err)
	}
	return out
}

// PartsOf returns the parts of a message of the type given.
func PartsOf(parts []Part, mediaType string) []Part {
	var out []Part
	for _, p := range parts {
		if p.MediaType == mediaType {
			out = append(out, p)
		}
	}
	return out
}

// walk appends the leaves under a part of header h and body r.
func walk(h textproto.MIMEHeader, r io.Reader, out *[]Part) error {
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("Content-Type %q: %w", ct, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(r, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
			if err := walk(p.Header, p, out); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, newlineDropper{r})
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	}
	body, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	part := Part{ContentType: ct, MediaType: mt, Params: params, Body: string(body)}
	if d, dp, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil {
		part.Disposition, part.FileName = d, dp["filename"]
	}
	*out = append(*out, part)
	return nil
}

// newlineDropper reads r without its line breaks (base64 bodies are
// wrapped).
type newlineDropper struct{ r io.Reader }

func (n newlineDropper) Read(p []byte) (int, error) {
	for {
		k, err := n.r.Read(p)
		j := 0
		for _, b := range p[:k] {
			if b != '\r' && b != '\n' {
				p[j] = b
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}
