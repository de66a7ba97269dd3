package config

import (
	"time"
)

// AI is the AI co-coach: its language model (any server of the
// OpenAI-compatible chat completions API: Ollama, llama.cpp's server,
// vLLM, LM Studio, hosted providers) and its speech engines.
type AI struct {
	BaseURL string        // like http://127.0.0.1:11434/v1; empty: no AI
	Model   string        // the model's name on that server
	APIKey  string        // sent as a bearer token when set
	Timeout time.Duration // how long an answer may take to start
	Speech  Speech
}

// Enabled reports whether a language model is configured.
func (a AI) Enabled() bool { return a.BaseURL != "" }

// Speech says how the AI hears and speaks: speech-to-text and
// text-to-speech engines, local or over the OpenAI-compatible audio APIs.
type Speech struct {
	// STTEngine is "auto" (pocketsphinx when installed), "pocketsphinx",
	// "whisper" (the /v1/audio/transcriptions API at STTURL) or "off".
	STTEngine  string
	STTURL     string // like http://127.0.0.1:8178/v1 (whisper.cpp's server)
	STTModel   string
	STTAPIKey  string
	STTGrammar string // a JSGF grammar file that narrows pocketsphinx to known phrases
	// TTSEngine is "auto" (espeak-ng when installed), "espeak", "openai"
	// (the /v1/audio/speech API at TTSURL) or "off".
	TTSEngine string
	TTSURL    string // like http://127.0.0.1:8880/v1 (Kokoro, Piper servers)
	TTSModel  string
	TTSVoice  string
	TTSAPIKey string
}

// aiSettings are the AI's environment variables.
var aiSettings = []Setting{
	{Name: "AI_BASE_URL", Help: "the AI co-coach's language model: an OpenAI-compatible API (Ollama: http://127.0.0.1:11434/v1); no AI when empty"},
	{Name: "AI_MODEL", Default: "llama3.1", Help: "the model's name on that server"},
	{Name: "AI_API_KEY", Help: "sent as a bearer token, for servers that want one", Secret: true},
	{Name: "AI_TIMEOUT", Default: "30s", Help: "how long an answer may take to start before the AI counts as unavailable"},
	{Name: "STT_ENGINE", Default: "auto", Help: "speech-to-text: auto (pocketsphinx when installed), pocketsphinx, whisper (STT_URL) or off"},
	{Name: "STT_URL", Help: "an OpenAI-compatible /v1/audio/transcriptions server (whisper.cpp, faster-whisper), like http://127.0.0.1:8178/v1"},
	{Name: "STT_MODEL", Default: "whisper-1", Help: "the transcription model's name on that server"},
	{Name: "STT_API_KEY", Help: "sent as a bearer token to STT_URL", Secret: true},
	{Name: "STT_GRAMMAR", Help: "a JSGF grammar file that narrows pocketsphinx to known phrases"},
	{Name: "TTS_ENGINE", Default: "auto", Help: "text-to-speech: auto (espeak-ng when installed), espeak, openai (TTS_URL) or off"},
	{Name: "TTS_URL", Help: "an OpenAI-compatible /v1/audio/speech server (Kokoro, Piper), like http://127.0.0.1:8880/v1"},
	{Name: "TTS_MODEL", Default: "tts-1", Help: "the speech model's name on that server"},
	{Name: "TTS_VOICE", Default: "alloy", Help: "the voice on that server (espeak-ng: a voice like en-us)"},
	{Name: "TTS_API_KEY", Help: "sent as a bearer token to TTS_URL", Secret: true},
}

// ai reads the AI_, STT_ and TTS_ settings.
func (r *reader) ai() AI {
	a := AI{
		BaseURL: r.str("AI_BASE_URL"),
		Model:   r.value("AI_MODEL"),
		APIKey:  r.secret("AI_API_KEY"),
		Timeout: r.seconds("AI_TIMEOUT"),
		Speech: Speech{
			STTEngine:  r.oneOf("STT_ENGINE", "auto", "pocketsphinx", "whisper", "off"),
			STTURL:     r.str("STT_URL"),
			STTModel:   r.value("STT_MODEL"),
			STTAPIKey:  r.secret("STT_API_KEY"),
			STTGrammar: r.str("STT_GRAMMAR"),
			TTSEngine:  r.oneOf("TTS_ENGINE", "auto", "espeak", "openai", "off"),
			TTSURL:     r.str("TTS_URL"),
			TTSModel:   r.value("TTS_MODEL"),
			TTSVoice:   r.value("TTS_VOICE"),
			TTSAPIKey:  r.secret("TTS_API_KEY"),
		},
	}
	r.httpURL("AI_BASE_URL", a.BaseURL)
	r.httpURL("STT_URL", a.Speech.STTURL)
	r.httpURL("TTS_URL", a.Speech.TTSURL)
	if a.Speech.STTEngine == "whisper" && a.Speech.STTURL == "" {
		r.fail("STT_URL", "required with STT_ENGINE=whisper: the transcription server's base URL")
	}
	if a.Speech.TTSEngine == "openai" && a.Speech.TTSURL == "" {
		r.fail("TTS_URL", "required with TTS_ENGINE=openai: the speech server's base URL")
	}
	return a
}
