package coaching

import (
	"context"
	"fmt"
	"time"

	"rapport/internal/app"
)

// PublicLink is one session type offered through a coach's public booking
// link, /book/<slug>: where a visitor came from to sign in and book.
type PublicLink struct {
	Slug   string
	TypeID int64
}

// PublicCoach is what a coach's public page shows of them: their name (or
// their slug when they gave none; never their email) and the session
// types open to new people.
type PublicCoach struct {
	ID    int64          `json:"-"`
	Name  string         `json:"name"`
	Slug  string         `json:"slug"`
	Types []*SessionType `json:"session_types"`
}

// OpenToNewPeople reports whether st may be booked by new people through
// coach's public link: coach still coaches, and st is theirs and public.
// Coming through such a link counts as an invitation from that coach.
func OpenToNewPeople(coach *User, st *SessionType) bool {
	return coach != nil && st != nil && acceptable(coach) && st.CoachID == coach.ID && st.Audience == AudiencePublic
}

// AdmitsThrough reports whether id, with its normalized email, may sign
// up: the policy admits them, or they came through coach's public link
// for st (OpenToNewPeople), which counts as coach's invitation.
func (p Signup) AdmitsThrough(id Identity, email string, coach *User, st *SessionType) bool {
	return OpenToNewPeople(coach, st) || p.Admits(id, email)
}

// errStaffBooks answers a coach or an admin who tries to book through a
// public link.
var errStaffBooks = app.Errorf(app.EFORBIDDEN, "a public link books sessions for clients, and you are signed in as a coach or an administrator; sign out (or use a private window) to book as a new client")

// publicCoach returns the coach of a slug, or ENOTFOUND when nobody has it
// or its user no longer coaches.
func publicCoach(ctx context.Context, q Records, slug string) (*User, error) {
	if ValidSlug(slug) != nil {
		return nil, notFound("coach")
	}
	coach, err := q.UserBySlug(ctx, slug)
	if app.ErrorCode(err) == app.ENOTFOUND || (err == nil && !acceptable(coach)) {
		return nil, notFound("coach")
	}
	return coach, err
}

// publicLinkOf returns the coach and the session type of a link, or
// ENOTFOUND when the link offers no such session to new people.
func publicLinkOf(ctx context.Context, q Records, link PublicLink) (*User, *SessionType, error) {
	coach, err := publicCoach(ctx, q, link.Slug)
	if err != nil {
		return nil, nil, err
	}
	st, err := q.SessionType(ctx, link.TypeID)
	if app.ErrorCode(err) == app.ENOTFOUND || (err == nil && !OpenToNewPeople(coach, st)) {
		return nil, nil, notFound("session type")
	}
	return coach, st, err
}

// PublicPage is a coach's public booking page, for anyone, signed in or
// not: their name and the session types open to new people. A coach with
// none is not found, but for the coach themself (an empty page).
func (s *Service) PublicPage(ctx context.Context, slug string) (*PublicCoach, error) {
	coach, err := publicCoach(ctx, s.Store, slug)
	if err != nil {
		return nil, err
	}
	types, err := s.Store.SessionTypes(ctx, coach.ID)
	if err != nil {
		return nil, fmt.Errorf("public page of %s: %w", slug, err)
	}
	page := &PublicCoach{ID: coach.ID, Name: coach.Name, Slug: slug, Types: []*SessionType{}}
	if page.Name == "" {
		page.Name = slug
	}
	for _, st := range types {
		if OpenToNewPeople(coach, st) {
			page.Types = append(page.Types, st)
		}
	}
	// A link with nothing open to new people says nothing of who coaches
	// here (a slug is made from a name), except to its coach.
	if a, _ := actor(ctx); len(page.Types) == 0 && (a == nil || a.UserID != coach.ID) {
		return nil, notFound("coach")
	}
	return page, nil
}

// PublicSlots are the free slots of a session type of a public link, for
// anyone: the free times only, nothing of who has the others.
func (s *Service) PublicSlots(ctx context.Context, link PublicLink) (*Slots, error) {
	coach, st, err := publicLinkOf(ctx, s.Store, link)
	if err != nil {
		return nil, err
	}
	starts, av, err := s.freeSlots(ctx, s.Store, coach.ID, st)
	if err != nil {
		return nil, err
	}
	return &Slots{TimeZone: av.TimeZone, Type: st, Starts: starts}, nil
}

// BookPublic books the calling client a free slot of a session type of a
// public link, as BookSlot does, and makes them a client of its coach
// first when they are not one yet (the link is the coach's invitation):
// both in one transaction. A coach or an admin may not book this way.
func (s *Service) BookPublic(ctx context.Context, link PublicLink, start time.Time) (*Appointment, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if a.Role != app.RoleClient {
		return nil, errStaffBooks
	}
	var appt *Appointment
	err = s.Store.InTx(ctx, func(q Records) error {
		coach, _, err := publicLinkOf(ctx, q, link)
		if err == nil { // the coach's lock first, as bookSlotTx takes it: two bookings queue, not deadlock
			err = q.LockUser(ctx, coach.ID)
		}
		if err == nil {
			err = q.LinkCoachClient(ctx, coach.ID, a.UserID, s.Clock.Now())
		}
		if err == nil {
			appt, err = s.bookSlotTx(ctx, q, a, coach.ID, link.TypeID, start)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("book through the public link of %s: %w", link.Slug, err)
	}
	s.Hooks.appointmentChanged(appt)
	return s.Store.AppointmentByID(ctx, appt.ID)
}

// signUp makes a user of someone Rapport does not know yet, when the
// sign-up policy admits them or they came through a public link (via,
// maybe nil) of a session type open to new people. Nothing is written for
// anyone else. Who came through a link becomes its coach's client only
// when they book (BookPublic): signing in and leaving gives them no
// access to the coach's other session types, and the coach sees nobody
// who did not book.
func (s *Service) signUp(ctx context.Context, q Records, id Identity, email string, via *PublicLink) (*User, error) {
	var coach *User
	var st *SessionType
	if via != nil {
		var err error
		coach, st, err = publicLinkOf(ctx, q, *via)
		if err != nil && app.ErrorCode(err) != app.ENOTFOUND {
			return nil, err
		}
	}
	if !s.Signup.AdmitsThrough(id, email, coach, st) {
		return nil, errByInvitation(email)
	}
	now := s.Clock.Now()
	u := &User{Email: email, Role: app.RoleClient, Status: StatusActive, CreatedAt: now, UpdatedAt: now}
	fillIdentity(u, id)
	return u, q.CreateUser(ctx, u)
}
