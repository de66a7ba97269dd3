package speech

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// installed is a host with only the named programs, in /usr/bin, and
// pocketsphinx's model when it has pocketsphinx.
func installed(names ...string) host {
	return host{
		lookPath: func(file string) (string, error) {
			if slices.Contains(names, file) {
				return "/usr/bin/" + file, nil
			}
			return "", errors.New("not found")
		},
		exists: func(path string) bool {
			return path == "/usr/share/pocketsphinx/model/en-us/en-us/mdef" && slices.Contains(names, PocketsphinxBin)
		},
	}
}

func TestNewChoices(t *testing.T) {
	grammar := filepath.Join(t.TempDir(), "phrases.gram")
	if err := os.WriteFile(grammar, []byte("#JSGF V1.0;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	both := installed(PocketsphinxBin, EspeakBin)
	for _, tc := range []struct {
		name      string
		s         Options
		look      host
		wantSTT   Transcriber
		wantTTS   Synthesizer
		wantLines []string // words each line must have
		wantErr   string
	}{
		{name: "AutoInstalled", s: Options{STTEngine: "auto", TTSEngine: "auto", TTSVoice: "alloy"}, look: both,
			wantSTT:   Pocketsphinx{Bin: "/usr/bin/pocketsphinx_continuous"},
			wantTTS:   Espeak{Bin: "/usr/bin/espeak-ng", Voice: "en-us"},
			wantLines: []string{"speech-to-text: pocketsphinx (local); set STT_ENGINE=whisper and STT_URL", "text-to-speech: espeak-ng (local, voice en-us)"}},
		{name: "AutoMissing", s: Options{STTEngine: "auto", TTSEngine: "auto"}, look: installed(),
			wantLines: []string{"speech-to-text: none: pocketsphinx is not installed", "text-to-speech: none: espeak-ng is not installed"}},
		{name: "AutoWithUnusedURLs", s: Options{STTEngine: "auto", STTURL: "http://w/v1", TTSEngine: "auto", TTSURL: "http://k/v1"}, look: both,
			wantSTT:   Pocketsphinx{Bin: "/usr/bin/pocketsphinx_continuous"},
			wantTTS:   Espeak{Bin: "/usr/bin/espeak-ng", Voice: "en-us"},
			wantLines: []string{"STT_URL is set but unused: set STT_ENGINE=whisper", "TTS_URL is set but unused: set TTS_ENGINE=openai"}},
		{name: "LocalWithGrammarAndVoice", s: Options{STTEngine: "pocketsphinx", STTGrammar: grammar, TTSEngine: "espeak", TTSVoice: "en-gb", TTSModel: "tts-1"}, look: both,
			wantSTT:   Pocketsphinx{Bin: "/usr/bin/pocketsphinx_continuous", Grammar: grammar},
			wantTTS:   Espeak{Bin: "/usr/bin/espeak-ng", Voice: "en-gb"},
			wantLines: []string{"with the grammar " + grammar, "voice en-gb"}},
		{name: "Servers", s: Options{
			STTEngine: "whisper", STTURL: "http://user:pw@127.0.0.1:8178/v1", STTModel: "whisper-1", STTAPIKey: "k1",
			TTSEngine: "openai", TTSURL: "http://127.0.0.1:8880/v1", TTSModel: "kokoro", TTSVoice: "af_heart", TTSAPIKey: "k2"}, look: installed(),
			wantSTT:   WhisperHTTP{BaseURL: "http://user:pw@127.0.0.1:8178/v1", Model: "whisper-1", APIKey: "k1"},
			wantTTS:   SpeechHTTP{BaseURL: "http://127.0.0.1:8880/v1", Model: "kokoro", Voice: "af_heart", APIKey: "k2"},
			wantLines: []string{"speech-to-text: whisper at http://user:xxxxx@127.0.0.1:8178/v1 (model whisper-1)", "text-to-speech: speech server at http://127.0.0.1:8880/v1 (model kokoro, voice af_heart)"}},
		{name: "Off", s: Options{STTEngine: "off", TTSEngine: "off"}, look: both,
			wantLines: []string{"speech-to-text: off", "text-to-speech: off"}},
		{name: "ErrPocketsphinxMissing", s: Options{STTEngine: "pocketsphinx", TTSEngine: "off"}, look: installed(EspeakBin),
			wantErr: "STT_ENGINE=pocketsphinx but pocketsphinx is not installed: not found"},
		{name: "AutoModelMissing", s: Options{STTEngine: "auto", TTSEngine: "off"},
			look:      host{lookPath: both.lookPath, exists: func(string) bool { return false }},
			wantLines: []string{"speech-to-text: none: pocketsphinx is not installed", "text-to-speech: off"}},
		{name: "ErrModelMissing", s: Options{STTEngine: "pocketsphinx", TTSEngine: "off"},
			look:    host{lookPath: both.lookPath, exists: func(string) bool { return false }},
			wantErr: "its US English model (/usr/share/pocketsphinx/model/en-us/en-us/mdef) is missing"},
		{name: "ErrEspeakMissing", s: Options{STTEngine: "off", TTSEngine: "espeak"}, look: installed(PocketsphinxBin),
			wantErr: "TTS_ENGINE=espeak but espeak-ng is not installed"},
		{name: "ErrGrammarMissing", s: Options{STTEngine: "auto", STTGrammar: grammar + ".missing", TTSEngine: "off"}, look: both,
			wantErr: "STT_GRAMMAR"},
		{name: "ErrWhisperWithoutURL", s: Options{STTEngine: "whisper", TTSEngine: "off"}, look: both,
			wantErr: "STT_ENGINE=whisper needs STT_URL"},
		{name: "ErrOpenAIWithoutURL", s: Options{STTEngine: "off", TTSEngine: "openai"}, look: both,
			wantErr: "TTS_ENGINE=openai needs TTS_URL"},
		{name: "ErrUnknownEngine", s: Options{STTEngine: "vosk", TTSEngine: "off"}, look: both,
			wantErr: `unknown STT_ENGINE "vosk"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stt, tts, lines, err := newEngines(tc.s, tc.look)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(stt, tc.wantSTT) || !reflect.DeepEqual(tts, tc.wantTTS) {
				t.Errorf("engines %#v and %#v, want %#v and %#v", stt, tts, tc.wantSTT, tc.wantTTS)
			}
			if len(lines) != 2 || !strings.Contains(lines[0], tc.wantLines[0]) || !strings.Contains(lines[1], tc.wantLines[1]) {
				t.Errorf("lines:\n%s\nwant them to say %q", strings.Join(lines, "\n"), tc.wantLines)
			}
			if strings.Contains(strings.Join(lines, " "), ":pw@") {
				t.Errorf("a password in the lines: %q", lines)
			}
		})
	}
}

func TestNewFindsInstalledEngines(t *testing.T) {
	MustTool(t, PocketsphinxBin)
	MustTool(t, EspeakBin)
	stt, tts, lines, err := New(Options{STTEngine: "auto", TTSEngine: "auto", TTSVoice: "alloy"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := stt.(Pocketsphinx); !ok {
		t.Errorf("speech-to-text %#v, want pocketsphinx", stt)
	}
	if _, ok := tts.(Espeak); !ok {
		t.Errorf("text-to-speech %#v, want espeak-ng", tts)
	}
	t.Log(strings.Join(lines, "\n"))
}

func TestNewWithEmptyPath(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	stt, tts, lines, err := New(Options{STTEngine: "auto", TTSEngine: "auto"})
	if err != nil || stt != nil || tts != nil {
		t.Fatalf("New with nothing installed = %v, %v, %v; want no engines and no error", stt, tts, err)
	}
	t.Log(strings.Join(lines, "\n"))
}
