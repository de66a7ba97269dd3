package speech

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// SpeechHTTP speaks with a server of the OpenAI-compatible /audio/speech
// API: Kokoro and Piper servers, hosted providers.
type SpeechHTTP struct {
	BaseURL string       // like http://127.0.0.1:8880/v1
	Model   string       // the model's name on that server, like tts-1
	Voice   string       // the server's voice, like alloy
	APIKey  string       // sent as a bearer token when set
	Client  *http.Client // http.DefaultClient when nil; ctx bounds each call
}

// speechRequest is the body of an /audio/speech request.
type speechRequest struct {
	Model          string `json:"model"`
	Input          string `json:"input"`
	Voice          string `json:"voice"`
	ResponseFormat string `json:"response_format"`
}

// Synthesize asks the server for text as a WAV file and decodes it.
func (s SpeechHTTP) Synthesize(ctx context.Context, text string) (PCM, error) {
	if strings.TrimSpace(text) == "" {
		return PCM{}, fmt.Errorf("speech synthesis: %w", errNoText)
	}
	body, err := json.Marshal(speechRequest{Model: s.Model, Input: text, Voice: s.Voice, ResponseFormat: "wav"})
	if err != nil {
		return PCM{}, fmt.Errorf("speech synthesis: %w", err)
	}
	reply, err := apiCall{
		client: s.Client, url: endpoint(s.BaseURL, "/audio/speech"), apiKey: s.APIKey,
		contentType: "application/json", body: body, limit: maxAudioReply,
	}.do(ctx)
	if err != nil {
		return PCM{}, fmt.Errorf("speech synthesis: %w", err)
	}
	pcm, err := DecodeWAV(reply)
	if err != nil {
		return PCM{}, fmt.Errorf("speech synthesis: the answer: %w", err)
	}
	return pcm, nil
}
