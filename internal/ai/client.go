// Package ai is the AI co-coach's mind: a client for the OpenAI-compatible
// chat completions API with streaming (which Ollama, llama.cpp's server,
// vLLM, LM Studio and hosted providers all speak), with timeouts, retries
// and a circuit breaker; the coach persona and the context each request
// carries; and the answers it gives in a room's chat.
package ai

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"rapport/internal/app"
)

// Message is one turn of a conversation: role "system", "user" or
// "assistant".
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Request is what the model is asked.
type Request struct {
	Messages    []Message
	MaxTokens   int     // 0: the server's default
	Temperature float64 // 0: the server's default
}

// Client talks to one model on an OpenAI-compatible server.
type Client struct {
	BaseURL string // like http://127.0.0.1:11434/v1
	Model   string
	APIKey  string // sent as a bearer token when set
	HTTP    *http.Client
	// Timeout is how long the answer may take to start, and how long it
	// may then pause between two pieces.
	Timeout time.Duration
	// Retries is how many times a request that failed before its answer
	// began (429, 5xx, a refused connection) is sent again, after Backoff,
	// then twice that, and so on.
	Retries int
	Backoff time.Duration

	breaker breaker
}

// NewClient returns a client with the defaults: 30 s to start an answer,
// three retries from 250 ms, and a breaker that opens after five failures
// in a row for 30 s.
func NewClient(baseURL, model, apiKey string) *Client {
	return &Client{BaseURL: strings.TrimSuffix(baseURL, "/"), Model: model, APIKey: apiKey, HTTP: &http.Client{},
		Timeout: 30 * time.Second, Retries: 3, Backoff: 250 * time.Millisecond,
		breaker: breaker{threshold: 5, cooldown: 30 * time.Second}}
}

// ErrUnavailable is the model being out of reach: down, failing, too slow,
// or resting after failures (the breaker is open).
var ErrUnavailable = errors.New("the AI is unavailable")

// unavailable wraps a reason as an app error that says the AI is
// unavailable.
func unavailable(format string, args ...any) error {
	return fmt.Errorf("%w: %w", app.Errorf(app.EUNAVAILABLE, "the AI is unavailable: "+format, args...), ErrUnavailable)
}

// Stream asks the model and calls delta with each piece of the answer as it
// comes; it returns the whole answer. A request that fails before its
// answer begins is retried; once pieces have been given out it is not.
func (c *Client) Stream(ctx context.Context, req Request, delta func(string)) (string, error) {
	if err := c.breaker.allow(time.Now()); err != nil {
		return "", err
	}
	var last error
	for attempt := 0; attempt <= c.Retries; attempt++ {
		if attempt > 0 {
			if err := sleep(ctx, c.backoff(attempt, last)); err != nil {
				return "", err
			}
		}
		answer, started, err := c.once(ctx, req, delta)
		if err == nil {
			c.breaker.success()
			return answer, nil
		}
		last = err
		if started || !retryable(err) || ctx.Err() != nil {
			break
		}
	}
	if ctx.Err() == nil {
		c.breaker.failure(time.Now())
	}
	return "", last
}

// httpError is a status the server answered with.
type httpError struct {
	status     int
	message    string
	retryAfter time.Duration
}

func (e *httpError) Error() string {
	return fmt.Sprintf("the AI is unavailable: the model server answered %d %s: %s", e.status, http.StatusText(e.status), e.message)
}

func retryable(err error) bool {
	var he *httpError
	if errors.As(err, &he) {
		return he.status == http.StatusTooManyRequests || he.status >= 500
	}
	return !errors.Is(err, context.Canceled)
}

// backoff is the wait before attempt n: doubling from Backoff, or what a
// 429's Retry-After asks (at most 10 s).
func (c *Client) backoff(n int, last error) time.Duration {
	var he *httpError
	if errors.As(last, &he) && he.retryAfter > 0 {
		return min(he.retryAfter, 10*time.Second)
	}
	return c.Backoff << (n - 1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// once sends the request one time; started says whether any of the answer
// was given out.
func (c *Client) once(ctx context.Context, req Request, delta func(string)) (string, bool, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	watch := newWatchdog(c.Timeout, func() { cancel(unavailable("no answer within %v", c.Timeout)) })
	defer watch.stop()
	resp, err := c.post(ctx, req)
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
			return "", false, cause
		}
		return "", false, fmt.Errorf("%w (%v)", unavailable("the model server cannot be reached"), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", false, statusError(resp)
	}
	answer, started, err := readStream(resp.Body, watch.kick, delta)
	if cause := context.Cause(ctx); err != nil && cause != nil && !errors.Is(cause, context.Canceled) {
		err = cause
	}
	return answer, started, err
}

// post sends the chat completion request.
func (c *Client) post(ctx context.Context, req Request) (*http.Response, error) {
	body := map[string]any{"model": c.Model, "messages": req.Messages, "stream": true}
	if req.MaxTokens > 0 {
		body["max_tokens"] = req.MaxTokens
	}
	if req.Temperature > 0 {
		body["temperature"] = req.Temperature
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BaseURL+"/chat/completions", bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Accept", "text/event-stream")
	if c.APIKey != "" {
		hr.Header.Set("Authorization", "Bearer "+c.APIKey)
	}
	return c.HTTP.Do(hr)
}

// statusError reads an error answer: OpenAI's {"error": {"message"}}, or
// the body's first line.
func statusError(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	msg := strings.TrimSpace(string(b))
	if json.Unmarshal(b, &e) == nil && e.Error.Message != "" {
		msg = e.Error.Message
	}
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	he := &httpError{status: resp.StatusCode, message: msg}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		he.retryAfter = time.Duration(s) * time.Second
	}
	return he
}

// chunk is one server-sent event of a streamed completion.
type chunk struct {
	Choices []struct {
		Delta struct {
			Content string `json:"content"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Error *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// readStream reads server-sent events ("data: {...}" lines, ending with
// "data: [DONE]") until the answer is whole.
func readStream(r io.Reader, alive func(), delta func(string)) (string, bool, error) {
	var answer strings.Builder
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		alive()
		line := sc.Text()
		data, ok := strings.CutPrefix(line, "data:")
		if !ok {
			continue // comments, event names, blank separators
		}
		data = strings.TrimSpace(data)
		if data == "[DONE]" {
			return answer.String(), answer.Len() > 0, nil
		}
		var ch chunk
		if err := json.Unmarshal([]byte(data), &ch); err != nil {
			return answer.String(), answer.Len() > 0, unavailable("a stream event that is not JSON: %.80q", data)
		}
		if ch.Error != nil {
			return answer.String(), answer.Len() > 0, unavailable("%s", ch.Error.Message)
		}
		for _, choice := range ch.Choices {
			if choice.Delta.Content != "" {
				answer.WriteString(choice.Delta.Content)
				delta(choice.Delta.Content)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return answer.String(), answer.Len() > 0, fmt.Errorf("%w (%v)", unavailable("the answer broke off"), err)
	}
	if answer.Len() == 0 {
		return "", false, unavailable("the answer ended before it began")
	}
	return answer.String(), true, nil // a server that ends without [DONE]
}
