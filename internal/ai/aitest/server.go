// Package aitest is a stand-in language model for tests: a real HTTP
// server that speaks the OpenAI chat completions API with streaming, in
// server-sent event chunks as Ollama and vLLM send them, and answers
// predictably. The code under test is the production client.
package aitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"rapport/internal/ai"
)

// Server is the stand-in. Its zero answer repeats the last user message
// after "You said: ".
type Server struct {
	URL string // the API's base, ending in /v1
	srv *httptest.Server

	mu         sync.Mutex
	answer     func([]ai.Message) string
	fail       []int // statuses for the next requests
	down       bool  // connections are cut without an answer
	firstDelay time.Duration
	pieceDelay time.Duration
	requests   []Received
}

// Received is a request as the stand-in got it.
type Received struct {
	Model    string       `json:"model"`
	Messages []ai.Message `json:"messages"`
	Stream   bool         `json:"stream"`
	Auth     string       `json:"-"`
}

// New starts a stand-in for the test.
func New(t testing.TB) *Server {
	s := &Server{answer: func(m []ai.Message) string { return "You said: " + lastUser(m) }}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	s.URL = s.srv.URL + "/v1"
	return s
}

func lastUser(m []ai.Message) string {
	for i := len(m) - 1; i >= 0; i-- {
		if m[i].Role == "user" {
			return m[i].Content
		}
	}
	return ""
}

// Answer sets how the stand-in answers.
func (s *Server) Answer(f func([]ai.Message) string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answer = f
}

// FailNext answers the next n requests with status.
func (s *Server) FailNext(status, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.fail = append(s.fail, status)
	}
}

// Down cuts every request's connection without an answer, or stops that.
func (s *Server) Down(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// Delay waits first before the answer begins, and between two pieces.
func (s *Server) Delay(first, between time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.firstDelay, s.pieceDelay = first, between
}

// Requests are the requests received so far.
func (s *Server) Requests() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.requests...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		http.Error(w, `{"error":{"message":"not found"}}`, http.StatusNotFound)
		return
	}
	var req Received
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || !req.Stream || len(req.Messages) == 0 {
		http.Error(w, `{"error":{"message":"a streamed request with messages, please"}}`, http.StatusBadRequest)
		return
	}
	req.Auth = r.Header.Get("Authorization")
	s.mu.Lock()
	s.requests = append(s.requests, req)
	down, status := s.down, 0
	if len(s.fail) > 0 {
		status, s.fail = s.fail[0], s.fail[1:]
	}
	answer, first, between := s.answer(req.Messages), s.firstDelay, s.pieceDelay
	s.mu.Unlock()
	switch {
	case down:
		cut(w)
		return
	case status != 0:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":{"message":"stand-in failure %d"}}`, status)
		return
	}
	stream(w, r, req.Model, answer, first, between)
}

// cut closes the connection without an answer.
func cut(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			c.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// stream sends the answer a word at a time, as a chat.completion.chunk
// each, then a chunk with finish_reason and [DONE].
func stream(w http.ResponseWriter, r *http.Request, model, answer string, first, between time.Duration) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	flusher, _ := w.(http.Flusher)
	send := func(delta map[string]string, finish any) {
		b, _ := json.Marshal(map[string]any{"id": "chatcmpl-stand-in", "object": "chat.completion.chunk", "created": time.Now().Unix(),
			"model": model, "choices": []map[string]any{{"index": 0, "delta": delta, "finish_reason": finish}}})
		fmt.Fprintf(w, "data: %s\n\n", b)
		if flusher != nil {
			flusher.Flush()
		}
	}
	if !pause(r, first) {
		return
	}
	send(map[string]string{"role": "assistant", "content": ""}, nil)
	for i, word := range strings.SplitAfter(answer, " ") {
		if i > 0 && !pause(r, between) {
			return
		}
		send(map[string]string{"content": word}, nil)
	}
	send(map[string]string{}, "stop")
	fmt.Fprint(w, "data: [DONE]\n\n")
}

func pause(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	select {
	case <-r.Context().Done():
		return false
	case <-time.After(d):
		return true
	}
}
