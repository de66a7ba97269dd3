package record

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

// MaxQuery is the longest search, in characters.
const MaxQuery = 200

// Span is where a search matched in a text: text[Start:End].
type Span struct{ Start, End int }

// Find returns where q occurs in text, in any case (Unicode's simple case
// folding, as strings.EqualFold), left to right and not overlapping; nil
// when q is "" or does not occur.
func Find(text, q string) []Span {
	if q == "" {
		return nil
	}
	var out []Span
	for i := 0; i < len(text); {
		if end := matchAt(text, i, q); end > 0 {
			out = append(out, Span{i, end})
			i = end
			continue
		}
		_, size := utf8.DecodeRuneInString(text[i:])
		i += size
	}
	return out
}

// Contains reports whether q occurs in text in any case; every text
// contains "".
func Contains(text, q string) bool {
	if q == "" {
		return true
	}
	for i := 0; i < len(text); {
		if matchAt(text, i, q) > 0 {
			return true
		}
		_, size := utf8.DecodeRuneInString(text[i:])
		i += size
	}
	return false
}

// anyContains reports whether any of texts contains q.
func anyContains(q string, texts ...string) bool {
	for _, t := range texts {
		if Contains(t, q) {
			return true
		}
	}
	return false
}

// matchAt returns where a match of q that starts at text[i] ends, or -1.
func matchAt(text string, i int, q string) int {
	j := i
	for _, qr := range q {
		if j >= len(text) {
			return -1
		}
		tr, size := utf8.DecodeRuneInString(text[j:])
		if !equalFold(tr, qr) {
			return -1
		}
		j += size
	}
	return j
}

// equalFold reports whether two runes are the same in any case.
func equalFold(a, b rune) bool {
	if a == b {
		return true
	}
	if a < utf8.RuneSelf && b < utf8.RuneSelf {
		return 'A' <= a && a <= 'Z' && a+'a'-'A' == b || 'A' <= b && b <= 'Z' && b+'a'-'A' == a
	}
	for r := unicode.SimpleFold(a); r != a; r = unicode.SimpleFold(r) {
		if r == b {
			return true
		}
	}
	return false
}

// cleanQuery is a search as typed, without surrounding space, or why it
// cannot be searched for.
func cleanQuery(q string) (string, error) {
	q = strings.TrimSpace(q)
	if msg := coaching.CheckText(q, coaching.SingleLine); msg != "" {
		return "", app.Invalid(map[string]string{"q": msg})
	}
	if utf8.RuneCountInString(q) > MaxQuery {
		return "", app.Invalid(map[string]string{"q": fmt.Sprintf("must be at most %d characters", MaxQuery)})
	}
	return q, nil
}
