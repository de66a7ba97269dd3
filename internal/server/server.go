// Package server wires Rapport's parts into one running application: the
// domain service over the store, sessions and sign-in, the live rooms and
// their chat writer, the notices hub, the signaling transports and the web
// handler. cmd/rapport and the tests build the application the same way.
package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"rapport/internal/ai"
	"rapport/internal/app"
	"rapport/internal/audit"
	"rapport/internal/auth"
	"rapport/internal/chat"
	"rapport/internal/cluster"
	"rapport/internal/coaching"
	"rapport/internal/config"
	"rapport/internal/conversation"
	"rapport/internal/intake"
	"rapport/internal/mail/outbox"
	"rapport/internal/notes"
	"rapport/internal/notify"
	"rapport/internal/privacy"
	"rapport/internal/protocol"
	"rapport/internal/record"
	"rapport/internal/room"
	"rapport/internal/sfu"
	"rapport/internal/signaling"
	"rapport/internal/speech"
	"rapport/internal/store"
	"rapport/internal/turn"
	"rapport/internal/udpbuf"
	"rapport/internal/voice"
	"rapport/internal/web"
)

// Options are what the application is built from.
type Options struct {
	Config *config.Config
	DB     *store.DB // open and migrated
	Logger *slog.Logger
	Clock  app.Clock // nil: the real clock
	// SessionSecret signs cookies; nil reads SESSION_SECRET or the data
	// directory's generated secret.
	SessionSecret []byte
	// OIDC overrides the sign-in provider made from the settings (tests).
	OIDC *auth.OIDC
	// Assets serves templates and static files from elsewhere (serve --dev).
	Assets fs.FS
	// DevToken is the developer sign-in's token; empty reads (or makes)
	// the data directory's, when the developer sign-in is on.
	DevToken string
	// Audit keeps the audit log's entries; nil: the database does.
	Audit audit.Recorder
	// Cluster is this node's part in a cluster (REDIS_URL); nil: alone.
	// New starts it; Close stops it.
	Cluster *cluster.Cluster
}

// App is the running application, less its listener and database.
type App struct {
	Config    *config.Config
	DB        *store.DB
	Service   *coaching.Service
	Notes     *notes.Service  // the coaches' private notes
	Intake    *intake.Service // the questionnaires
	Record    *record.Service // the clients' records and goals
	Sessions  *auth.Sessions
	Hub       *notify.Hub
	Chat      *chat.Writer
	Rooms     *room.Manager
	Signaling *signaling.Server
	Media     *sfu.SFU
	TURN      *turn.Server     // the embedded TURN server, if on
	cluster   *cluster.Cluster // the other nodes; nil: alone
	twilio    *turn.Twilio
	voice     *voice.Host    // the AI in calls, when it can join them
	skool     *skoolSync     // the Skool sync, when configured
	mailer    *outbox.Sender // sends the outbox, when SMTP is set
	clock     app.Clock      // nil: the real clock
	// unreached is the sign-in provider while it has not answered: tried
	// again in the background.
	unreached *auth.OIDC
	// Retention deletes, every night, what the practice keeps no longer
	// (RETENTION_CHAT, RETENTION_TRANSCRIPTS, AUDIT_RETENTION).
	Retention *audit.Nightly
	Web       *web.Server
	// DevToken opens the developer sign-in (/auth/dev?token=...), when on.
	DevToken string
	log      *slog.Logger
	stop     context.CancelFunc
	stopped  chan struct{}
	draining atomic.Bool // Drain began: /readyz answers 503

	// Conversations are the messages between coaches and clients.
	Conversations *conversation.Service
	// Privacy is the clients' export and erasure.
	Privacy *privacy.Service
}

