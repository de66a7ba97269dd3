package speech

import (
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
)

// Options say which speech engines the AI uses and where they are: the
// STT_ and TTS_ settings.
type Options struct {
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

// New picks the speech engines that the settings ask for, and says in
// human lines for the start-up log what it picked and how to change it.
// "auto" takes the local engine when it is installed and none otherwise;
// a nil Transcriber or Synthesizer means the AI cannot hear or speak. An
// engine asked for by name that cannot be had is an error. Nothing is
// downloaded, now or later.
func New(s Options) (Transcriber, Synthesizer, []string, error) {
	return newEngines(s, host{lookPath: exec.LookPath, exists: exists})
}

// host is what New asks of the machine, replaced in tests.
type host struct {
	lookPath func(file string) (string, error) // like exec.LookPath
	exists   func(path string) bool
}

// exists reports whether a file is there.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// newEngines is New on a given host.
func newEngines(s Options, look host) (Transcriber, Synthesizer, []string, error) {
	stt, sttLine, err := newTranscriber(s, look)
	if err != nil {
		return nil, nil, nil, err
	}
	tts, ttsLine, err := newSynthesizer(s, look)
	if err != nil {
		return nil, nil, nil, err
	}
	return stt, tts, []string{sttLine, ttsLine}, nil
}

// newTranscriber picks the speech-to-text engine.
func newTranscriber(s Options, look host) (Transcriber, string, error) {
	switch s.STTEngine {
	case "off":
		return nil, "speech-to-text: off (STT_ENGINE=off): the AI cannot hear the call", nil
	case "whisper":
		if s.STTURL == "" {
			return nil, "", fmt.Errorf("speech-to-text: STT_ENGINE=whisper needs STT_URL, the transcription server's base URL")
		}
		line := fmt.Sprintf("speech-to-text: whisper at %s (model %s)", redact(s.STTURL), s.STTModel)
		return WhisperHTTP{BaseURL: s.STTURL, Model: s.STTModel, APIKey: s.STTAPIKey}, line, nil
	case "pocketsphinx", "auto", "":
		return newPocketsphinx(s, look)
	}
	return nil, "", fmt.Errorf("speech-to-text: unknown STT_ENGINE %q (auto, pocketsphinx, whisper or off)", s.STTEngine)
}

// newPocketsphinx finds the installed recogniser: required when asked for
// by name, optional under "auto".
func newPocketsphinx(s Options, look host) (Transcriber, string, error) {
	bin, err := look.lookPath(PocketsphinxBin)
	if err == nil && !look.exists(pocketsphinxModel(bin)) {
		err = fmt.Errorf("its US English model (%s) is missing", pocketsphinxModel(bin))
	}
	if err != nil && s.STTEngine == "pocketsphinx" {
		return nil, "", fmt.Errorf("speech-to-text: STT_ENGINE=pocketsphinx but pocketsphinx is not installed: %w (apt-get install pocketsphinx pocketsphinx-en-us)", err)
	}
	if err != nil {
		return nil, "speech-to-text: none: pocketsphinx is not installed (apt-get install pocketsphinx pocketsphinx-en-us), or set STT_ENGINE=whisper and STT_URL to use a Whisper server" + ignoredURL(s.STTURL, "STT"), nil
	}
	line := "speech-to-text: pocketsphinx (local)"
	if s.STTGrammar != "" {
		if _, err := os.Stat(s.STTGrammar); err != nil {
			return nil, "", fmt.Errorf("speech-to-text: STT_GRAMMAR: %w", err)
		}
		line += " with the grammar " + s.STTGrammar
	}
	line += "; set STT_ENGINE=whisper and STT_URL to use a Whisper server" + ignoredURL(s.STTURL, "STT")
	return Pocketsphinx{Bin: bin, Grammar: s.STTGrammar}, line, nil
}

// pocketsphinxModel is where the recogniser looks for its default model
// (an acoustic model's mdef file), beside the program's bin directory:
// /usr/share/pocketsphinx/model/en-us/en-us for /usr/bin.
func pocketsphinxModel(bin string) string {
	return filepath.Join(filepath.Dir(filepath.Dir(bin)), "share", "pocketsphinx", "model", "en-us", "en-us", "mdef")
}

// newSynthesizer picks the text-to-speech engine.
func newSynthesizer(s Options, look host) (Synthesizer, string, error) {
	switch s.TTSEngine {
	case "off":
		return nil, "text-to-speech: off (TTS_ENGINE=off): the AI cannot speak in the call", nil
	case "openai":
		if s.TTSURL == "" {
			return nil, "", fmt.Errorf("text-to-speech: TTS_ENGINE=openai needs TTS_URL, the speech server's base URL")
		}
		line := fmt.Sprintf("text-to-speech: speech server at %s (model %s, voice %s)", redact(s.TTSURL), s.TTSModel, s.TTSVoice)
		return SpeechHTTP{BaseURL: s.TTSURL, Model: s.TTSModel, Voice: s.TTSVoice, APIKey: s.TTSAPIKey}, line, nil
	case "espeak", "auto", "":
		return newEspeak(s, look)
	}
	return nil, "", fmt.Errorf("text-to-speech: unknown TTS_ENGINE %q (auto, espeak, openai or off)", s.TTSEngine)
}

// newEspeak finds the installed synthesiser: required when asked for by
// name, optional under "auto".
func newEspeak(s Options, look host) (Synthesizer, string, error) {
	bin, err := look.lookPath(EspeakBin)
	if err != nil && s.TTSEngine == "espeak" {
		return nil, "", fmt.Errorf("text-to-speech: TTS_ENGINE=espeak but %s is not installed (apt-get install espeak-ng)", EspeakBin)
	}
	if err != nil {
		return nil, "text-to-speech: none: espeak-ng is not installed (apt-get install espeak-ng), or set TTS_ENGINE=openai and TTS_URL to use a speech server (Kokoro, Piper)" + ignoredURL(s.TTSURL, "TTS"), nil
	}
	voice := espeakVoice(s.TTSVoice)
	line := fmt.Sprintf("text-to-speech: espeak-ng (local, voice %s); set TTS_ENGINE=openai and TTS_URL to use a speech server (Kokoro, Piper)", voice)
	return Espeak{Bin: bin, Voice: voice}, line + ignoredURL(s.TTSURL, "TTS"), nil
}

// openAIVoices are the voices of the OpenAI speech API (TTS_VOICE's
// default is one): espeak-ng has none of them, and crashes on a voice it
// does not know.
var openAIVoices = map[string]bool{
	"alloy": true, "ash": true, "ballad": true, "coral": true, "echo": true, "fable": true,
	"nova": true, "onyx": true, "sage": true, "shimmer": true, "verse": true,
}

// espeakVoice is the espeak-ng voice for TTS_VOICE: US English for an
// OpenAI voice name or none.
func espeakVoice(v string) string {
	if v == "" || openAIVoices[v] {
		return "en-us"
	}
	return v
}

// ignoredURL warns, as the end of a line, that a server URL is set but
// its engine is not chosen.
func ignoredURL(u, prefix string) string {
	if u == "" {
		return ""
	}
	engine := map[string]string{"STT": "whisper", "TTS": "openai"}[prefix]
	return fmt.Sprintf(" (%s_URL is set but unused: set %s_ENGINE=%s to use it)", prefix, prefix, engine)
}

// redact hides a password in a URL meant for the log.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(an unparsable URL)"
	}
	return u.Redacted()
}
