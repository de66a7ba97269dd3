// Package speech is the AI co-coach's ears and mouth: mono PCM audio and
// WAV files, an Opus encoder and decoder for the call's audio tracks, a
// voice activity detector that cuts one speaker's stream into turns, and
// speech-to-text and text-to-speech engines behind two small interfaces.
//
// The local engines (pocketsphinx and espeak-ng) run as installed programs,
// and the HTTP engines speak the OpenAI-compatible audio APIs that
// whisper.cpp, faster-whisper, Piper and Kokoro servers offer. Nothing here
// downloads anything at run time.
package speech