// assistant gives the rooms the AI co-coach when a model is configured,
// and says at start-up what the AI does.
func (a *App) assistant() {
	c := a.Config.AI
	if !c.Enabled() {
		a.log.Info("the AI co-coach is off; set AI_BASE_URL (and AI_MODEL) to an OpenAI-compatible server such as Ollama's http://127.0.0.1:11434/v1 to turn it on")
		return
	}
	client := ai.NewClient(c.BaseURL, c.Model, c.APIKey)
	client.Timeout = c.Timeout
	mind := &ai.CoCoach{Client: client, Profiles: a.DB, Memory: a.DB}
	a.Rooms.Assistant = mind
	a.Rooms.Summarizer = &ai.Summarizer{Client: client, Store: a.DB, Log: a.log}
	a.log.Info("the AI co-coach answers @ai in the chat", "model", c.Model, "server", c.BaseURL)
	ears, mouth, lines, err := speech.New(speech.Options(c.Speech)) // the same fields
	for _, line := range lines {
		a.log.Info(line)
	}
	if err != nil || ears == nil || mouth == nil {
		a.log.Info("the AI co-coach cannot join calls: it needs both speech-to-text and text-to-speech (STT_ENGINE, TTS_ENGINE)", "err", err)
		return
	}
	a.Rooms.Transcripts = a.DB
	a.voice = &voice.Host{Rooms: a.Rooms, SFU: a.Media, Mind: mind, Ears: ears, Mouth: mouth, Log: a.log}
	a.Rooms.Voice = a.voice
	a.log.Info("the AI co-coach can join calls when the coach brings it in")
}

// New builds the application and starts its background work (the sweep of
// abandoned calls, the reaper of idle long polls).
func New(o Options) (*App, error) {
	if o.Config.LoadTest && !o.Config.DevSignIn() {
		return nil, errLoadRoomsOffLoopback
	}
	a := &App{Config: o.Config, DB: o.DB, log: o.Logger, Hub: notify.NewHub(), clock: o.Clock}
	a.Service = coaching.NewService(o.DB, o.Clock)
	a.Notes = a.privateNotes(o.Audit)
	a.buildPrivacy(o.Audit)
	a.Intake = intake.NewService(o.DB, o.Clock)
	a.Service.OnBooking = a.Intake.Booked // a session type may ask its client to fill in a questionnaire
	a.Record = a.clientRecords(o.Audit)
	a.mail()
	a.buildConversations()
	a.Service.Signup = signup(o.Config)
	if err := a.sessions(o); err != nil {
		return nil, err
	}
	if err := a.devToken(o); err != nil {
		return nil, err
	}
	oidc, err := a.signIn(o.OIDC)
	if err != nil {
		return nil, err
	}
	a.Chat = chat.NewWriter(o.DB, o.Logger)
	a.Rooms = room.NewManager(a.Service, o.DB, a.Chat, a.Hub, o.Clock, o.Logger)
	defaultMode := coaching.CallMode(o.Config.CallMode)
	a.Rooms.CallMode = func(appt *coaching.Appointment) string { return string(appt.CallModeOr(defaultMode)) }
	a.Signaling = signaling.NewServer(a.Rooms, o.Logger, o.Clock)
	a.follow()
	if o.Cluster != nil {
		a.clusterize(o.Cluster)
	}
	if err := a.media(); err != nil {
		a.Chat.Close()
		return nil, err
	}
	a.assistant()
	metrics := web.NewMetrics(o.DB.Pools())
	a.Rooms.Observe = newRoomMetrics(metrics.Registry())
	metrics.Registry().MustRegister(mediaMetrics{a})
	skoolSync, err := a.newSkoolSync()
	if err != nil {
		a.Chat.Close()
		a.closeMedia()
		return nil, fmt.Errorf("set up the Skool sync: %w", err)
	}
	opts := web.Options{Settings: WebSettings(o.Config), Service: a.Service, Notes: a.Notes, Intake: a.Intake, Record: a.Record, Sessions: a.Sessions, OIDC: oidc, DevToken: a.DevToken, DB: o.DB,
		Logger: o.Logger, Metrics: metrics, Assets: o.Assets,
		Rooms: a.Signaling, Hub: a.Hub, History: o.DB, Outbox: o.DB, Conversations: a.Conversations, Privacy: a.Privacy,
		Audit: &audit.Log{Store: o.DB}}
	opts.Draining = a.draining.Load
	clusterWeb(&opts, o.Cluster)
	if skoolSync != nil {
		a.skool, opts.Skool = skoolSync, skoolSync
	}
	w, err := web.New(opts)
	if err != nil {
		a.Chat.Close()
		a.closeMedia()
		return nil, fmt.Errorf("build web server: %w", err)
	}
	a.Web = w
	a.Retention = a.retention()
	ctx, cancel := context.WithCancel(context.Background())
	if a.cluster != nil {
		if err := a.cluster.Start(ctx); err != nil {
			cancel()
			a.Chat.Close()
			a.closeMedia()
			return nil, err
		}
	}
	a.stop, a.stopped = cancel, make(chan struct{})
	go a.background(ctx)
	return a, nil
}

