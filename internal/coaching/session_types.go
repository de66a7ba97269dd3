package coaching

import (
	"context"
	"fmt"
	"strings"
	"time"

	"rapport/internal/app"
)

// SessionType is a kind of session a coach offers for booking: its name,
// length, description, how its call travels, and who may book it.
type SessionType struct {
	ID          int64         `json:"id"`
	CoachID     int64         `json:"coach_id"`
	Name        string        `json:"name"`
	Duration    time.Duration `json:"-"`
	Minutes     int           `json:"duration_minutes"`
	Description string        `json:"description"`
	CallMode    CallMode      `json:"call_mode"`
	// Audience is AudienceClients (the coach's clients) or AudiencePublic
	// (also new people, through the coach's public link).
	Audience string `json:"audience"`
	// Confirm is ConfirmInstant (a booking is confirmed at once) or
	// ConfirmRequest (a booking is a request the coach accepts).
	Confirm   string    `json:"confirm"`
	CreatedAt time.Time `json:"created_at"`
}

// Who may book a session type.
const (
	AudienceClients = "clients"
	AudiencePublic  = "public"
)

// Whether a booking of a session type is confirmed at once or waits for
// the coach.
const (
	ConfirmInstant = "instant"
	ConfirmRequest = "request"
)

// ScheduleStore keeps what clients book from: each coach's availability
// and session types, and the times the coach is taken.
type ScheduleStore interface {
	// Availability returns a coach's, or ENOTFOUND when they set none.
	Availability(ctx context.Context, coachID int64) (*Availability, error)
	PutAvailability(ctx context.Context, coachID int64, av *Availability, at time.Time) error
	CreateSessionType(ctx context.Context, st *SessionType) error
	// SessionTypes lists a coach's session types that are not archived.
	SessionTypes(ctx context.Context, coachID int64) ([]*SessionType, error)
	// SessionType returns one that is not archived, or ENOTFOUND.
	SessionType(ctx context.Context, id int64) (*SessionType, error)
	ArchiveSessionType(ctx context.Context, coachID, id int64) (bool, error)
	// CoachBusy returns the times of the coach's scheduled and requested
	// appointments that overlap from..to.
	CoachBusy(ctx context.Context, coachID int64, from, to time.Time) ([]Busy, error)
}

// NewSessionType is what a coach gives to offer a session type.
type NewSessionType struct {
	Name        string   `json:"name"`
	Minutes     int64    `json:"duration_minutes"`
	Description string   `json:"description"`
	CallMode    CallMode `json:"call_mode"`
	Audience    string   `json:"audience"`
	Confirm     string   `json:"confirm"` // "": instant
}

// CreateSessionType offers a new session type of the calling coach.
func (s *Service) CreateSessionType(ctx context.Context, in NewSessionType) (*SessionType, error) {
	a, err := requireRole(ctx, app.RoleCoach)
	if err != nil {
		return nil, err
	}
	st := &SessionType{CoachID: a.UserID, Name: strings.TrimSpace(in.Name), Description: strings.TrimSpace(in.Description),
		Duration: MinutesDuration(in.Minutes), CallMode: in.CallMode, Audience: in.Audience, Confirm: in.Confirm, CreatedAt: s.Clock.Now()}
	if st.Audience == "" {
		st.Audience = AudienceClients
	}
	if st.Confirm == "" {
		st.Confirm = ConfirmInstant
	}
	if err := st.validate(); err != nil {
		return nil, err
	}
	st.Minutes = int(st.Duration / time.Minute)
	if err := s.Store.CreateSessionType(ctx, st); err != nil {
		return nil, fmt.Errorf("create session type: %w", err)
	}
	return st, nil
}

func (st *SessionType) validate() error {
	fields := map[string]string{}
	if st.Name == "" {
		fields["name"] = "is required"
	} else {
		checkText(fields, "name", st.Name, SingleLine, 100)
	}
	checkText(fields, "description", st.Description, MultiLine, 2000)
	if st.Duration < MinDuration || st.Duration > MaxDuration || st.Duration%(5*time.Minute) != 0 {
		fields["duration_minutes"] = fmt.Sprintf("must be %d to %d minutes, in steps of 5", int(MinDuration/time.Minute), int(MaxDuration/time.Minute))
	}
	if st.CallMode != CallModeDefault && !st.CallMode.Valid() {
		fields["call_mode"] = "must be sfu or p2p, or empty for the server's"
	}
	if st.Audience != AudienceClients && st.Audience != AudiencePublic {
		fields["audience"] = "must be clients or public"
	}
	if st.Confirm != ConfirmInstant && st.Confirm != ConfirmRequest {
		fields["confirm"] = "must be instant or request"
	}
	return app.Invalid(fields)
}

// SessionTypesOf lists a coach's session types: for the coach, or for one
// of their clients (the types a client may book).
func (s *Service) SessionTypesOf(ctx context.Context, coachID int64) ([]*SessionType, error) {
	if err := s.mayBookWith(ctx, coachID); err != nil {
		return nil, err
	}
	return s.Store.SessionTypes(ctx, coachID)
}

// ArchiveSessionType stops offering one of the calling coach's session
// types; what was booked from it stays.
func (s *Service) ArchiveSessionType(ctx context.Context, id int64) error {
	a, err := requireRole(ctx, app.RoleCoach)
	if err != nil {
		return err
	}
	found, err := s.Store.ArchiveSessionType(ctx, a.UserID, id)
	if err == nil && !found {
		err = notFound("session type")
	}
	return err
}

// mayBookWith allows a coach to look at their own schedule, and a client
// at the schedule of a coach they work with; anyone else is told the coach
// is not found.
func (s *Service) mayBookWith(ctx context.Context, coachID int64) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if a.Role == app.RoleCoach && a.UserID == coachID {
		return nil
	}
	if a.Role == app.RoleClient {
		ok, err := s.Store.IsCoachOf(ctx, coachID, a.UserID)
		if err != nil || ok {
			return err
		}
	}
	return notFound("coach")
}
