package skool

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/chromedp/chromedp"
)

// dataPage is one page of members read from JSON.
type dataPage struct {
	entries []any
	total   int    // 0 when not given
	more    *bool  // nil when not given
	cursor  string // "" when not given
}

// readData reads the members from the page's embedded JSON (Next.js's
// __NEXT_DATA__) and, for the pages after it, from the JSON API the page's
// own script fetches. An error means the data is not where the selectors
// say; the caller then reads the visible list.
func (s *Scraper) readData(tab context.Context, slug string, progress func(read, total int)) (*memberSet, int, error) {
	m := s.sel.Members
	raw, err := eval[string](tab, s.opts.ElementWait, call(`(css) => document.querySelector(css)?.textContent ?? ""`, m.NextData))
	if err != nil {
		return nil, 0, fmt.Errorf("read %s: %w", m.NextData, err)
	}
	if raw == "" {
		return nil, 0, fmt.Errorf("the page has no %s (members.nextData)", m.NextData)
	}
	page, err := s.sel.dataPage([]byte(raw), m.FirstPage, "members.firstPage")
	if err != nil {
		return nil, 0, err
	}
	if len(page.entries) == 0 {
		// Perhaps the page loads its members later: the visible list
		// decides (a community without members is an error either way).
		return nil, 0, fmt.Errorf("members.firstPage.list: the list at %q is empty", m.FirstPage.List)
	}
	set, total := newMemberSet(), page.total
	for n := 2; ; n++ {
		added, err := s.addEntries(set, page.entries)
		if err != nil {
			return nil, 0, err
		}
		total = max(total, page.total)
		progress(len(set.members), total)
		if added == 0 || !page.continues(len(set.members), total, m.API.Cursor != "") {
			return set, total, nil
		}
		if page, err = s.nextDataPage(tab, slug, n, page.cursor); err != nil {
			return nil, 0, err
		}
	}
}

// addEntries parses JSON entries into the set and says how many were new.
func (s *Scraper) addEntries(set *memberSet, entries []any) (int, error) {
	added := 0
	for i, e := range entries {
		mem, err := s.sel.member(s.sel.rawFromJSON(e))
		if err != nil {
			return 0, fmt.Errorf("entry %d of the member data: %w", len(set.members)+i+1, err)
		}
		if set.add(mem) {
			added++
		}
	}
	return added, nil
}

// continues reports whether another page follows this one: until the
// count is reached, while the page says more follow, while it gives a
// cursor (when the API pages by cursor), and never after an empty page.
func (p dataPage) continues(read, total int, byCursor bool) bool {
	switch {
	case len(p.entries) == 0, total > 0 && read >= total:
		return false
	case p.more != nil:
		return *p.more
	case byCursor:
		return p.cursor != ""
	}
	return true
}

// nextDataPage fetches page n (or the page at cursor) from the API, after
// a pause.
func (s *Scraper) nextDataPage(tab context.Context, slug string, n int, cursor string) (dataPage, error) {
	api := s.sel.Members.API
	if api.URL == "" {
		return dataPage{}, errors.New("more members follow but members.api.url is not set")
	}
	if err := s.pause(tab); err != nil {
		return dataPage{}, err
	}
	u := strings.NewReplacer("{community}", url.PathEscape(slug), "{page}", strconv.Itoa(n), "{cursor}", url.QueryEscape(cursor)).Replace(api.URL)
	body, err := s.fetch(tab, u)
	if err != nil {
		return dataPage{}, err
	}
	return s.sel.dataPage(body, api, "members.api")
}

// fetchResult is fetch.js's answer.
type fetchResult struct {
	Status int    `json:"status"`
	Body   string `json:"body"`
}

// fetch gets a JSON document from the page, with its cookies, as its own
// script does.
func (s *Scraper) fetch(tab context.Context, u string) ([]byte, error) {
	if !strings.Contains(u, "://") {
		u = s.cfg.URL + u
	}
	res, err := eval[fetchResult](tab, s.opts.ElementWait, call(fetchJS, u), chromedp.EvalAwaitPromise)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", u, err)
	}
	if res.Status != 200 {
		return nil, fmt.Errorf("fetch %s: HTTP %d", u, res.Status)
	}
	return []byte(res.Body), nil
}

// dataPage decodes a JSON document and finds a page of members in it as
// where says (setting names where in the selectors file, for errors).
func (s *Selectors) dataPage(doc []byte, where DataPage, setting string) (dataPage, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return dataPage{}, fmt.Errorf("%s: the document is not JSON: %w", setting, err)
	}
	list, ok := lookup(v, where.List)
	entries, isList := list.([]any)
	if !ok || !isList {
		return dataPage{}, fmt.Errorf("%s.list: no list of members at %q", setting, where.List)
	}
	p := dataPage{entries: entries}
	if t, ok := lookup(v, where.Total); ok {
		p.total, _ = strconv.Atoi(text(t))
	}
	if more, ok := lookup(v, where.More); ok && more != nil {
		b, isBool := more.(bool)
		p.more = &b
		if !isBool {
			return dataPage{}, fmt.Errorf("%s.more: %q is not true or false", setting, where.More)
		}
	}
	if c, ok := lookup(v, where.Cursor); ok {
		p.cursor = text(c)
	}
	return p, nil
}