// follow makes live connections follow the changes of the domain at once:
// a person who changed (role, status, signed out everywhere) reconnects,
// which checks them again; a cancelled appointment's room closes for
// everyone; an invited client's open pages hear of the invitation. Changes made elsewhere (the CLI, another node) reach the
// connections through the session check every ping interval.
func (a *App) follow() {
	a.Signaling.Sessions = a.Service.StandingSessions
	a.Service.Hooks = coaching.Hooks{
		UserChanged: func(id int64) {
			a.Signaling.CloseUser(id, room.ReasonGone)
			if a.TURN != nil {
				if err := a.TURN.Recheck(context.Background(), id); err != nil {
					a.log.Warn("TURN: is a changed user still allowed", "user", id, "err", err)
				}
			}
		},
		AppointmentClosed: func(appt *coaching.Appointment) {
			a.Signaling.CloseRoom(appt.RoomID, room.ReasonRoomEnded)
		},
		AppointmentChanged: func(appt *coaching.Appointment) {
			ev := notify.Event{Type: "appointment.changed", Data: map[string]any{"id": appt.ID, "status": appt.Status}}
			a.Hub.Notify(appt.CoachID, ev)
			a.Hub.Notify(appt.ClientID, ev)
		},
		Invited: func(userID int64, inv *coaching.Invitation) {
			a.Hub.Notify(userID, notify.Event{Type: "invitation", Data: map[string]any{
				"coach_id": inv.CoachID, "coach_name": inv.Coach.Name, "coach_email": inv.Coach.Email}})
		},
	}
}

// media starts the SFU with the WEBRTC_ settings and gives browsers the
// ICE servers.
func (a *App) media() error {
	w := a.Config.WebRTC
	m, err := sfu.New(sfu.Settings{UDPPort: w.UDPPort, UDPPortMin: w.UDPPortMin, UDPPortMax: w.UDPPortMax, TCPPort: w.TCPPort,
		PublicIPs: w.PublicIPs, Interfaces: w.Interfaces, LoopbackOnly: w.LoopbackOnly}, a.log)
	if err != nil {
		return fmt.Errorf("start the SFU: %w", err)
	}
	a.Media, a.Signaling.Media = m, m
	if granted, err := udpbuf.Granted(); err == nil {
		if advice := udpbuf.Advice(granted); advice != "" {
			a.log.Warn(advice)
		}
	}
	if w.LoopbackOnly {
		a.log.Info("call media on loopback only, as the server is; set WEBRTC_LOOPBACK_ONLY=false to gather every interface")
	}
	turns, err := a.turn()
	if err != nil {
		m.Close()
		return err
	}
	var stun []protocol.ICEServer
	if len(w.STUNURLs) > 0 {
		stun = []protocol.ICEServer{{URLs: w.STUNURLs}}
	}
	a.Rooms.ICEServers = func(user int64) []protocol.ICEServer {
		list := append([]protocol.ICEServer{}, stun...)
		for _, t := range turns {
			list = append(list, t(user)...)
		}
		return list
	}
	return nil
}

// closeMedia ends every call and stops the TURN server.
func (a *App) closeMedia() {
	if a.voice != nil {
		a.voice.Close()
	}
	a.Media.Close()
	if a.TURN != nil {
		a.TURN.Close()
	}
}

// turn starts the embedded TURN server and the Twilio token keeper that the
// settings ask for, and returns what gives each user their TURN servers.
func (a *App) turn() ([]func(int64) []protocol.ICEServer, error) {
	w := a.Config.WebRTC
	t := w.TURN
	var out []func(int64) []protocol.ICEServer
	if t.Port > 0 {
		c := TURNConfig(a.Config, a.log)
		c.Allowed = a.turnAllowed
		srv, err := turn.Start(c)
		if err != nil {
			return nil, err
		}
		a.TURN = srv
		a.log.Info("embedded TURN server", "urls", strings.Join(srv.URLs(), " "))
		out = append(out, (&turn.Shared{URLs: srv.URLs(), Secret: t.Secret, TTL: t.EmbeddedTTL}).ICEServers)
	}
	if len(t.URLs) > 0 {
		out = append(out, (&turn.Shared{URLs: t.URLs, Secret: t.Secret, TTL: t.TTL}).ICEServers)
	}
	if t.TwilioSID != "" {
		a.twilio = &turn.Twilio{AccountSID: t.TwilioSID, AuthToken: t.TwilioToken, TTL: t.TTL, Log: a.log}
		out = append(out, a.twilio.ICEServers)
	}
	if len(out) == 0 {
		a.log.Info("no TURN server: calls from networks that block UDP may fail; set TURN_PORT and TURN_SECRET (rapport setup-webrtc), TURN_URLS or TWILIO_ACCOUNT_SID")
	}
	return out, nil
}

