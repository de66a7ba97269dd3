package ai_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"rapport/internal/ai"
	"rapport/internal/ai/aitest"
	"rapport/internal/app"
)

func newClient(s *aitest.Server) *ai.Client {
	c := ai.NewClient(s.URL, "stand-in", "k3y")
	c.Backoff = 10 * time.Millisecond
	c.Timeout = 2 * time.Second
	return c
}

func ask(c *ai.Client, text string) (string, []string, error) {
	var pieces []string
	answer, err := c.Stream(context.Background(), ai.Request{Messages: []ai.Message{{Role: "system", Content: "Be brief."}, {Role: "user", Content: text}}},
		func(p string) { pieces = append(pieces, p) })
	return answer, pieces, err
}

// TestTheAnswerStreamsInPieces: the answer comes a piece at a time, and
// the request carries the model, the messages and the key.
func TestTheAnswerStreamsInPieces(t *testing.T) {
	s := aitest.New(t)
	answer, pieces, err := ask(newClient(s), "how are you today")
	if err != nil {
		t.Fatal(err)
	}
	if answer != "You said: how are you today" || len(pieces) != 6 || strings.Join(pieces, "") != answer {
		t.Fatalf("answer %q in pieces %q", answer, pieces)
	}
	got := s.Requests()
	if len(got) != 1 || got[0].Model != "stand-in" || got[0].Auth != "Bearer k3y" || len(got[0].Messages) != 2 || got[0].Messages[0].Role != "system" {
		t.Fatalf("requests %+v", got)
	}
}

// TestFailuresBeforeTheAnswerAreRetried: 429 and 5xx are tried again; a
// 400 is not.
func TestFailuresBeforeTheAnswerAreRetried(t *testing.T) {
	s := aitest.New(t)
	c := newClient(s)
	s.FailNext(http.StatusTooManyRequests, 1)
	s.FailNext(http.StatusBadGateway, 2)
	if answer, _, err := ask(c, "again"); err != nil || answer != "You said: again" {
		t.Fatalf("after three failures: %q %v", answer, err)
	}
	if n := len(s.Requests()); n != 4 {
		t.Fatalf("%d requests, want 4 (three failed, one answered)", n)
	}
	s.FailNext(http.StatusBadRequest, 1)
	_, _, err := ask(c, "bad")
	if err == nil || !strings.Contains(err.Error(), "400") || !strings.Contains(err.Error(), "stand-in failure 400") {
		t.Fatalf("a 400: %v", err)
	}
	if n := len(s.Requests()); n != 5 {
		t.Fatalf("a 400 was retried: %d requests", n)
	}
}

// TestASlowModelTimesOut: no answer within the timeout is an error that
// says the AI is unavailable, quickly.
func TestASlowModelTimesOut(t *testing.T) {
	s := aitest.New(t)
	c := newClient(s)
	c.Timeout, c.Retries = 100*time.Millisecond, 0
	s.Delay(2*time.Second, 0)
	start := time.Now()
	_, _, err := ask(c, "hello")
	if !errors.Is(err, ai.ErrUnavailable) || app.ErrorCode(err) != app.EUNAVAILABLE || !strings.Contains(err.Error(), "no answer within") {
		t.Fatalf("error %v", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Fatalf("the timeout took %v", took)
	}
}

// TestTheBreakerRestsAFailingModel: after five failed requests the client
// fails at once without asking, then tries one request after the
// cooldown.
func TestTheBreakerRestsAFailingModel(t *testing.T) {
	s := aitest.New(t)
	c := newClient(s)
	c.Retries = 0
	s.Down(true)
	for range 5 {
		if _, _, err := ask(c, "anyone?"); !errors.Is(err, ai.ErrUnavailable) {
			t.Fatalf("a cut connection: %v", err)
		}
	}
	n := len(s.Requests())
	_, _, err := ask(c, "still?")
	if !errors.Is(err, ai.ErrUnavailable) || !strings.Contains(err.Error(), "failed 5 times") || len(s.Requests()) != n || !c.Open() {
		t.Fatalf("the open breaker: %v, %d requests (was %d)", err, len(s.Requests()), n)
	}
}

// TestAStreamThatBreaksOffIsNotRetried: pieces given out cannot be taken
// back, so a stream cut in the middle is an error, not a second answer.
func TestAStreamThatBreaksOffIsNotRetried(t *testing.T) {
	s := aitest.New(t)
	c := newClient(s)
	c.Timeout = 150 * time.Millisecond
	s.Delay(0, time.Second) // the second piece comes after the timeout
	answer, pieces, err := ask(c, "one two three")
	if !errors.Is(err, ai.ErrUnavailable) || answer != "" || len(pieces) != 1 || len(s.Requests()) != 1 {
		t.Fatalf("answer %q pieces %q err %v requests %d", answer, pieces, err, len(s.Requests()))
	}
}
