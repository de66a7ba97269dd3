package coaching

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"rapport/internal/app"
)

// TextKind says which layout characters a free text may hold.
type TextKind int

// The kinds of free text: one line (names, titles, a search) or several
// (notes, a bio, a chat message).
const (
	SingleLine TextKind = iota // no control characters at all
	MultiLine                  // newlines ("\n" or "\r\n") and tabs allowed
)

// CheckText returns why s may not be kept as free text of the kind, or ""
// when it may. Every free-text field and chat message passes through it: a
// NUL is refused by PostgreSQL (a 500, or a failed batch of everyone's chat),
// other control characters and bidirectional overrides can disguise what a
// text says to the person who reads it (a name that displays reversed, a log
// line that seems to end), and invalid UTF-8 is not text.
func CheckText(s string, kind TextKind) string {
	if !utf8.ValidString(s) {
		return "must be valid UTF-8 text"
	}
	for i, r := range s {
		switch {
		case isBidiControl(r):
			return "must not contain bidirectional override characters"
		case !unicode.IsControl(r):
		case kind == SingleLine && (r == '\n' || r == '\r'):
			return "must be a single line"
		case kind == MultiLine && (r == '\n' || r == '\t' || (r == '\r' && strings.HasPrefix(s[i+1:], "\n"))):
		default:
			return fmt.Sprintf("must not contain control characters (found U+%04X)", r)
		}
	}
	return ""
}

// isBidiControl reports the embeddings, overrides and isolates
// (U+202A-U+202E, U+2066-U+2069) that reorder how the text around them is
// shown.
func isBidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

// checkText adds to fields the reason s is refused as the field name: not
// text of the kind, or longer than max characters.
func checkText(fields map[string]string, name, s string, kind TextKind, max int) {
	if msg := CheckText(s, kind); msg != "" {
		fields[name] = msg
	} else if utf8.RuneCountInString(s) > max {
		fields[name] = fmt.Sprintf("must be at most %d characters", max)
	}
}

// ValidText returns an EINVALID error naming the field when s may not be
// kept as free text of the kind, or nil.
func ValidText(field, s string, kind TextKind) error {
	if msg := CheckText(s, kind); msg != "" {
		return app.Invalid(map[string]string{field: msg})
	}
	return nil
}

// CleanText returns s as multi-line free text that CheckText accepts: invalid
// UTF-8 becomes U+FFFD and the characters it refuses are dropped. It is for
// text no person typed and nobody can be asked to correct, such as the AI's
// answers.
func CleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if CheckText(s, MultiLine) == "" {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		if isBidiControl(r) || (unicode.IsControl(r) && r != '\n' && r != '\t') {
			return -1
		}
		return r
	}, s)
}

// checkReason refuses a cancel or decline reason that is not free text of
// at most 1,000 characters, naming the field "reason".
func checkReason(reason string) error {
	fields := map[string]string{}
	checkText(fields, "reason", reason, MultiLine, 1000)
	return app.Invalid(fields)
}
