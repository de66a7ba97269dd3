package speech

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Limits on what an audio server may send back.
const (
	maxTextReply  = 1 << 20  // a transcription
	maxAudioReply = 64 << 20 // a WAV file: minutes of speech
	maxErrorShown = 300      // bytes of an error body quoted in an error
)

// apiCall is one request to an OpenAI-compatible audio API.
type apiCall struct {
	client      *http.Client
	url, apiKey string
	contentType string
	body        []byte
	limit       int64
}

// do posts the request and returns the body of a 2xx answer; other
// statuses become errors that name the status and the server's message.
func (c apiCall) do(ctx context.Context) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(c.body))
	if err != nil {
		return nil, fmt.Errorf("POST %s: %w", c.url, err)
	}
	req.Header.Set("Content-Type", c.contentType)
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	client := c.client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("POST %s: %w", c.url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.limit+1))
	if err != nil {
		return nil, fmt.Errorf("POST %s: read the answer: %w", c.url, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("POST %s: %s: %s", c.url, resp.Status, serverMessage(body))
	}
	if int64(len(body)) > c.limit {
		return nil, fmt.Errorf("POST %s: the answer is over %d bytes", c.url, c.limit)
	}
	return body, nil
}

// serverMessage finds the message in an error body: OpenAI's
// {"error":{"message"}}, whisper.cpp's {"error":"..."}, FastAPI's
// {"detail":...}, or else the body's start.
func serverMessage(body []byte) string {
	var e struct {
		Error  json.RawMessage `json:"error"`
		Detail json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(body, &e) == nil {
		for _, raw := range []json.RawMessage{e.Error, e.Detail} {
			if m := jsonMessage(raw); m != "" {
				return m
			}
		}
	}
	s := strings.TrimSpace(string(body))
	if len(s) > maxErrorShown {
		s = s[:maxErrorShown] + "…"
	}
	if s == "" {
		return "no message"
	}
	return s
}

// jsonMessage reads a string, or an object's "message", or else gives the
// raw JSON.
func jsonMessage(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var obj struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &obj) == nil && obj.Message != "" {
		return obj.Message
	}
	return string(raw)
}

// endpoint joins an API's base URL and a path.
func endpoint(base, path string) string {
	return strings.TrimRight(base, "/") + path
}
