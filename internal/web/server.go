// Package web is Rapport's HTTP face: the pages (html/template over
// embed.FS), the JSON API under /api/v1, sign-in routes, health and metrics,
// and the middleware every request passes: logging, metrics, security
// headers, cross-origin protection and the session.
//
// Handlers are thin: they decode, call the coaching service, and encode. One
// function, Error, turns an app error into a status and an HTML or JSON answer.
package web

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"rapport/internal/audit"
	"rapport/internal/auth"
	"rapport/internal/coaching"
	"rapport/internal/conversation"
	"rapport/internal/intake"
	"rapport/internal/notes"
	"rapport/internal/notify"
	"rapport/internal/privacy"
	"rapport/internal/record"
	"rapport/internal/room"
)

// Pinger tells whether the database answers, for /readyz.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Server holds what the handlers need. Build it with New.
type Server struct {
	cfg      Settings
	svc      *coaching.Service
	notes    *notes.Service
	intake   *intake.Service
	record   *record.Service
	sessions *auth.Sessions
	oidc     *auth.OIDC // nil when no provider is configured
	devToken string     // opens the developer sign-in, when it is on
	db       Pinger
	log      *slog.Logger
	metrics  *Metrics
	pages    *Pages
	static   http.Handler
	limiter  auth.Limiter // sign-in attempts, per address
	writes   auth.Limiter // state changes, per person
	// routeRoom carries a room's connections to the node that runs it; nil:
	// this node alone.
	routeRoom RoomRouter
	draining  func() bool // stopping: /readyz says so
	proxies   auth.Proxies
	// BodyTimeout bounds how long a request's body may take to arrive.
	BodyTimeout time.Duration
	mux         *http.ServeMux

	conversations  *conversation.Service
	privacy        *privacy.Service // nil: no exports
	rooms          Rooms            // nil in a server without rooms
	hub            *notify.Hub
	history        room.History
	skool          Skool   // nil: the Skool sync is not set up
	outbox         DevMail // nil: no /dev/mail
	audit          *audit.Log
	originPatterns []string
}

// Options are the parts New wires together.
type Options struct {
	Settings Settings
	Service  *coaching.Service
	// Notes are the coaches' private notes.
	Notes *notes.Service
	// Intake is the questionnaires' service.
	Intake *intake.Service
	// Record is the clients' records and goals.
	Record   *record.Service
	Sessions *auth.Sessions
	OIDC     *auth.OIDC
	DevToken string // the developer sign-in's token, when it is on
	DB       Pinger
	Logger   *slog.Logger
	Metrics  *Metrics
	// Assets overrides the embedded templates and static files (serve --dev
	// passes the source folder so that edits show without a rebuild).
	Assets fs.FS
	// Conversations are the messages between coaches and clients.
	Conversations *conversation.Service
	// Privacy is the clients' export and erasure.
	Privacy *privacy.Service
	// Rooms serves the rooms' connections; Hub the notices to pages;
	// History the stored chat.
	Rooms   Rooms
	Hub     *notify.Hub
	History room.History
	// Skool is the membership sync for the admin pages; nil: not set up.
	Skool Skool
	// Outbox is the practice's queued emails, shown at /dev/mail where the
	// developer sign-in is on; nil: not shown.
	Outbox DevMail
	// Audit is the audit log, for its admin page and API.
	Audit *audit.Log
	// Limits makes the rate limits; nil makes them in this process, a
	// cluster shares them between its nodes.
	Limits func(name string, every time.Duration, burst int) auth.Limiter
	// RouteRoom carries a room's connections to the node that runs it (a
	// cluster); nil: this node runs every room.
	RouteRoom RoomRouter
	// Draining tells whether the server is stopping, for /readyz; nil:
	// never.
	Draining func() bool
}

// RoomRouter serves a request for an appointment's room on this node
// (here) or carries it to the node that runs the room (cluster.Cluster's
// Route).
type RoomRouter func(w http.ResponseWriter, r *http.Request, appointmentID int64, here http.Handler)

// limits is o.Limits, or limits in this process.
func (o Options) limits(name string, every time.Duration, burst int) auth.Limiter {
	if o.Limits != nil {
		return o.Limits(name, every, burst)
	}
	return auth.NewRateLimiter(every, burst)
}

