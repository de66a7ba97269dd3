package skool

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"rapport/internal/membership"
)

// rawMember is a member's fields as the page gives them, before parsing.
type rawMember struct {
	Name       string `json:"name"`
	Email      string `json:"email"`
	Status     string `json:"status"`
	Joined     string `json:"joined"`
	AccessEnds string `json:"accessEnds"`
}

// member parses a member's fields: the email is required and kept in lower
// case, the status must be one of the selectors file's words, the dates
// one of its layouts (or a Unix time). The end of access is kept for
// cancelled members only.
func (s *Selectors) member(r rawMember) (membership.Member, error) {
	m := membership.Member{
		Name:  strings.Join(strings.Fields(r.Name), " "),
		Email: strings.ToLower(strings.TrimSpace(r.Email)),
	}
	if !strings.Contains(m.Email, "@") {
		return m, fmt.Errorf("no email address (got %q); only a community's admins see its members' emails", r.Email)
	}
	word := strings.ToLower(strings.TrimSpace(r.Status))
	status, ok := s.Members.Statuses[word]
	if !ok {
		return m, fmt.Errorf("%s: unknown status %q (add it to members.statuses)", m.Email, r.Status)
	}
	m.Status = membership.Status(status)
	var err error
	if m.Joined, err = s.date(r.Joined); err != nil {
		return m, fmt.Errorf("%s: joined: %w", m.Email, err)
	}
	ends, err := s.date(r.AccessEnds)
	if err != nil {
		return m, fmt.Errorf("%s: access ends: %w", m.Email, err)
	}
	if !ends.IsZero() && m.Status == membership.Cancelled {
		m.AccessEnds = &ends
	}
	return m, nil
}

// date parses a date as Skool shows it: one of the selectors file's
// layouts, in UTC unless it says otherwise, also after a label ("Joined
// Mar 5, 2024"); or a Unix time in seconds or milliseconds. Empty is zero.
func (s *Selectors) date(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n > 1e11 {
			return time.UnixMilli(n).UTC(), nil
		}
		return time.Unix(n, 0).UTC(), nil
	}
	words := strings.Fields(v)
	for i := range words {
		tail := strings.Join(words[i:], " ")
		for _, layout := range s.Members.Dates {
			if t, err := time.Parse(layout, tail); err == nil {
				return t.UTC(), nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("%q is in none of the date layouts of members.dates", v)
}

// lookup follows a dot path (like props.pageProps.members or
// items.0.email) into decoded JSON.
func lookup(v any, path string) (any, bool) {
	if path == "" {
		return nil, false
	}
	for _, key := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[key]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// text is a JSON value as text: strings as they are, numbers and booleans
// written out, null and objects empty.
func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// rawFromJSON picks a member's fields out of one JSON entry.
func (s *Selectors) rawFromJSON(entry any) rawMember {
	f := s.Members.Fields
	get := func(path string) string { v, _ := lookup(entry, path); return text(v) }
	return rawMember{
		Name: get(f.Name), Email: get(f.Email), Status: get(f.Status),
		Joined: get(f.Joined), AccessEnds: get(f.AccessEnds),
	}
}

// number is the first number in a text like "5,000 members"; 0 if none,
// or if it is rounded ("5.2k"): a count is only good when exact.
func number(v string) int {
	loc := countPattern.FindStringIndex(v)
	if loc == nil || strings.ContainsAny(v[loc[1]:min(loc[1]+1, len(v))], "kKmM") {
		return 0
	}
	digits := strings.NewReplacer(",", "", ".", "", "\u00a0", "", " ", "", "'", "").Replace(v[loc[0]:loc[1]])
	n, _ := strconv.Atoi(digits)
	return n
}

var countPattern = regexp.MustCompile(`\d[\d,.'\x{00a0} ]*\d|\d`)
