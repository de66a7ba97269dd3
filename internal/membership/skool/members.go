package skool

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"rapport/internal/membership"
)

// community signs in and reads the members of every member page of the
// community with the given slug.
func (s *Scraper) community(tab context.Context, slug string, progress func(read, total int)) ([]membership.Member, error) {
	if err := s.signIn(tab); err != nil {
		return nil, err
	}
	all := newMemberSet()
	for _, p := range s.sel.Members.Paths {
		path := strings.ReplaceAll(p, "{community}", url.PathEscape(slug))
		base := len(all.members)
		set, err := s.membersPage(tab, slug, path, func(read, total int) {
			if total > 0 {
				total += base
			}
			progress(base+read, total)
		})
		if err != nil {
			return nil, err
		}
		all.addAll(set.members)
	}
	return all.members, nil
}

// membersPage reads one member page: from the page's JSON when it is where
// the selectors say, else from the visible list. A list shorter than the
// count the page gives is an error, not a result.
func (s *Scraper) membersPage(tab context.Context, slug, path string, progress func(read, total int)) (*memberSet, error) {
	step := "open the member list of " + slug
	st, err := s.open(tab, step, path)
	if err != nil {
		return nil, err
	}
	if st.Kind == kindForm || st.Kind == kindRefused {
		return nil, s.stepFailed(step, "Skool shows the sign-in form instead of "+path)
	}
	set, total, err := s.readData(tab, slug, progress)
	if err != nil {
		if tab.Err() != nil {
			return nil, fmt.Errorf("skool: read the members of %s: %w", slug, err)
		}
		s.log.Warn("skool: the member data is not where the selectors say; reading the visible list", "community", slug, "why", err)
		set, total, err = s.readList(tab, slug, progress)
		if err != nil {
			return nil, err
		}
	}
	if total > 0 && len(set.members) < total {
		return nil, s.stepFailed("read the members of "+slug, fmt.Sprintf("read %d members, the page says there are %d", len(set.members), total))
	}
	return set, nil
}

// memberSet is a list of members without repeats, by email.
type memberSet struct {
	members []membership.Member
	seen    map[string]bool
}

func newMemberSet() *memberSet { return &memberSet{seen: map[string]bool{}} }

// add adds a member not yet in the set and reports whether it was new.
func (m *memberSet) add(x membership.Member) bool {
	if m.seen[x.Email] {
		return false
	}
	m.seen[x.Email] = true
	m.members = append(m.members, x)
	return true
}

// addAll adds members and says how many were new.
func (m *memberSet) addAll(xs []membership.Member) int {
	n := 0
	for _, x := range xs {
		if m.add(x) {
			n++
		}
	}
	return n
}
