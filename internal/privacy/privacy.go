// Package privacy is a client's rights over what Rapport holds about them:
// an export of all of it, as JSON for machines and HTML for people, with
// their files, in one ZIP; and its erasure. An export never carries what
// is the coach's alone: private notes, or an AI summary the coach has not
// shared.
package privacy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"rapport/internal/app"
	"rapport/internal/audit"
	"rapport/internal/chat"
	"rapport/internal/coaching"
	"rapport/internal/conversation"
	"rapport/internal/intake"
	"rapport/internal/membership"
	"rapport/internal/record"
)

// Store is what the export reads (store.DB).
type Store interface {
	app.Lease
	UserByID(ctx context.Context, id int64) (*coaching.User, error)
	Profile(ctx context.Context, userID int64) (*coaching.Profile, error)
	ListCoaches(ctx context.Context, clientID int64, p coaching.Page) ([]*coaching.User, error)
	ListAppointments(ctx context.Context, f coaching.AppointmentFilter) ([]*coaching.Appointment, error)
	ListCallSessions(ctx context.Context, appointmentID int64) ([]*coaching.CallSession, error)
	MessagesAfter(ctx context.Context, sessionID, after int64, limit int) ([]*chat.Message, error)
	TranscriptLines(ctx context.Context, sessionID, after int64, limit int) ([]*coaching.TranscriptLine, error)
	SummaryOf(ctx context.Context, appointmentID int64) (*coaching.Summary, error)
	Conversations(ctx context.Context, userID int64) ([]*conversation.Summary, error)
	Messages(ctx context.Context, conversationID int64, p conversation.Page) ([]*conversation.Message, error)
	FileData(ctx context.Context, id int64) ([]byte, error)
	MembershipHistory(ctx context.Context, email string, limit int) ([]membership.HistoryEvent, error)
	Requests(ctx context.Context, f intake.RequestFilter) ([]*intake.Request, error)
	ListGoals(ctx context.Context, s record.Scope) ([]*record.Goal, error)
}

// Service carries out the rights: who may ask, and what is done.
type Service struct {
	Store    Store
	Erasures ErasureStore
	Clock    app.Clock
	// Audit records the exports; an erasure records in the transaction
	// of its change (ErasureStore.InErasureTx).
	Audit audit.Recorder
	// Holder names this server in the export lease (host/pid); each
	// export adds a nonce of its own to it, so that two exports of a
	// person at once are refused on one server as on two.
	Holder string
}

// actor is the signed-in caller.
func actor(ctx context.Context) (*app.Actor, error) {
	a := app.ActorFrom(ctx)
	if a == nil || a.UserID == 0 {
		return nil, app.Errorf(app.EUNAUTHORIZED, "please sign in")
	}
	return a, nil
}

// subject checks that the caller may act on the client: the client
// themself, or an admin. Anyone else is told there is no such person; a
// coach or an admin is not a client.
func (s *Service) subject(ctx context.Context, clientID int64) (*app.Actor, *coaching.User, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, nil, err
	}
	if a.UserID != clientID && a.Role != app.RoleAdmin {
		return nil, nil, app.Errorf(app.ENOTFOUND, "person not found")
	}
	u, err := s.Store.UserByID(ctx, clientID)
	if err != nil {
		return nil, nil, err
	}
	switch u.Role {
	case app.RoleClient:
	case app.RoleCoach:
		return nil, nil, app.Errorf(app.ECONFLICT, "%s is a coach: their clients must be moved to another coach or released first, and their role changed", u.DisplayName())
	default:
		return nil, nil, app.Errorf(app.ECONFLICT, "%s is an %s, not a client: only a client's data is exported or erased here", u.DisplayName(), u.Role)
	}
	return a, u, nil
}

// self checks that the caller may see and cancel a person's waiting
// erasure: the person themself, whatever their role now (a client who
// became a coach still sees theirs), or an admin. Anyone else is told
// there is no such person.
func self(ctx context.Context, userID int64) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if a.UserID != userID && a.Role != app.RoleAdmin {
		return app.Errorf(app.ENOTFOUND, "person not found")
	}
	return nil
}

// exportLease is held while a person's export is made: a second at once
// is refused.
func exportLease(clientID int64) string { return "export:" + itoa(clientID) }

// exportHold is how long an export may hold its lease: it frees itself
// should the server die half-way.
const exportHold = 10 * time.Minute

// exportHolder names one export in its lease: the server's holder and a
// random nonce, so that a second export is refused even on the same
// server and one export's release never frees another's lease.
func (s *Service) exportHolder() (string, error) {
	var nonce [8]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return "", fmt.Errorf("a nonce for the export's lease: %w", err)
	}
	return s.Holder + " " + hex.EncodeToString(nonce[:]), nil
}