// New parses and checks every template and registers the routes; a broken
// template fails here, at start-up, and not on a request.
func New(o Options) (*Server, error) {
	assets, dev := o.Assets, o.Assets != nil
	if assets == nil {
		assets = embedded
	}
	pages, err := LoadPages(assets, dev)
	if err != nil {
		return nil, err
	}
	static, err := fs.Sub(assets, "static")
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg: o.Settings, svc: o.Service, notes: o.Notes, intake: o.Intake, record: o.Record, sessions: o.Sessions, oidc: o.OIDC, devToken: o.DevToken, db: o.DB, skool: o.Skool,
		log: o.Logger, metrics: o.Metrics, pages: pages, limiter: o.limits("sign-in", 6*time.Second, 20),
		writes: o.limits("writes", WriteEvery, WriteBurst), routeRoom: o.RouteRoom, draining: o.Draining, proxies: o.Settings.TrustedProxies, BodyTimeout: DefaultBodyTimeout,
		static: staticHandler(static, dev), mux: http.NewServeMux(),
		conversations: o.Conversations, privacy: o.Privacy, rooms: o.Rooms, hub: o.Hub, history: o.History, audit: o.Audit, originPatterns: originPatterns(o.Settings),
	}
	if s.metrics == nil {
		s.metrics = NewMetrics(nil)
	}
	s.outbox = o.Outbox
	s.routes()
	return s, nil
}

// Handler returns the whole site with its middleware.
func (s *Server) Handler() http.Handler {
	cop := http.NewCrossOriginProtection()
	// A mail client's one-click unsubscribe (RFC 8058) is a POST from a
	// mail provider, not from a page of ours; its token is its key.
	cop.AddInsecureBypassPattern("POST " + unsubscribePattern)
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Error(w, r, errCrossOrigin)
	}))
	var h http.Handler = s.withRoute(s.mux)
	h = s.withWriteLimit(h)
	h = s.withSession(h)
	h = s.withBodyDeadline(h)
	h = cop.Handler(h)
	h = s.withSecurityHeaders(h)
	h = s.withRecover(h)
	h = s.withLogAndMetrics(h)
	return h
}

func (s *Server) routes() {
	m := s.mux
	m.Handle("GET /static/", http.StripPrefix("/static/", s.static))
	m.HandleFunc("GET /healthz", s.healthz)
	m.HandleFunc("GET /readyz", s.readyz)
	m.Handle("GET /metrics", s.metricsGate(s.metrics.Handler()))
	m.HandleFunc("GET /{$}", s.home)

	s.authRoutes()
	s.deviceRoutes()
	s.calendarRoutes()
	s.unsubscribeRoutes()
	s.emailChoiceRoutes()
	s.scheduleRoutes()
	s.requestRoutes()
	s.bookingPageRoutes()
	s.publicBookingRoutes()
	s.seriesRoutes()
	s.intakeRoutes()
	s.pageRoutes()
	s.settingsRoutes()
	s.apiRoutes()
	s.auditRoutes()
	s.invitationRoutes()
	s.conversationRoutes()
	s.exportRoutes()
	s.erasureRoutes()
	s.notesRoutes()
	s.recordRoutes()
	s.roomRoutes()
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { s.Error(w, r, errNoRoute) })
}

func (s *Server) pageRoutes() {
	m := s.mux
	m.HandleFunc("GET /dashboard", s.signedIn(s.dashboard))
	m.HandleFunc("GET /appointments", s.signedIn(s.appointmentsPage))
	m.HandleFunc("GET /appointments/new", s.signedIn(s.newAppointmentPage))
	m.HandleFunc("POST /appointments", s.signedIn(s.createAppointmentForm))
	m.HandleFunc("GET /appointments/{id}", s.signedIn(s.appointmentPage))
	m.HandleFunc("GET /appointments/{id}/edit", s.signedIn(s.editAppointmentPage))
	m.HandleFunc("POST /appointments/{id}", s.signedIn(s.updateAppointmentForm))
	m.HandleFunc("GET /appointments/{id}/cancel", s.signedIn(s.cancelAppointmentPage))
	m.HandleFunc("POST /appointments/{id}/cancel", s.signedIn(s.cancelAppointmentForm))
	m.HandleFunc("POST /appointments/{id}/summary", s.signedIn(s.shareSummaryForm))
	m.HandleFunc("GET /clients", s.signedIn(s.clientsPage))
	m.HandleFunc("POST /clients", s.signedIn(s.inviteClientForm))
	m.HandleFunc("GET /clients/{id}", s.signedIn(s.clientPage))
	m.HandleFunc("GET /profile", s.signedIn(s.profilePage))
	m.HandleFunc("POST /profile", s.signedIn(s.saveProfileForm))
	m.HandleFunc("GET /users", s.signedIn(s.usersPage))
	m.HandleFunc("POST /users", s.signedIn(s.createUserForm))
	m.HandleFunc("POST /users/{id}", s.signedIn(s.updateUserForm))
	s.skoolRoutes()
	m.HandleFunc("GET /rooms/{room_id}", s.signedIn(s.roomPage))
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.draining != nil && s.draining() { // a load balancer sends nothing new here
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "draining"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		s.log.Warn("readiness: database does not answer", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "not answering"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "database": "ok"})
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	if userFrom(r.Context()) != nil {
		http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}
