// Package coaching is Rapport's domain: users, profiles, the links between
// coaches and clients, appointments and their call sessions, and the rules of
// who may see or do what.
//
// It knows neither HTTP nor SQL. It names the storage it needs as the Store
// interface, which the store package implements for SQLite and PostgreSQL.
package coaching

import (
	"context"
	"time"

	"rapport/internal/app"
	"rapport/internal/audit"
	"rapport/internal/mail"
)

// UserStatus says whether a user can sign in.
type UserStatus string

// The statuses of a user. An invited user exists before their first sign-in
// (an operator, a coach or the membership sync created them); a disabled user
// cannot sign in.
const (
	StatusActive   UserStatus = "active"
	StatusInvited  UserStatus = "invited"
	StatusDisabled UserStatus = "disabled"
)

// Valid reports whether s is a known status.
func (s UserStatus) Valid() bool {
	return s == StatusActive || s == StatusInvited || s == StatusDisabled
}

// User is a person on the platform.
type User struct {
	ID             int64      `json:"id"`
	Email          string     `json:"email"`
	Name           string     `json:"name"`
	AvatarURL      string     `json:"avatar_url,omitempty"`
	OIDCIssuer     string     `json:"-"`
	OIDCSubject    string     `json:"-"`
	Role           app.Role   `json:"role"`
	Status         UserStatus `json:"status"`
	SessionVersion int64      `json:"-"`
	// RolePinned says an admin pinned the role by hand: the Skool sync
	// never changes it.
	RolePinned bool      `json:"role_pinned"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Actor returns the user as the domain rules see a caller.
func (u *User) Actor() *app.Actor {
	return &app.Actor{UserID: u.ID, Role: u.Role, Email: u.Email}
}

// DisplayName is the name to show, falling back to the email.
func (u *User) DisplayName() string {
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}

// AppointmentStatus is where an appointment stands.
type AppointmentStatus string

// The statuses of an appointment. A requested appointment was booked from
// a session type the coach confirms by hand: it holds its slot, but its
// room stays closed until the coach accepts it (scheduled) or declines it
// (cancelled).
const (
	ApptRequested AppointmentStatus = "requested"
	ApptScheduled AppointmentStatus = "scheduled"
	ApptCancelled AppointmentStatus = "cancelled"
	ApptCompleted AppointmentStatus = "completed"
	ApptNoShow    AppointmentStatus = "no_show"
)

// Valid reports whether s is a known appointment status.
func (s AppointmentStatus) Valid() bool {
	switch s {
	case ApptRequested, ApptScheduled, ApptCancelled, ApptCompleted, ApptNoShow:
		return true
	}
	return false
}

// CallMode says how a call's video travels between its two people.
type CallMode string

// The call modes of an appointment. CallModeDefault leaves the choice to the
// server's setting (CALL_MODE), so that an operator can change it for every
// appointment that did not choose.
const (
	CallModeDefault CallMode = ""    // the server's default
	CallModeSFU     CallMode = "sfu" // through the server's SFU: steadiest, and the AI co-coach can listen
	CallModeP2P     CallMode = "p2p" // directly between the two browsers: lowest delay
)

// Valid reports whether m is a known call mode, the default included.
func (m CallMode) Valid() bool {
	return m == CallModeDefault || m == CallModeSFU || m == CallModeP2P
}

// Appointment is a booked session between a coach and a client, with its own
// private room.
type Appointment struct {
	ID           int64             `json:"id"`
	CoachID      int64             `json:"coach_id"`
	ClientID     int64             `json:"client_id"`
	Title        string            `json:"title"`
	StartsAt     time.Time         `json:"starts_at"`
	Duration     time.Duration     `json:"-"`
	Status       AppointmentStatus `json:"status"`
	RoomID       string            `json:"room_id"`
	Notes        string            `json:"notes"`
	CancelReason string            `json:"cancel_reason,omitempty"`
	CallMode     CallMode          `json:"call_mode"`
	Sequence     int               `json:"-"` // rises on every stored change: iCalendar's SEQUENCE
	// CancelledLate marks a client's cancellation inside the coach's
	// notice for changes.
	CancelledLate bool `json:"cancelled_late,omitempty"`
	// SeriesID joins the occurrences of a recurring series; empty: none.
	SeriesID string `json:"series_id,omitempty"`
	// OccurrenceAt is the start the series' rule gave this occurrence,
	// kept when it moves: iCalendar's RECURRENCE-ID. Nil outside a series.
	OccurrenceAt *time.Time `json:"-"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`

	// Coach and Client are filled by list and get queries for display.
	Coach  *User `json:"coach,omitempty"`
	Client *User `json:"client,omitempty"`
}

// EndsAt is when the appointment is scheduled to end.
func (a *Appointment) EndsAt() time.Time { return a.StartsAt.Add(a.Duration) }

// CallModeOr returns how the appointment's call travels: its own mode, or
// def (the server's default) when it left the choice to the server.
func (a *Appointment) CallModeOr(def CallMode) CallMode {
	if a.CallMode == CallModeDefault {
		return def
	}
	return a.CallMode
}

// CallSession is one actual call in an appointment's room; an appointment can
// have several (a call resumed after everyone left, say), and the time
// spent in calls is the sum of theirs (CallTime). It opens when the first
// person joins, starts (and its timer runs) when the second arrives, and
// ends once the room has stayed empty for a grace period.
type CallSession struct {
	ID            int64
	AppointmentID int64
	OpenedAt      time.Time
	StartedAt     *time.Time // nil until the second person arrives
	EndedAt       *time.Time // nil while open
	LastActiveAt  time.Time  // when someone was last in the room
	Duration      time.Duration
	// TranscriptOff says the coach turned the AI's transcript off for this
	// session: nothing of what is said is stored.
	TranscriptOff bool
}

// TranscriptLine is one thing said in a call, as the AI co-coach heard it.
type TranscriptLine struct {
	ID        int64     `json:"id"`
	SessionID int64     `json:"session_id"`
	SpeakerID int64     `json:"speaker_id,omitempty"` // 0: the AI
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

// Summary is the AI co-coach's summary of an appointment's call, with
// action items; the coach decides whether the client may read it.
type Summary struct {
	AppointmentID int64     `json:"appointment_id"`
	Body          string    `json:"body"`
	Shared        bool      `json:"shared"`
	WrittenAt     time.Time `json:"written_at"`
}

// Profile is what a user tells about themselves. Data is an open document so
// that the UI can grow fields without a migration; the known ones have names.
type Profile struct {
	UserID    int64          `json:"user_id"`
	Data      map[string]any `json:"data"`
	UpdatedAt time.Time      `json:"updated_at"`
}

// Page asks for one page of a list.
type Page struct {
	Limit  int
	Offset int
}

// normalize clamps a page to sane bounds: 50 by default, at most 200.
func (p Page) normalize() Page {
	if p.Limit <= 0 {
		p.Limit = 50
	}
	if p.Limit > 200 {
		p.Limit = 200
	}
	if p.Offset < 0 {
		p.Offset = 0
	}
	return p
}

// AppointmentFilter narrows a list of appointments. Zero fields match all.
type AppointmentFilter struct {
	CoachID  int64
	ClientID int64
	Status   AppointmentStatus
	From     time.Time // starts at or after
	To       time.Time // starts before
	Desc     bool      // newest first
	Page     Page
}

// UserFilter narrows a list of users. Zero fields match all.
type UserFilter struct {
	Role   app.Role
	Status UserStatus
	Query  string // part of the name or email
	Page   Page
}

// Store is the storage the domain needs. Every method takes a context; lists
// are paged. Errors carry app codes: ENOTFOUND for a missing row, ECONFLICT
// for a duplicate.
type Store interface {
	Records
	// InTx runs fn in one transaction: all of it is written, or none.
	InTx(ctx context.Context, fn func(q Records) error) error
}

// Records are the practice's rows: the reads, writes and row locks the domain
// uses, inside a transaction (Store.InTx) or not.
type Records interface {
	SessionStore
	ScheduleStore
	SeriesStore
	CalendarStore
	EmailPreferenceStore
	ReminderStore
	SlugStore
	CreateUser(ctx context.Context, u *User) error
	UserByID(ctx context.Context, id int64) (*User, error)
	UserByEmail(ctx context.Context, email string) (*User, error)
	UserBySubject(ctx context.Context, issuer, subject string) (*User, error)
	UpdateUser(ctx context.Context, u *User) error
	ListUsers(ctx context.Context, f UserFilter) ([]*User, error)
	// LockUser holds the user's row until the transaction ends, so that
	// checks made under it (no overlapping bookings) stay true on commit.
	LockUser(ctx context.Context, id int64) error
	// LockAppointment holds the appointment's row until the transaction
	// ends, so that two edits cannot undo each other.
	LockAppointment(ctx context.Context, id int64) error

	Profile(ctx context.Context, userID int64) (*Profile, error)
	PutProfile(ctx context.Context, p *Profile) error

	LinkCoachClient(ctx context.Context, coachID, clientID int64, at time.Time) error
	IsCoachOf(ctx context.Context, coachID, clientID int64) (bool, error)
	ListClients(ctx context.Context, coachID int64, p Page) ([]*User, error)
	ListCoaches(ctx context.Context, clientID int64, p Page) ([]*User, error)
	// UnlinkCoachClient ends a link, or answers ENOTFOUND when there is none.
	UnlinkCoachClient(ctx context.Context, coachID, clientID int64) error

	// PutInvitation records an invitation; one of the same coach and email
	// (in any case) stays as it was.
	PutInvitation(ctx context.Context, inv *Invitation) error
	// DeleteInvitation removes the coach's invitation of email (in any
	// case), or answers ENOTFOUND when there is none.
	DeleteInvitation(ctx context.Context, coachID int64, email string) error
	// InvitationsSent lists a coach's pending invitations, newest first.
	InvitationsSent(ctx context.Context, coachID int64, p Page) ([]*Invitation, error)
	// InvitationsFor lists the pending invitations of an email (in any
	// case) with their coach, newest first.
	InvitationsFor(ctx context.Context, email string, p Page) ([]*Invitation, error)

	// EnqueueMail queues an email in the outbox, in the transaction of the
	// change that causes it; an email whose key was queued already is left
	// alone. The sender (elsewhere) takes it from there.
	mail.Enqueuer

	CreateAppointment(ctx context.Context, a *Appointment) error
	AppointmentByID(ctx context.Context, id int64) (*Appointment, error)
	AppointmentByRoom(ctx context.Context, roomID string) (*Appointment, error)
	UpdateAppointment(ctx context.Context, a *Appointment) error
	ListAppointments(ctx context.Context, f AppointmentFilter) ([]*Appointment, error)
	// CoachOverlaps reports the coach's scheduled and requested
	// appointments that overlap [from, to), leaving out the one with ID
	// except.
	CoachOverlaps(ctx context.Context, coachID int64, from, to time.Time, except int64) ([]*Appointment, error)

	// OpenCallSession returns the appointment's open call session, or opens one.
	OpenCallSession(ctx context.Context, appointmentID int64, at time.Time) (*CallSession, error)
	// StartCallSession sets the start of a session that has none yet.
	StartCallSession(ctx context.Context, id int64, at time.Time) error
	// TouchCallSession records that someone was in the room at at.
	TouchCallSession(ctx context.Context, id int64, at time.Time) error
	// EndCallSession closes a session at at with its duration from the start.
	// A session that never started and holds no message is deleted instead;
	// kept says which happened.
	EndCallSession(ctx context.Context, id int64, at time.Time) (kept bool, err error)
	CallSessionByID(ctx context.Context, id int64) (*CallSession, error)
	ListCallSessions(ctx context.Context, appointmentID int64) ([]*CallSession, error)
	// StaleCallSessions lists open sessions nobody was in since before.
	StaleCallSessions(ctx context.Context, before time.Time) ([]*CallSession, error)
	// AppointmentsOver lists the scheduled appointments that ended by
	// endedBy, had a call that started, and have none open: those the
	// sweep completes.
	AppointmentsOver(ctx context.Context, endedBy time.Time) ([]int64, error)

	// TranscriptLines returns a session's lines after the line after.
	TranscriptLines(ctx context.Context, sessionID, after int64, limit int) ([]*TranscriptLine, error)
	// SummaryOf returns an appointment's summary, or ENOTFOUND.
	SummaryOf(ctx context.Context, appointmentID int64) (*Summary, error)
	// ShareSummary lets the client read an appointment's summary, or not.
	ShareSummary(ctx context.Context, appointmentID int64, shared bool) error
	// PinRole keeps the Skool sync from changing a user's role, or lets it.
	PinRole(ctx context.Context, userID int64, pinned bool) error

	// Record keeps an audit entry: in a transaction, with the change it
	// records (audit.Record).
	audit.Recorder
}
