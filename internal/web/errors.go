package web

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"rapport/internal/app"
)

var (
	errNoRoute     = app.Errorf(app.ENOTFOUND, "there is no page here")
	errCrossOrigin = app.Errorf(app.EFORBIDDEN, "this request came from another site and was refused")
)

// statusOf maps an app error code to an HTTP status.
var statusOf = map[string]int{
	app.EINVALID:      http.StatusBadRequest,
	app.EUNAUTHORIZED: http.StatusUnauthorized,
	app.EFORBIDDEN:    http.StatusForbidden,
	app.ENOTFOUND:     http.StatusNotFound,
	app.ECONFLICT:     http.StatusConflict,
	app.ERATELIMITED:  http.StatusTooManyRequests,
	app.EUNAVAILABLE:  http.StatusServiceUnavailable,
	app.EINTERNAL:     http.StatusInternalServerError,
}

// statusClientClosed is the status recorded for a request its client
// abandoned.
const statusClientClosed = 499

// Error answers a request with err: JSON for the API, a page otherwise. Only
// internal errors are logged, and their details never reach the user. A page
// request from someone not signed in is sent to the sign-in page.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	code := app.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		code, status = app.EINTERNAL, http.StatusInternalServerError
	}
	if code == app.EINTERNAL && r.Context().Err() != nil {
		// The client went away: nothing went wrong here and no one reads the
		// answer; 499 (nginx's "client closed request") keeps the metrics true.
		w.WriteHeader(statusClientClosed)
		return
	}
	if code == app.EINTERNAL {
		s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", loggedPath(r.URL.Path), "err", err)
	}
	if wantsJSON(r) {
		writeJSON(w, status, errorBody{Error: errorDetail{Code: code, Message: app.ErrorMessage(err), Fields: app.ErrorFields(err)}})
		return
	}
	if code == app.EUNAUTHORIZED && r.Method == http.MethodGet {
		http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	s.render(w, r, status, "error", errorPage{Status: status, Title: http.StatusText(status), Message: sentence(app.ErrorMessage(err))})
}

// formMessage is the notice above a refused form. When the fields say what
// is wrong beside each input, the notice only points at them.
func formMessage(err error) string {
	if app.ErrorCode(err) == app.EINVALID && len(app.ErrorFields(err)) > 0 {
		return "Please correct the highlighted fields."
	}
	return sentence(app.ErrorMessage(err))
}

// summary spells out every field's reason, for forms that have no place
// beside an input to show them ("Role: you cannot change your own role.").
func summary(err error) string {
	fields := app.ErrorFields(err)
	if len(fields) == 0 {
		return sentence(app.ErrorMessage(err))
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = sentence(strings.ReplaceAll(k, "_", " ") + ": " + fields[k])
	}
	return strings.Join(parts, " ")
}

// sentence starts s with a capital and ends it with a full stop.
func sentence(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "!") && !strings.HasSuffix(s, "?") {
		s += "."
	}
	return s
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

type errorPage struct {
	Status         int
	Title, Message string
}

// wantsJSON reports whether r is an API call: the JSON API, the room
// transports and the notices stream, or a client that asks for JSON.
func wantsJSON(r *http.Request) bool {
	p := r.URL.Path
	if strings.HasPrefix(p, "/rooms/") && (strings.HasSuffix(p, "/signal") || strings.Contains(p, "/poll")) {
		return true
	}
	return strings.HasPrefix(p, "/api/") || p == "/events" || r.Header.Get("Upgrade") != "" ||
		(strings.Contains(r.Header.Get("Accept"), "application/json") && !strings.Contains(r.Header.Get("Accept"), "text/html"))
}
