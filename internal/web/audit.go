package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"rapport/internal/app"
	"rapport/internal/audit"
	"rapport/internal/coaching"
)

func (s *Server) auditRoutes() {
	s.mux.HandleFunc("GET /admin/audit", s.signedIn(s.auditPage))
	s.mux.HandleFunc("GET /api/v1/audit", s.signedIn(s.apiAudit))
}

// auditForm is the audit page's filter as typed: a person is a user's
// number or email (or "system" for who did it); a day is YYYY-MM-DD in
// the viewer's time zone, or an RFC 3339 time.
type auditForm struct {
	Actor, Subject, Action, From, To string
}

// auditFormOf reads the filter from the query.
func auditFormOf(r *http.Request) auditForm {
	q := r.URL.Query()
	get := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	return auditForm{Actor: get("actor"), Subject: get("subject"), Action: get("action"), From: get("from"), To: get("to")}
}

// filter turns the form into the log's filter, or says per field what is
// wrong. Dates are days in zone; to's day is included whole.
func (s *Server) auditFilter(ctx context.Context, f auditForm, zone *time.Location) (audit.Filter, map[string]string) {
	var out audit.Filter
	fields := map[string]string{}
	if strings.EqualFold(f.Actor, "system") {
		out.System = true
	} else {
		out.ActorID = s.personID(ctx, fields, "actor", f.Actor)
	}
	out.SubjectID = s.personID(ctx, fields, "subject", f.Subject)
	out.Action = audit.Action(f.Action)
	if out.Action != "" && !out.Action.Valid() {
		fields["action"] = "is not an action the log records"
	}
	out.From = auditTime(fields, "from", f.From, zone, false)
	out.To = auditTime(fields, "to", f.To, zone, true)
	if !out.From.IsZero() && !out.To.IsZero() && !out.To.After(out.From) {
		fields["to"] = "must not be before the start of the range"
	}
	return out, fields
}

// personID reads a person by number or email; an unknown email is a
// field's error (an erased person is found by number only).
func (s *Server) personID(ctx context.Context, fields map[string]string, field, v string) int64 {
	if v == "" {
		return 0
	}
	if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
		return id
	}
	if !strings.Contains(v, "@") {
		fields[field] = "must be a person's email or number"
		return 0
	}
	u, err := s.svc.UserByEmail(ctx, v)
	if err != nil {
		fields[field] = "no one here has this email"
		return 0
	}
	return u.ID
}

// auditTime reads a day (YYYY-MM-DD in zone; its end, the next midnight, when
// end) or an RFC 3339 time; "" is no bound.
func auditTime(fields map[string]string, field, v string, zone *time.Location, end bool) time.Time {
	if v == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t
	}
	d, err := time.ParseInLocation("2006-01-02", v, zone)
	if err != nil {
		fields[field] = "must be a day like 2030-01-31, or a time like 2030-01-31T09:00:00Z"
		return time.Time{}
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// viewerZone is the viewer's profile time zone, else UTC.
func (s *Server) viewerZone(r *http.Request) *time.Location {
	if loc, err := time.LoadLocation(s.viewerProfile(r).Text(coaching.ProfileTimezone)); err == nil && loc != time.Local {
		return loc
	}
	return time.UTC
}

// auditData is the audit page.
type auditData struct {
	Form       auditForm
	Fields     map[string]string
	Message    string
	Rows       []audit.Row
	Actions    []audit.Action
	Zone       string // the time zone days are read in
	Kept       string // how long an entry is kept
	Prev, Next string // the pages' links; "" when there is none
}

func (auditData) PageTitle() string { return "Audit log" }

// auditPage shows the log, newest first, filtered and paged: for admins.
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	if err := audit.MayRead(r.Context()); err != nil {
		s.Error(w, r, err)
		return
	}
	zone := s.viewerZone(r)
	d := auditData{Form: auditFormOf(r), Actions: audit.Actions, Zone: zone.String(), Kept: audit.KeptFor(s.cfg.AuditRetention)}
	f, fields := s.auditFilter(r.Context(), d.Form, zone)
	if len(fields) > 0 {
		d.Fields, d.Message = fields, "Please correct the highlighted fields."
		s.render(w, r, http.StatusBadRequest, "audit", d)
		return
	}
	p, offset := pageOf(r)
	f.Limit, f.Offset = p.Limit, p.Offset
	rows, err := s.audit.List(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var pg pager
	d.Rows, pg = trim(rows, offset)
	d.Prev, d.Next = d.Form.link(pg.HasPrev, pg.Prev), d.Form.link(pg.HasNext, pg.Next)
	s.render(w, r, http.StatusOK, "audit", d)
}

// link is the page at offset with the same filter, or "" when there is
// none.
func (f auditForm) link(ok bool, offset int) string {
	if !ok {
		return ""
	}
	q := url.Values{}
	for k, v := range map[string]string{"actor": f.Actor, "subject": f.Subject, "action": f.Action, "from": f.From, "to": f.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	q.Set("offset", strconv.Itoa(offset))
	return "/admin/audit?" + q.Encode()
}

// auditPersonJSON is someone an entry names; name and email are empty for
// someone since erased.
type auditPersonJSON struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// auditJSON is an entry as the API shows it; actor is null for the
// system, subject for no one.
type auditJSON struct {
	ID      int64            `json:"id"`
	At      time.Time        `json:"at"`
	Action  audit.Action     `json:"action"`
	Detail  string           `json:"detail"`
	Actor   *auditPersonJSON `json:"actor"`
	Subject *auditPersonJSON `json:"subject"`
}

func toAuditJSON(rows []audit.Row) []auditJSON {
	person := func(p audit.Person) *auditPersonJSON {
		if p.ID == 0 {
			return nil
		}
		return &auditPersonJSON{ID: p.ID, Name: p.Name, Email: p.Email}
	}
	out := make([]auditJSON, len(rows))
	for i, r := range rows {
		out[i] = auditJSON{ID: r.ID, At: r.At, Action: r.Action, Detail: r.Detail, Actor: person(r.Actor), Subject: person(r.Subject)}
	}
	return out
}

// apiAudit lists the log, newest first, filtered as the page is: for
// admins.
func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request, u *coaching.User) {
	if err := audit.MayRead(r.Context()); err != nil {
		s.Error(w, r, err)
		return
	}
	f, fields := s.auditFilter(r.Context(), auditFormOf(r), time.UTC)
	p, err := page(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if len(fields) > 0 {
		s.Error(w, r, app.Invalid(fields))
		return
	}
	f.Limit, f.Offset = p.Limit, p.Offset
	rows, err := s.audit.List(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, listJSON[auditJSON]{Items: toAuditJSON(rows), Limit: p.Limit, Offset: p.Offset})
}
