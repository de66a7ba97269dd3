package skooltest

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"time"
)

//go:embed pages/*.html pages/*.js
var pages embed.FS

// page is what a page template gets: the Next.js page data goes into
// __NEXT_DATA__ as JSON.
type page struct {
	Title string
	Route string         // the Next.js route, like /[group]/-/members
	Data  map[string]any // pageProps
	Next  string         // sign-in: where to go after
	Error string         // sign-in: the refusal

	Members  *membersView
	Millis   int64  // challenge: how long the check takes
	WAFToken string // challenge: the cookie it sets
}

// nextData is the __NEXT_DATA__ document.
func (p page) NextData() map[string]any {
	return map[string]any{"props": map[string]any{"pageProps": p.Data}, "page": p.Route, "buildId": "standin", "isFallback": false}
}

var funcs = template.FuncMap{
	"iso":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"date": func(t time.Time) string { return t.UTC().Format("Jan 2, 2006") },
}

// templates are parsed once: each page with the base.
var templates = func() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, name := range []string{"signin.html", "verify.html", "home.html", "members.html", "roster.html", "notfound.html"} {
		out[name] = template.Must(template.New("base.html").Funcs(funcs).ParseFS(pages, "pages/base.html", "pages/"+name))
	}
	out["challenge.html"] = template.Must(template.New("challenge.html").ParseFS(pages, "pages/challenge.html"))
	return out
}()

// render writes a page, or a 500 naming the template's fault.
func render(w http.ResponseWriter, status int, name string, p page) {
	var buf bytes.Buffer
	if err := templates[name].Execute(&buf, p); err != nil {
		http.Error(w, fmt.Sprintf("skooltest: render %s: %v", name, err), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

// challenge is the firewall's check: a page that sets the cookie and
// reloads itself after ChallengeFor, unless navigator.webdriver gives the
// browser away.
func (s *Site) challenge(w http.ResponseWriter) {
	render(w, http.StatusAccepted, "challenge.html", page{Millis: s.opts.ChallengeFor.Milliseconds(), WAFToken: s.waf})
}

// serveScript serves the member pages' client script.
func serveScript(w http.ResponseWriter, r *http.Request) {
	b, err := pages.ReadFile("pages/members.js")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}
