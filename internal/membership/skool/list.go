package skool

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// scrollSettle is how long an endless list may take to grow after a
// scroll before it counts as ended (when the page gives no count).
const scrollSettle = 5 * time.Second

// rowsSnapshot is rows.js's answer.
type rowsSnapshot struct {
	Rows  []rawMember `json:"rows"`
	Count int         `json:"count"`
	First string      `json:"first"`
	Total string      `json:"total"`
	Next  string      `json:"next"` // enabled, disabled or none
}

// readList reads the visible member list to its end: page by page with
// the next-page button, or by scrolling an endless list.
func (s *Scraper) readList(tab context.Context, slug string, progress func(read, total int)) (*memberSet, int, error) {
	l := s.sel.Members.List
	if err := s.waitElement(tab, l.Row); err != nil {
		return nil, 0, s.elementFailed(tab, "find the member list of "+slug, l.Row, "members.list.row", err)
	}
	set, from := newMemberSet(), 0
	for {
		snap, err := s.rows(tab, slug, from)
		if err != nil {
			return nil, 0, err
		}
		if err := s.addRows(set, slug, snap.Rows, from); err != nil {
			return nil, 0, err
		}
		total := number(snap.Total)
		progress(len(set.members), total)
		if (total > 0 && len(set.members) >= total) || snap.Next == "disabled" {
			return set, total, nil
		}
		more, err := s.moreRows(tab, slug, snap)
		if err != nil || !more {
			return set, total, err
		}
		from = 0
		if snap.Next == "none" {
			from = snap.Count // an endless list keeps the rows read
		}
	}
}

// rows reads the visible rows from row number from on.
func (s *Scraper) rows(tab context.Context, slug string, from int) (rowsSnapshot, error) {
	snap, err := eval[rowsSnapshot](tab, s.opts.ElementWait, call(rowsJS, s.sel, from))
	if err != nil {
		if tab.Err() != nil {
			return snap, fmt.Errorf("skool: read the member list of %s: %w", slug, context.Cause(tab))
		}
		return snap, s.stepFailed("read the member list of "+slug, err.Error())
	}
	return snap, nil
}

// addRows parses rows into the set.
func (s *Scraper) addRows(set *memberSet, slug string, rows []rawMember, from int) error {
	for i, r := range rows {
		m, err := s.sel.member(r)
		if err != nil {
			return s.stepFailed("read the member list of "+slug, fmt.Sprintf("row %d: %v", from+i+1, err))
		}
		set.add(m)
	}
	return nil
}

// moreRows brings the next rows: it presses the next-page button and
// waits for the page to change, or scrolls and waits for the list to grow.
// False means the list has ended.
func (s *Scraper) moreRows(tab context.Context, slug string, snap rowsSnapshot) (bool, error) {
	if err := s.pause(tab); err != nil {
		return false, err
	}
	l := s.sel.Members.List
	if snap.Next == "enabled" {
		step := "go to the next page of members of " + slug
		if err := s.click(tab, l.Next); err != nil {
			return false, s.elementFailed(tab, step, l.Next, "members.list.next", err)
		}
		changed := func(n rowsSnapshot) bool { return n.First != snap.First || n.Count != snap.Count }
		if err := s.waitRows(tab, s.opts.ElementWait, changed); err != nil {
			return false, s.waitFailed(tab, step, "the list did not change after pressing "+l.Next, err)
		}
		s.log.Debug("skool: next page of members", "community", slug, "rows", snap.Count)
		return true, nil
	}
	s.log.Debug("skool: scroll for more members", "community", slug, "rows", snap.Count)
	if _, err := eval[any](tab, s.opts.ElementWait, call(scrollJS, s.sel)); err != nil {
		return false, s.waitFailed(tab, "scroll the member list of "+slug, "", err)
	}
	err := s.waitRows(tab, scrollSettle, func(n rowsSnapshot) bool { return n.Count > snap.Count })
	if errors.Is(err, errTimeout) {
		return false, nil
	}
	return err == nil, s.waitFailed(tab, "scroll the member list of "+slug, "", err)
}

// waitRows looks at the list (no rows, just the count and the first) until
// done accepts it, for at most limit.
func (s *Scraper) waitRows(tab context.Context, limit time.Duration, done func(rowsSnapshot) bool) error {
	deadline := time.Now().Add(limit)
	for {
		snap, err := eval[rowsSnapshot](tab, 5*time.Second, call(rowsJS, s.sel, 1<<30))
		if err == nil && done(snap) {
			return nil
		}
		if tab.Err() != nil {
			return context.Cause(tab)
		}
		if time.Now().After(deadline) {
			return errTimeout
		}
		if err := sleep(tab, pollEvery); err != nil {
			return err
		}
	}
}

// waitFailed turns a failed wait into a StepError (nil for nil, the
// caller's reason when it gave up).
func (s *Scraper) waitFailed(tab context.Context, step, timeout string, err error) error {
	switch {
	case err == nil:
		return nil
	case tab.Err() != nil:
		return fmt.Errorf("skool: %s: %w", step, context.Cause(tab))
	case errors.Is(err, errTimeout) && timeout != "":
		return s.stepFailed(step, fmt.Sprintf("%s within %v", timeout, s.opts.ElementWait))
	}
	return s.stepFailed(step, err.Error())
}
