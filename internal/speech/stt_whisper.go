package speech

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
)

// WhisperHTTP transcribes with a server of the OpenAI-compatible
// /audio/transcriptions API: whisper.cpp's server, faster-whisper servers,
// hosted providers.
type WhisperHTTP struct {
	BaseURL string       // like http://127.0.0.1:8178/v1
	Model   string       // the model's name on that server, like whisper-1
	APIKey  string       // sent as a bearer token when set
	Client  *http.Client // http.DefaultClient when nil; ctx bounds each call
}

// Transcribe posts pcm, resampled to 16 kHz, as a WAV file and returns the
// server's text.
func (w WhisperHTTP) Transcribe(ctx context.Context, pcm PCM) (string, error) {
	if err := pcm.check(); err != nil {
		return "", fmt.Errorf("whisper transcription: %w", err)
	}
	body, contentType, err := transcriptionForm(w.Model, pcm.Resample(VADRate).WAV())
	if err != nil {
		return "", fmt.Errorf("whisper transcription: %w", err)
	}
	reply, err := apiCall{
		client: w.Client, url: endpoint(w.BaseURL, "/audio/transcriptions"), apiKey: w.APIKey,
		contentType: contentType, body: body, limit: maxTextReply,
	}.do(ctx)
	if err != nil {
		return "", fmt.Errorf("whisper transcription: %w", err)
	}
	var out struct {
		Text *string `json:"text"`
	}
	if err := json.Unmarshal(reply, &out); err != nil || out.Text == nil {
		return "", fmt.Errorf("whisper transcription: the answer is not {\"text\": ...}: %.100q", reply)
	}
	return strings.TrimSpace(*out.Text), nil
}

// transcriptionForm is the multipart form of a transcription request: the
// model, a JSON answer, and the audio as the file.
func transcriptionForm(model string, wav []byte) ([]byte, string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range [][2]string{{"model", model}, {"response_format", "json"}} {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			return nil, "", fmt.Errorf("write the form: %w", err)
		}
	}
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", `form-data; name="file"; filename="speech.wav"`)
	h.Set("Content-Type", "audio/wav")
	part, err := mw.CreatePart(h)
	if err == nil {
		_, err = part.Write(wav)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return nil, "", fmt.Errorf("write the form: %w", err)
	}
	return buf.Bytes(), mw.FormDataContentType(), nil
}
