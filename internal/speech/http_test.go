package speech

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fakeWhisper serves /v1/audio/transcriptions as whisper.cpp's server
// does: a multipart form with the WAV as "file", {"text"} back. It fails
// with status and message when status is not 200.
func fakeWhisper(t *testing.T, status int, message string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/audio/transcriptions" {
			http.Error(w, `{"error":"not found"}`, http.StatusNotFound)
			return
		}
		if status != http.StatusOK {
			w.WriteHeader(status)
			io.WriteString(w, message)
			return
		}
		if got := r.Header.Get("Authorization"); got != "Bearer sk-test" {
			t.Errorf("Authorization = %q", got)
		}
		if got := r.FormValue("model"); got != "whisper-1" {
			t.Errorf("model = %q", got)
		}
		f, h, err := r.FormFile("file")
		if err != nil {
			t.Errorf("no file: %v", err)
			return
		}
		wav, _ := io.ReadAll(f)
		pcm, err := DecodeWAV(wav)
		if err != nil || pcm.Rate != 16000 || pcm.Duration() != 500*time.Millisecond {
			t.Errorf("file %s: %v at %d Hz, %v", h.Filename, pcm.Duration(), pcm.Rate, err)
		}
		json.NewEncoder(w).Encode(map[string]string{"text": " Tell me more about that.\n"})
	}))
}

func TestWhisperHTTP(t *testing.T) {
	pcm := sine(48000, 300, 5000, 500*time.Millisecond)
	for _, tc := range []struct {
		name, message, want string
		status              int
	}{
		{name: "OK", status: 200, want: "Tell me more about that."},
		{name: "ErrOpenAI", status: 401, message: `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}`,
			want: "401 Unauthorized: Incorrect API key provided"},
		{name: "ErrWhisperCpp", status: 500, message: `{"error":"failed to read WAV file"}`,
			want: "500 Internal Server Error: failed to read WAV file"},
		{name: "ErrFastAPI", status: 422, message: `{"detail":[{"loc":["body","file"],"msg":"field required"}]}`,
			want: `422 Unprocessable Entity: [{"loc":["body","file"],"msg":"field required"}]`},
		{name: "ErrPlain", status: 503, message: "upstream busy", want: "503 Service Unavailable: upstream busy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := fakeWhisper(t, tc.status, tc.message)
			defer srv.Close()
			stt := WhisperHTTP{BaseURL: srv.URL + "/v1/", Model: "whisper-1", APIKey: "sk-test", Client: srv.Client()}
			got, err := stt.Transcribe(context.Background(), pcm)
			if tc.status == 200 {
				if err != nil || got != tc.want {
					t.Fatalf("Transcribe = %q, %v; want %q", got, err, tc.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one saying %q", err, tc.want)
			}
			t.Log(err)
		})
	}
}

func TestWhisperHTTPNotJSON(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello there")
	}))
	defer srv.Close()
	_, err := WhisperHTTP{BaseURL: srv.URL}.Transcribe(context.Background(), sine(16000, 300, 5000, 100*time.Millisecond))
	if err == nil || !strings.Contains(err.Error(), "not {\"text\"") {
		t.Fatalf("err = %v, want one saying the answer is not JSON text", err)
	}
}

// fakeSpeech serves /v1/audio/speech as Kokoro's and Piper's servers do:
// JSON in, a WAV of a tone (24 kHz) out; or an error status.
func fakeSpeech(t *testing.T, status int, message string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/audio/speech" {
			http.Error(w, `{"detail":"Not Found"}`, http.StatusNotFound)
			return
		}
		var req map[string]string
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			t.Errorf("body: %v", err)
		}
		want := map[string]string{"model": "kokoro", "input": "Hello there.", "voice": "af_heart", "response_format": "wav"}
		for k, v := range want {
			if req[k] != v {
				t.Errorf("%s = %q, want %q", k, req[k], v)
			}
		}
		if status != http.StatusOK {
			w.WriteHeader(status)
			io.WriteString(w, message)
			return
		}
		w.Header().Set("Content-Type", "audio/wav")
		w.Write(sine(24000, 220, 8000, 750*time.Millisecond).WAV())
	}))
}

func TestSpeechHTTP(t *testing.T) {
	for _, tc := range []struct {
		name, message, wantErr string
		status                 int
	}{
		{name: "OK", status: 200},
		{name: "ErrVoice", status: 400, message: `{"detail":{"error":"validation_error","message":"Voice 'af_heart' not found"}}`,
			wantErr: "400 Bad Request: Voice 'af_heart' not found"},
		{name: "ErrEmpty", status: 502, wantErr: "502 Bad Gateway: no message"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := fakeSpeech(t, tc.status, tc.message)
			defer srv.Close()
			tts := SpeechHTTP{BaseURL: srv.URL + "/v1", Model: "kokoro", Voice: "af_heart", Client: srv.Client()}
			pcm, err := tts.Synthesize(context.Background(), "Hello there.")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tc.wantErr)
				}
				t.Log(err)
				return
			}
			if err != nil || pcm.Rate != 24000 || pcm.Duration() != 750*time.Millisecond {
				t.Fatalf("Synthesize = %v at %d Hz, %v; want 750ms at 24000 Hz", pcm.Duration(), pcm.Rate, err)
			}
		})
	}
}

func TestSpeechHTTPNotWAV(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "audio/mpeg")
		io.WriteString(w, "ID3\x04 an mp3")
	}))
	defer srv.Close()
	_, err := SpeechHTTP{BaseURL: srv.URL}.Synthesize(context.Background(), "hi")
	if err == nil || !strings.Contains(err.Error(), "not a RIFF WAVE") {
		t.Fatalf("err = %v, want one saying the answer is not WAV", err)
	}
}
