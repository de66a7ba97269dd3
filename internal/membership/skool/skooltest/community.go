package skooltest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"rapport/internal/membership"
)

// membersView is a member page as its templates and script see it.
type membersView struct {
	Slug        string
	API         string // where the script fetches the next pages
	Members     []memberView
	Total       int
	TotalText   string // like "5,000 members"
	HasMore     bool
	Pages       int
	Scroll      bool
	DatesAsText bool // the list-only layout shows no datetime attributes
}

// memberView is one member as the page shows it.
type memberView struct {
	ID          string
	Name        string
	Email       string
	Label       string // Active, Cancelled, Churned
	Joined      time.Time
	AccessEnds  *time.Time
	DatesAsText bool
}

// words are the statuses as the stand-in's JSON says them.
var words = map[membership.Status]string{membership.Active: "active", membership.Cancelled: "cancelling", membership.Churned: "churned"}

// labels are the statuses as its pages show them.
var labels = map[membership.Status]string{membership.Active: "Active", membership.Cancelled: "Cancelled", membership.Churned: "Churned"}

// pageOf is page n (from 1) of a community's members, and whether more
// follow.
func (s *Site) pageOf(slug string, n int) ([]membership.Member, bool) {
	all := s.opts.Members[slug]
	from := min((n-1)*s.opts.PageSize, len(all))
	to := min(from+s.opts.PageSize, len(all))
	return all[from:to], to < len(all)
}

// membersPage is a community's member administration.
func (s *Site) membersPage(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	all, ok := s.opts.Members[slug]
	if !ok {
		render(w, http.StatusNotFound, "notfound.html", page{Title: "Page not found | Skool", Route: "/404", Data: map[string]any{}})
		return
	}
	first, more := s.pageOf(slug, 1)
	v := &membersView{Slug: slug, API: "/api/groups/" + slug + "/members", Total: len(all), TotalText: countText(len(all)),
		HasMore: more, Pages: max(1, (len(all)+s.opts.PageSize-1)/s.opts.PageSize), Scroll: s.opts.Scroll,
		DatesAsText: s.opts.Layout == ListOnly}
	for i, m := range first {
		mv := view(i, m)
		mv.DatesAsText = v.DatesAsText
		v.Members = append(v.Members, mv)
	}
	p := page{Title: "Members | " + slug, Route: "/[group]/-/members", Members: v}
	switch s.opts.Layout {
	case Changed:
		v.API = "/api/v2/communities/" + slug + "/roster"
		p.Data = map[string]any{"community": map[string]any{"slug": slug, "roster": rosterData(first, len(all), more)}}
		render(w, http.StatusOK, "roster.html", p)
	case ListOnly:
		p.Data = map[string]any{"group": map[string]any{"slug": slug}}
		render(w, http.StatusOK, "members.html", p)
	default:
		p.Data = map[string]any{"group": map[string]any{"slug": slug}, "members": entries(first), "total": len(all), "page": 1, "hasMore": more}
		render(w, http.StatusOK, "members.html", p)
	}
}

// membersAPI is the JSON the member page's script fetches: ?page=n.
func (s *Site) membersAPI(w http.ResponseWriter, r *http.Request) {
	slug, n, ok := s.apiPage(w, r)
	if !ok {
		return
	}
	list, more := s.pageOf(slug, n)
	writeJSON(w, map[string]any{"members": entries(list), "total": len(s.opts.Members[slug]), "page": n, "hasMore": more})
}

// rosterAPI is the changed layout's API.
func (s *Site) rosterAPI(w http.ResponseWriter, r *http.Request) {
	slug, n, ok := s.apiPage(w, r)
	if !ok {
		return
	}
	list, more := s.pageOf(slug, n)
	writeJSON(w, map[string]any{"roster": rosterData(list, len(s.opts.Members[slug]), more)})
}

// apiPage reads the community and the page number of an API request.
func (s *Site) apiPage(w http.ResponseWriter, r *http.Request) (string, int, bool) {
	slug := r.PathValue("slug")
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if _, known := s.opts.Members[slug]; !known || err != nil || n < 1 {
		http.Error(w, `{"error":"not found"}`, http.StatusNotFound)
		return "", 0, false
	}
	return slug, n, true
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// entries are members as the standard JSON has them.
func entries(ms []membership.Member) []map[string]any {
	out := make([]map[string]any, len(ms))
	for i, m := range ms {
		e := map[string]any{"id": fmt.Sprintf("m%d", i), "name": m.Name, "email": m.Email, "status": words[m.Status],
			"joinedAt": m.Joined.UTC().Format(time.RFC3339), "accessEndsAt": nil}
		if m.AccessEnds != nil {
			e["accessEndsAt"] = m.AccessEnds.UTC().Format(time.RFC3339)
		}
		out[i] = e
	}
	return out
}

// rosterData is a page of members as the changed layout's JSON has them.
func rosterData(ms []membership.Member, total int, more bool) map[string]any {
	list := make([]map[string]any, len(ms))
	for i, m := range ms {
		paid := map[string]any{"state": labels[m.Status], "since": m.Joined.Unix(), "paidThrough": nil}
		if m.AccessEnds != nil {
			paid["paidThrough"] = m.AccessEnds.UnixMilli()
		}
		list[i] = map[string]any{
			"profile":    map[string]any{"displayName": m.Name, "contact": map[string]any{"primaryEmail": m.Email}},
			"membership": paid,
		}
	}
	return map[string]any{"entries": list, "count": total, "next": more}
}

func view(i int, m membership.Member) memberView {
	return memberView{ID: fmt.Sprintf("m%d", i), Name: m.Name, Email: m.Email, Label: labels[m.Status], Joined: m.Joined, AccessEnds: m.AccessEnds}
}

// countText writes a count like Skool: "5,000 members".
func countText(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if n == 1 {
		return s + " member"
	}
	return s + " members"
}