// turnAllowed says which users may use the embedded TURN server: those who
// exist and are not disabled. A user at a time: the users who hold relays
// on one machine are few.
func (a *App) turnAllowed(ctx context.Context, ids []int64) (map[int64]bool, error) {
	ok := make(map[int64]bool, len(ids))
	for _, id := range ids {
		u, err := a.DB.UserByID(ctx, id)
		if app.ErrorCode(err) == app.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		ok[id] = u.Status != coaching.StatusDisabled
	}
	return ok, nil
}

func (a *App) sessions(o Options) error {
	secret := o.SessionSecret
	if secret == nil {
		secret = []byte(o.Config.SessionSecret)
	}
	if len(secret) == 0 {
		var err error
		if secret, err = auth.LoadOrCreateSecret(o.Config.DataDir); err != nil {
			return err
		}
		a.log.Info("SESSION_SECRET is not set: using a random secret kept in the data directory (fine on loopback)")
	}
	a.Sessions = auth.NewSessions(secret, o.Config.SecureCookies())
	a.Service.CalendarKey = secret // the feeds' links: a new secret gives everyone new ones
	if o.Clock != nil {
		a.Sessions.Clock = o.Clock
	}
	return nil
}

// errLoadRoomsOffLoopback refuses `serve --loadtest` on a server that
// others can reach: the load generator's rooms take peers without an
// appointment, which only a developer's machine may offer.
var errLoadRoomsOffLoopback = errors.New("serve --loadtest: the load generator's rooms open only on a loopback server with the developer sign-in " +
	"(HOST and PUBLIC_URL on loopback, no OIDC settings), never on one that others can reach")

// devToken sets the developer sign-in's token when it is on.
func (a *App) devToken(o Options) error {
	if !o.Config.DevSignIn() {
		return nil
	}
	a.DevToken = o.DevToken
	if a.DevToken != "" {
		return nil
	}
	tok, err := auth.LoadOrCreateDevToken(o.Config.DataDir)
	if err != nil {
		return fmt.Errorf("the developer sign-in's token: %w", err)
	}
	a.DevToken = tok
	return nil
}

// oidc returns the sign-in provider the settings name, or nil (saying once
// how to turn it on).
func (a *App) oidc() *auth.OIDC {
	cfg := a.Config
	if !cfg.OIDCEnabled() {
		if cfg.DevSignIn() {
			a.log.Warn("the developer sign-in is ON at /auth/dev, for this machine and the link with its token only; set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET to use Google instead")
		} else {
			a.log.Warn("sign-in is off: set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET")
		}
		return nil
	}
	public := cfg.PublicURL
	if public == "" {
		public = "http://" + cfg.Addr()
	}
	a.log.Info("sign-in with OpenID Connect", "issuer", cfg.OIDCIssuer, "signup", cfg.SignIn.Signup)
	return &auth.OIDC{Issuer: cfg.OIDCIssuer, ClientID: cfg.GoogleClientID, ClientSecret: cfg.GoogleClientSecret,
		RedirectURL: public + "/auth/callback", Prompt: cfg.SignIn.Prompt, Sessions: a.Sessions}
}

// signIn returns the sign-in provider (the settings', or given's) after a
// first try to reach it. A misspelt issuer stops start-up; a provider that
// does not answer is tried again in the background, and sign-in says it is
// unavailable meanwhile.
func (a *App) signIn(given *auth.OIDC) (*auth.OIDC, error) {
	o := given
	if o == nil {
		o = a.oidc()
	} else {
		o.Sessions = a.Sessions
	}
	if o == nil {
		return nil, nil
	}
	// A provider that does not answer in a few seconds is tried again in
	// the background: start-up does not wait the full discovery timeout.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	err := o.Discover(ctx)
	var ie *auth.IssuerError
	switch {
	case errors.As(err, &ie):
		return nil, ie
	case err != nil:
		a.log.Warn("the sign-in provider cannot be reached: sign-in is unavailable until it answers, tried again in the background", "issuer", o.Issuer, "err", err)
		a.unreached = o
	}
	return o, nil
}

// signup is who may sign up, from SIGNUP and SIGNUP_DOMAINS.
func signup(cfg *config.Config) coaching.Signup {
	s := cfg.SignIn
	return coaching.Signup{Open: s.Signup == config.SignupOpen, Domains: s.SignupDomains,
		HostedDomain: config.IsGoogleIssuer(cfg.OIDCIssuer)}
}

