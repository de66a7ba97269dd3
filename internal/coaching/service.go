package coaching

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"strings"

	"rapport/internal/app"
)

// Service applies the domain rules on top of a Store. Every method takes the
// caller from the context (app.ActorFrom) and checks what they may do.
type Service struct {
	Store Store
	Clock app.Clock
	// NewRoomID makes the private room ID of a new appointment.
	NewRoomID func() string
	// Signup says who may become a user by signing in; the zero value
	// admits only people Rapport already knows.
	Signup Signup
	// Hooks are told of changes that live connections must follow.
	Hooks Hooks
	// Practice names the practice in its emails and links back to it.
	Practice Practice
	// Invites writes the calendar invitations the appointment emails
	// carry (package calendar's, set by the server); nil: they go without.
	Invites InviteWriter
	// CalendarKey makes the calendar feeds' link tokens from their seeds
	// (the server's secret); a new key gives everyone new links.
	CalendarKey []byte
	// OnBooking is told of a client's booking from a session type in its
	// transaction (a questionnaire the type asks for); nil: nothing.
	OnBooking BookingHook
}

// Hooks are told, after the change is stored, of what live connections
// must follow at once: the rooms close the connections of a person who
// changed, and a closed appointment's room. A nil hook is not called.
type Hooks struct {
	// UserChanged: the person's role or status changed, or they signed
	// out everywhere.
	UserChanged func(userID int64)
	// AppointmentClosed: the appointment was cancelled.
	AppointmentClosed func(appt *Appointment)
	// AppointmentChanged: an appointment was booked, moved, edited or
	// cancelled: both people's open pages show it.
	AppointmentChanged func(appt *Appointment)
	// Invited: a coach invited the client userID, who may have a page
	// open to hear of it.
	Invited func(userID int64, inv *Invitation)
}

func (h Hooks) userChanged(id int64) {
	if h.UserChanged != nil {
		h.UserChanged(id)
	}
}

func (h Hooks) appointmentChanged(appt *Appointment) {
	if h.AppointmentChanged != nil {
		h.AppointmentChanged(appt)
	}
}

func (h Hooks) appointmentClosed(appt *Appointment) {
	if h.AppointmentClosed != nil {
		h.AppointmentClosed(appt)
	}
}

func (h Hooks) invited(userID int64, inv *Invitation) {
	if h.Invited != nil {
		h.Invited(userID, inv)
	}
}

// NewService returns a service over store with the real clock and random
// 160-bit room IDs.
func NewService(store Store, clock app.Clock) *Service {
	if clock == nil {
		clock = app.SystemClock{}
	}
	return &Service{Store: store, Clock: clock, NewRoomID: RandomRoomID}
}

var roomEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// RandomRoomID returns 160 random bits as 32 lower-case base32 characters:
// unguessable, and safe in a URL path.
func RandomRoomID() string {
	b := make([]byte, 20)
	rand.Read(b) // never fails: crypto/rand panics rather than return short
	return strings.ToLower(roomEncoding.EncodeToString(b))
}

// actor returns the caller, or EUNAUTHORIZED when nobody is signed in.
func actor(ctx context.Context) (*app.Actor, error) {
	a := app.ActorFrom(ctx)
	if a == nil || a.UserID == 0 {
		return nil, app.Errorf(app.EUNAUTHORIZED, "please sign in")
	}
	return a, nil
}

// requireRole returns the caller when they have one of roles, EFORBIDDEN when
// they have another, and EUNAUTHORIZED when nobody is signed in.
func requireRole(ctx context.Context, roles ...app.Role) (*app.Actor, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range roles {
		if a.Role == r {
			return a, nil
		}
	}
	return nil, app.Errorf(app.EFORBIDDEN, "your role may not do this")
}

// notFound is the error for a thing that is missing or that the caller may
// not see: the two look the same, so that IDs cannot be probed.
func notFound(what string) error {
	return app.Errorf(app.ENOTFOUND, "%s not found", what)
}
