package record_test

import (
	"slices"
	"testing"

	"rapport/internal/record"
)

// TestFind: matches in any case, Unicode's too, left to right without
// overlap, with byte offsets into the text as it is.
func TestFind(t *testing.T) {
	for _, tc := range []struct {
		text, q string
		want    []record.Span
	}{
		{"Walk, WALK, walk", "walk", []record.Span{{0, 4}, {6, 10}, {12, 16}}},
		{"aaaa", "aa", []record.Span{{0, 2}, {2, 4}}},
		{"Ärger und ärger", "ÄRGER", []record.Span{{0, 6}, {11, 17}}},
		{"ΣΊΣΥΦΟΣ", "σίσυφος", []record.Span{{0, 14}}},
		{"the Kelvin sign: \u212a", "k", []record.Span{{4, 5}, {17, 20}}},
		{"nothing", "else", nil},
		{"anything", "", nil},
		{"short", "shorter", nil},
		{"50% off", "%", []record.Span{{2, 3}}},
	} {
		if got := record.Find(tc.text, tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("Find(%q, %q) = %v, want %v", tc.text, tc.q, got, tc.want)
		}
		if got := record.Contains(tc.text, tc.q); got != (tc.want != nil || tc.q == "") {
			t.Errorf("Contains(%q, %q) = %v", tc.text, tc.q, got)
		}
	}
}