func (a *App) background(ctx context.Context) {
	defer close(a.stopped)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a.Signaling.RunReaper(ctx) }()
	wg.Add(2)
	go func() { defer wg.Done(); a.Signaling.RunSessionCheck(ctx, signaling.PingEvery) }()
	go func() { defer wg.Done(); a.sweepSessions(ctx, time.Hour) }()
	if a.skool != nil {
		if sch, err := a.skool.scheduler(); err != nil {
			a.log.Error("the nightly Skool sync cannot start", "err", err)
		} else if sch != nil {
			wg.Add(1)
			go func() { defer wg.Done(); sch.Loop(ctx) }()
		}
	}
	if a.mailer != nil {
		wg.Add(1)
		go func() { defer wg.Done(); a.mailer.Run(ctx) }()
	}
	wg.Add(2)
	go func() { defer wg.Done(); a.reminders().Run(ctx) }()
	go func() { defer wg.Done(); a.unreadNotices().Run(ctx) }()
	wg.Add(1)
	go func() { defer wg.Done(); a.erasures().Run(ctx) }()
	wg.Add(1)
	go func() { defer wg.Done(); a.Retention.Loop(ctx) }()
	if a.twilio != nil {
		wg.Add(1)
		go func() { defer wg.Done(); a.twilio.Run(ctx) }()
	}
	if a.unreached != nil {
		wg.Add(1)
		go func() { defer wg.Done(); a.unreached.KeepTrying(ctx, a.log) }()
	}
	go func() {
		defer wg.Done()
		// Four rounds a second: each copies a quarter of a second of log,
		// a few milliseconds of work, where a round a second took tens
		// and held a busy chat's messages behind it (p99 227-262 ms →
		// 105-236 ms at 10,000 messages a second on the 2-core machine).
		a.DB.Checkpoints(ctx, 250*time.Millisecond, func(err error) { a.log.Warn("checkpoint the SQLite log", "err", err) })
	}()
	a.Rooms.RunSweeper(ctx, time.Minute)
	wg.Wait()
}

// retention is the nightly deletion of what the practice keeps no longer,
// at RETENTION_TIME, on one server at a time (the night's lease).
func (a *App) retention() *audit.Nightly {
	c := a.Config.Retention
	var clock app.Clock = app.SystemClock{}
	if a.clock != nil {
		clock = a.clock
	}
	r := &audit.Retention{Store: a.DB, Clock: clock, Chat: c.Chat, Transcripts: c.Transcripts, Audit: c.Audit}
	a.log.Info("every night, what is kept no longer is deleted", "at", c.Time, "zone", c.Zone,
		"chat", audit.KeptFor(c.Chat), "transcripts", audit.KeptFor(c.Transcripts), "audit_log", audit.KeptFor(c.Audit))
	return &audit.Nightly{Retention: r, Lease: a.DB, Holder: leaseHolder("retention"), Next: c.NextRun, Log: a.log}
}

// sweepSessions deletes the sign-in sessions unused for two weeks, every
// interval until ctx ends.
func (a *App) sweepSessions(ctx context.Context, every time.Duration) {
	app.Every(ctx, every, func(ctx context.Context) {
		if n, err := a.Service.SweepSessions(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("delete idle sign-in sessions", "err", err)
		} else if n > 0 {
			a.log.Info("deleted idle sign-in sessions", "count", n)
		}
	})
}

// Handler is the whole web application.
func (a *App) Handler() http.Handler { return a.Web.Handler() }

// Drain is the first step of a graceful stop: /readyz says so, rooms store
// and deliver the messages in flight, then tell their clients to
// reconnect (in a cluster, so do the rooms of other nodes whose WebSockets
// this node carries); pages' notice streams end. Call it before the HTTP
// server's Shutdown.
func (a *App) Drain(ctx context.Context) {
	a.draining.Store(true)
	a.drainNode(ctx)
	a.Rooms.Shutdown(ctx)
	a.Signaling.Shutdown(ctx)
	a.waitCarried(ctx)
	a.Hub.Close()
}

// Close stops the background work and the chat writer (after storing what
// it holds). The database stays open: its owner closes it.
func (a *App) Close() {
	a.stop()
	<-a.stopped
	a.leaveCluster()
	a.closeMedia()
	a.Chat.Close()
	if a.skool != nil {
		a.skool.close()
	}
}
