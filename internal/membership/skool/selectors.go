package skool

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"rapport/internal/membership"
)

// defaultSelectors is the built-in selectors file; SKOOL_SELECTORS names
// another one with the same fields.
//
//go:embed selectors.json
var defaultSelectors []byte

// DefaultSelectors returns the built-in selectors file, as a start for an
// operator's own.
func DefaultSelectors() []byte { return bytes.Clone(defaultSelectors) }

// Selectors is everything the scraper knows about Skool's pages, kept in
// one JSON file so that a change on Skool's side is one edit: the paths,
// the CSS selectors, and where the member data sits in the pages' JSON.
type Selectors struct {
	// App matches an element of every page of Skool's application and none
	// of its web firewall's challenge page.
	App     string        `json:"app"`
	SignIn  SignInPage    `json:"signIn"`
	Human   HumanMarks    `json:"human"`
	Members MembersSource `json:"members"`
}

// SignInPage is the sign-in form.
type SignInPage struct {
	Path     string `json:"path"` // like /login
	Email    string `json:"email"`
	Password string `json:"password"`
	Submit   string `json:"submit"`
	Error    string `json:"error"` // the message that refuses the credentials
}

// HumanMarks recognise a challenge only a person can answer: a captcha, a
// two-factor code, a new-device email.
type HumanMarks struct {
	Elements []string `json:"elements"` // CSS selectors
	Texts    []string `json:"texts"`    // phrases of the page's text, in lower case
}

// MembersSource is where a community's members are read: its pages'
// embedded JSON first, the visible list when that fails.
type MembersSource struct {
	// Paths are the member administration pages, with {community} for the
	// slug; the members of all of them are read.
	Paths     []string          `json:"paths"`
	NextData  string            `json:"nextData"`  // the script element holding the page's JSON
	FirstPage DataPage          `json:"firstPage"` // the first page of members in it
	API       DataPage          `json:"api"`       // the JSON the page fetches for the next pages
	Fields    MemberFields      `json:"fields"`    // a member's fields, as dot paths into one entry
	Statuses  map[string]string `json:"statuses"`  // Skool's words (lower case) to active, cancelled, churned
	Dates     []string          `json:"dates"`     // Go time layouts of the dates shown
	List      VisibleList       `json:"list"`
}

// DataPage says where one page of members sits in a JSON document. Paths
// are dot paths like props.pageProps.members; an empty one is not read.
type DataPage struct {
	// URL is the API's address (only for the API), relative to SKOOL_URL
	// or absolute, with {community}, {page} (2 for the page after the
	// embedded one) and {cursor} (the value at Cursor in the last page).
	URL    string `json:"url,omitempty"`
	List   string `json:"list"`
	Total  string `json:"total"`  // the number of members, when given
	More   string `json:"more"`   // true while more pages follow
	Cursor string `json:"cursor"` // the next page's cursor, when the API pages by cursor
}

// MemberFields are dot paths into a member's JSON entry.
type MemberFields struct {
	Name       string `json:"name"`
	Email      string `json:"email"`
	Status     string `json:"status"`
	Joined     string `json:"joined"`
	AccessEnds string `json:"accessEnds"`
}

// VisibleList is the member list as it is shown: CSS selectors of a row,
// of the fields within a row, of the next-page button (when the list is
// paged rather than scrolled) and of the member count.
type VisibleList struct {
	Row        string `json:"row"`
	Name       string `json:"name"`
	Email      string `json:"email"`
	Status     string `json:"status"`
	Joined     string `json:"joined"`
	AccessEnds string `json:"accessEnds"`
	Next       string `json:"next"`
	Total      string `json:"total"`
}

// LoadSelectors reads a selectors file; an empty path gives the built-in
// one.
func LoadSelectors(path string) (*Selectors, error) {
	data, from := defaultSelectors, "built-in selectors"
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("skool: read selectors: %w", err)
		}
		data, from = b, path
	}
	var s Selectors
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("skool: selectors %s: %w", from, err)
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("skool: selectors %s: %w", from, err)
	}
	return &s, nil
}

// Validate checks that every field the scraper cannot do without is set.
func (s *Selectors) Validate() error {
	required := map[string]string{
		"app": s.App, "signIn.path": s.SignIn.Path, "signIn.email": s.SignIn.Email,
		"signIn.password": s.SignIn.Password, "signIn.submit": s.SignIn.Submit,
		"members.nextData": s.Members.NextData, "members.fields.email": s.Members.Fields.Email,
		"members.fields.status": s.Members.Fields.Status, "members.list.row": s.Members.List.Row,
		"members.list.email": s.Members.List.Email, "members.list.status": s.Members.List.Status,
	}
	for name, v := range required {
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("%s is required", name)
		}
	}
	if len(s.Members.Paths) == 0 {
		return errors.New("members.paths needs at least one page")
	}
	for _, p := range s.Members.Paths {
		if !strings.HasPrefix(p, "/") || !strings.Contains(p, "{community}") {
			return fmt.Errorf("members.paths: %q must start with / and hold {community}", p)
		}
	}
	if u := s.Members.API.URL; u != "" && !strings.Contains(u, "{page}") && !strings.Contains(u, "{cursor}") {
		return fmt.Errorf("members.api.url: %q must hold {page} or {cursor}", u)
	}
	return s.validateStatuses()
}

// validateStatuses checks that Skool's words map to the three statuses.
func (s *Selectors) validateStatuses() error {
	if len(s.Members.Statuses) == 0 {
		return errors.New("members.statuses is required")
	}
	for word, st := range s.Members.Statuses {
		switch membership.Status(st) {
		case membership.Active, membership.Cancelled, membership.Churned:
		default:
			return fmt.Errorf("members.statuses: %q maps to %q, not active, cancelled or churned", word, st)
		}
	}
	return nil
}
