package voice

import (
	"fmt"
	"strings"
	"testing"
)

func TestSentencesComeOutAsTheyComplete(t *testing.T) {
	for _, tc := range []struct {
		pieces []string
		want   []string
		rest   string
	}{
		{[]string{"Hello", " there.", " How", " are you?", " Fine"}, []string{"Hello there.", "How are you?"}, "Fine"},
		{[]string{"It costs 3.", "5 euros. Done."}, []string{"It costs 3.5 euros."}, "Done."},
		{[]string{"Ask J. Smith about it. Then rest."}, []string{"Ask J. Smith about it."}, "Then rest."},
		{[]string{"Wait!", " Really?", "\n", "Yes"}, []string{"Wait!", "Really?"}, "Yes"},
		{[]string{"One line\nAnother"}, []string{"One line"}, "Another"},
	} {
		var s sentences
		var got []string
		for _, p := range tc.pieces {
			got = append(got, s.push(p)...)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) || s.flush() != tc.rest {
			t.Errorf("%q: got %q, want %q and rest %q", tc.pieces, got, tc.want, tc.rest)
		}
	}
}

func TestALongSentenceIsCut(t *testing.T) {
	var s sentences
	long := strings.Repeat("word ", 80)
	got := s.push(long)
	if len(got) == 0 || len(got[0]) > maxSentence+10 {
		t.Fatalf("a %d-byte sentence came out as %d pieces, the first %d bytes", len(long), len(got), len(got[0]))
	}
}
