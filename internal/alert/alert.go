// Package alert tells the practice's operators when something needs them
// (the Skool sync failed, or its safety stop held): by email through an
// SMTP server, and/or a webhook that takes Slack-compatible JSON.
package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/smtp"
	"strings"
	"time"
)

// Notifier sends an alert.
type Notifier interface {
	Notify(ctx context.Context, subject, body string) error
}

// All sends an alert through every notifier; it fails only if all fail.
type All []Notifier

// Notify implements Notifier.
func (all All) Notify(ctx context.Context, subject, body string) error {
	var errs []error
	for _, n := range all {
		if err := n.Notify(ctx, subject, body); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == len(all) && len(errs) > 0 {
		return errors.Join(errs...)
	}
	return nil
}

// Webhook posts {"text": "*subject*\nbody"} to a URL, as Slack's incoming
// webhooks (and Mattermost's, Discord's /slack, Teams connectors) take it.
type Webhook struct {
	URL    string
	Client *http.Client
}

// Notify implements Notifier.
func (w Webhook) Notify(ctx context.Context, subject, body string) error {
	b, _ := json.Marshal(map[string]string{"text": "*" + subject + "*\n" + body})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	c := w.Client
	if c == nil {
		c = &http.Client{Timeout: 15 * time.Second}
	}
	res, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("webhook: the server answered %s", res.Status)
	}
	return nil
}

// Email sends the alert through an SMTP server: STARTTLS when the server
// offers it, and PLAIN authentication when a user is set.
type Email struct {
	Addr     string // host:port
	User     string
	Password string
	From     string
	To       []string
}

// Notify implements Notifier.
func (e Email) Notify(ctx context.Context, subject, body string) error {
	host, _, err := net.SplitHostPort(e.Addr)
	if err != nil {
		return fmt.Errorf("email: the SMTP address %q: %w", e.Addr, err)
	}
	var auth smtp.Auth
	if e.User != "" {
		auth = smtp.PlainAuth("", e.User, e.Password, host)
	}
	done := make(chan error, 1)
	go func() { done <- smtp.SendMail(e.Addr, auth, e.From, e.To, e.message(subject, body)) }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("email: %w", err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("email: %w", ctx.Err())
	}
}

// message is the email, headers and all.
func (e Email) message(subject, body string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
		e.From, strings.Join(e.To, ", "), oneLine(subject), time.Now().UTC().Format(time.RFC1123Z))
	b.WriteString(strings.ReplaceAll(body, "\n", "\r\n"))
	b.WriteString("\r\n")
	return []byte(b.String())
}

// oneLine keeps a header on one line.
func oneLine(s string) string { return strings.NewReplacer("\r", " ", "\n", " ").Replace(s) }
