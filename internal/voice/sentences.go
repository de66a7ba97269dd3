package voice

import "strings"

// sentences cuts a streamed answer into sentences as they complete, so that
// each can be spoken while the rest is still being written.
type sentences struct {
	buf strings.Builder
}

// maxSentence is the longest stretch spoken as one piece: a long sentence
// is cut at a comma or space past it.
const maxSentence = 240

// push adds a piece of the answer and returns the sentences it completes.
func (s *sentences) push(piece string) []string {
	s.buf.WriteString(piece)
	var out []string
	for {
		text := s.buf.String()
		end := sentenceEnd(text)
		if end < 0 {
			return out
		}
		if sentence := strings.TrimSpace(text[:end]); sentence != "" {
			out = append(out, sentence)
		}
		rest := text[end:]
		s.buf.Reset()
		s.buf.WriteString(rest)
	}
}

// flush returns what is left at the end of the answer.
func (s *sentences) flush() string {
	rest := strings.TrimSpace(s.buf.String())
	s.buf.Reset()
	return rest
}

// sentenceEnd is where the first whole sentence of text ends (after its
// closing punctuation and the space that follows), or -1 while none is
// whole. A point inside a number ("3.5") or after a single capital ("J.
// Smith") does not end one.
func sentenceEnd(text string) int {
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '.', '!', '?', '\n':
			if i+1 >= len(text) {
				return -1 // the next piece says whether it ends here
			}
			next := text[i+1]
			if text[i] == '\n' {
				return i + 1
			}
			if next != ' ' && next != '\n' && next != '"' && next != ')' {
				continue
			}
			if text[i] == '.' && i >= 1 && isUpper(text[i-1]) && (i == 1 || text[i-2] == ' ') {
				continue // an initial
			}
			return i + 1
		}
		if i >= maxSentence && (text[i] == ',' || text[i] == ' ') {
			return i + 1
		}
	}
	return -1
}

func isUpper(b byte) bool { return b >= 'A' && b <= 'Z' }
