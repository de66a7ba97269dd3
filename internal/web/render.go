package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"strings"
	"sync"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

//go:embed templates static
var embedded embed.FS

// Pages are the parsed page templates: each page is the layout, the
// partials, and its own file.
type Pages struct {
	assets fs.FS
	dev    bool // re-parse from disk on every render
	mu     sync.Mutex
	byName map[string]*template.Template
}

// LoadPages parses every page under templates/. Any error fails start-up.
func LoadPages(assets fs.FS, dev bool) (*Pages, error) {
	p := &Pages{assets: assets, dev: dev}
	byName, err := p.parse()
	if err != nil {
		return nil, err
	}
	p.byName = byName
	return p, nil
}

func (p *Pages) parse() (map[string]*template.Template, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(p.assets, "templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	files, err := fs.Glob(p.assets, "templates/*.html")
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no page templates found: %v", err)
	}
	out := map[string]*template.Template{}
	for _, f := range files {
		t, err := template.Must(base.Clone()).ParseFS(p.assets, f)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", f, err)
		}
		name := strings.TrimSuffix(path.Base(f), ".html")
		if t.Lookup("content") == nil {
			return nil, fmt.Errorf("page %s defines no content block", f)
		}
		out[name] = t
	}
	return out, nil
}

func (p *Pages) get(name string) (*template.Template, error) {
	if p.dev {
		byName, err := p.parse()
		if err != nil {
			return nil, err
		}
		p.mu.Lock()
		p.byName = byName
		p.mu.Unlock()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.byName[name]
	if t == nil {
		return nil, fmt.Errorf("no page template %q", name)
	}
	return t, nil
}

// View is what every page gets: the signed-in user, where they are, and the
// page's own data.
type View struct {
	User     *coaching.User
	Title    string
	Path     string
	Timezone string // the viewer's profile time zone, "" for the browser's
	Flash    string
	DevAuth  bool
	// Unread is how many messages the viewer has not read.
	Unread int
	Data   any
}

// render executes a page into a buffer first, so that a failing template
// gives a clean error page instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	t, err := s.pages.get(name)
	buf := pageBuffers.Get().(*bytes.Buffer)
	defer putPageBuffer(buf)
	if err == nil {
		err = t.ExecuteTemplate(buf, "layout", s.view(r, data))
	}
	if err != nil {
		s.log.ErrorContext(r.Context(), "render page", "page", name, "err", err)
		http.Error(w, "Something went wrong on our side. Please try again.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

// pageBuffers keep the buffers pages are rendered into, so that a long
// page (a client's record runs to hundreds of kilobytes) does not grow a
// new one from nothing each time.
var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer is the largest buffer kept for the next page: a rare
// huge page's is let go.
const maxPooledBuffer = 4 << 20

func putPageBuffer(b *bytes.Buffer) {
	if b.Cap() > maxPooledBuffer {
		return
	}
	b.Reset()
	pageBuffers.Put(b)
}

func (s *Server) view(r *http.Request, data any) *View {
	v := &View{User: userFrom(r.Context()), Path: r.URL.Path, Data: data, DevAuth: s.cfg.DevSignIn,
		Flash: r.URL.Query().Get("flash")}
	if t, ok := data.(interface{ PageTitle() string }); ok {
		v.Title = t.PageTitle()
	}
	v.Timezone = s.viewerProfile(r).Text(coaching.ProfileTimezone)
	if v.User != nil && s.conversations != nil {
		v.Unread, _ = s.conversations.Unread(r.Context()) // a count that cannot be read is not shown
	}
	return v
}

// flashes are the short notices a redirect may carry (?flash=key); keeping
// them to a fixed list means a link cannot put arbitrary text on our pages.
var flashes = map[string]string{
	"booked":           "Appointment booked.",
	"saved":            "Saved.",
	"cancelled":        "Appointment cancelled.",
	"invited":          "Invitation sent. They appear among your clients once they accept it.",
	"accepted":         "Invitation accepted.",
	"declined":         "Invitation declined.",
	"ended":            "Your work with that coach has ended; their appointments with you are cancelled.",
	"created":          "User created.",
	"signedout":        "You have been signed out everywhere.",
	"devicesignedout":  "That device is signed out.",
	"calendarreset":    "Your calendar has a new link. The old one no longer works: subscribe to this one instead.",
	"emailssaved":      "Your email choices are saved.",
	"alreadycancelled": "This appointment is cancelled already.",
	"typecreated":      "Session type added: your clients can book it.",
	"moved":            "Moved: same appointment, same room, new time.",
	"typearchived":     "Session type removed: it is no longer offered.",
	"linkchanged":      "Your public link changed. The old one no longer works: share this one.",
	"notcancellable":   "This appointment is over; only a scheduled one can be cancelled.",
	"requested":        "Request sent: the session is confirmed once your coach accepts it.",
	"requestaccepted":  "Request accepted: the session is booked and the invitations are on their way.",
	"requestdeclined":  "Request declined: the client is told, and the time is free again.",
	"seriesbooked":     "Series booked: every session is confirmed, and both of you have it in one calendar invitation.",
	"seriesmoved":      "Moved: this session and every later one of the series.",
	"seriescancelled":  "Cancelled: this session and every later one of the series.",
	"erasurerequested": "Your data will be erased in two weeks. Until then you can keep it, below.",
	"erasurecancelled": "Your data stays: the erasure is cancelled.",
	"erased":           "The client's data is erased.",
	"notesaved":        "Private note saved.",
	"notedeleted":      "Private note deleted.",
	"templatesaved":    "Template saved.",
	"templatedeleted":  "Template deleted.",
	"goalsaved":        "Goal saved.",
	"goaldeleted":      "Goal deleted.",

	"questionnairesaved":   "Questionnaire saved. Clients who were sent it already keep the questions they were asked.",
	"questionnaireremoved": "Questionnaire removed: it is no longer sent or asked when booking. What clients answered stays.",
	"questionnaireasked":   "Saved: clients who book these session types are asked to fill it in.",
	"questionnairesent":    "Questionnaire sent: your client has an email with a link, and sees it on their dashboard.",
	"answerssaved":         "Your answers are saved. Come back to finish and submit them.",
	"answerssubmitted":     "Thank you: your answers are submitted.",
}

var funcs = template.FuncMap{
	"when":        when,
	"whenDate":    func(t time.Time) template.HTML { return timeTag(t, "date", "Mon 2 Jan 2006") },
	"whenTime":    func(t time.Time) template.HTML { return timeTag(t, "time", "15:04") },
	"whenShort":   func(t time.Time) template.HTML { return timeTag(t, "moment", "2 Jan, 15:04") },
	"minutes":     func(d time.Duration) int { return int(d / time.Minute) },
	"flash":       func(key string) string { return flashes[key] },
	"isCoach":     func(u *coaching.User) bool { return u != nil && u.Role == app.RoleCoach },
	"isClient":    func(u *coaching.User) bool { return u != nil && u.Role == app.RoleClient },
	"isAdmin":     func(u *coaching.User) bool { return u != nil && u.Role == app.RoleAdmin },
	"initials":    initials,
	"duration":    func(d time.Duration) string { return d.Round(time.Second).String() },
	"callTime":    coaching.CallTime,
	"field":       func(f map[string]string, k string) string { return f[k] },
	"eq":          func(a, b any) bool { return fmt.Sprint(a) == fmt.Sprint(b) },
	"ne":          func(a, b any) bool { return fmt.Sprint(a) != fmt.Sprint(b) },
	"list":        func(v ...string) []string { return v },
	"linkify":     linkify,
	"fileSize":    fileSize,
	"mark":        markText,
	"clip":        func() template.HTML { return clipIcon },
	"callsText":   callsText,
	"statusBadge": statusBadge,
	"lines":       transcriptItems,
	"messages":    messageItems,
}

// statusBadge is an appointment's status as a badge ("no_show" reads
// "no-show"); every page's "status" draws it.
func statusBadge(st coaching.AppointmentStatus) template.HTML {
	word := string(st)
	if st == coaching.ApptNoShow {
		word = "no-show"
	}
	return template.HTML(`<span class="status status-` + template.HTMLEscapeString(string(st)) + `">` + template.HTMLEscapeString(word) + `</span>`)
}

// fileSize shows a size in bytes as people read it.
func fileSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", (n+512)>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// when shows a time as a <time> element; app.js rewrites it in the viewer's
// time zone (their profile's, else the browser's). The text is UTC until then.
func when(t time.Time) template.HTML {
	return timeTag(t, "datetime", "Mon 2 Jan 2006, 15:04 MST")
}

func timeTag(t time.Time, format, layout string) template.HTML {
	u := t.UTC()
	return template.HTML(fmt.Sprintf(`<time datetime="%s" data-format="%s">%s</time>`,
		u.Format(time.RFC3339), format, template.HTMLEscapeString(u.Format(layout))))
}

// linkRe finds web addresses in chat text.
var linkRe = regexp.MustCompile(`https?://[^\s<>"']+`)

// linkify shows chat text as text, with its http(s) addresses as links that
// open apart from the app. Everything is escaped; only the <a> is ours.
func linkify(text string) template.HTML {
	var b strings.Builder
	last := 0
	for _, m := range linkRe.FindAllStringIndex(text, -1) {
		start, end := m[0], m[1]
		for end > start && strings.ContainsRune(".,;:!?)]}", rune(text[end-1])) {
			end-- // sentence punctuation after an address is not part of it
		}
		b.WriteString(template.HTMLEscapeString(text[last:start]))
		u := template.HTMLEscapeString(text[start:end])
		fmt.Fprintf(&b, `<a href="%s" rel="noopener noreferrer nofollow" target="_blank">%s</a>`, u, u)
		last = end
	}
	b.WriteString(template.HTMLEscapeString(text[last:]))
	return template.HTML(b.String())
}

func initials(u *coaching.User) string {
	if u == nil {
		return "?"
	}
	var out []rune
	for _, w := range strings.Fields(u.DisplayName()) {
		out = append(out, []rune(strings.ToUpper(w))[0])
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return string(out)
}

// isDir reports whether name (a path under the static folder, maybe with a
// trailing slash) is a folder.
func isDir(files fs.FS, name string) bool {
	name = strings.Trim(name, "/")
	if name == "" {
		return true
	}
	st, err := fs.Stat(files, name)
	return err == nil && st.IsDir()
}

// staticHandler serves CSS, scripts and images, never a folder's listing;
// cached for an hour unless in dev mode.
func staticHandler(files fs.FS, dev bool) http.Handler {
	fsrv := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isDir(files, r.URL.Path) { // no listings of what is there
			http.NotFound(w, r)
			return
		}
		if dev {
			w.Header().Set("Cache-Control", "no-cache")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=3600")
		}
		fsrv.ServeHTTP(w, r)
	})
}
