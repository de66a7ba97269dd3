package privacy

import (
	"context"
	"fmt"
	"strings"
	"time"

	"rapport/internal/app"
	"rapport/internal/audit"
)

// ErasureGrace is how long a client's own erasure waits, during which they
// can undo it.
const ErasureGrace = 14 * 24 * time.Hour

// Erasure is a client's erasure: waiting until DueAt, cancelled, or done.
type Erasure struct {
	ID          int64      `json:"id"`
	UserID      int64      `json:"user_id"`
	RequestedBy int64      `json:"requested_by"`
	RequestedAt time.Time  `json:"requested_at"`
	DueAt       time.Time  `json:"due_at"`
	CancelledAt *time.Time `json:"cancelled_at,omitempty"`
	ErasedAt    *time.Time `json:"erased_at,omitempty"`
	// Detail says what was removed, in numbers.
	Detail string `json:"detail,omitempty"`
}

// ErasureStore keeps erasures and carries them out (store.DB).
type ErasureStore interface {
	AddErasure(ctx context.Context, e *Erasure) error
	PendingErasure(ctx context.Context, userID int64) (*Erasure, error)
	CancelErasure(ctx context.Context, userID int64, at time.Time) error
	DueErasures(ctx context.Context, now time.Time) ([]*Erasure, error)
	// EraseClient erases the person of e in one transaction and marks e
	// done, with Detail and ErasedAt set.
	EraseClient(ctx context.Context, e *Erasure, at time.Time) error
}

// RequestErasure asks for a client's erasure, confirmed by typing their
// email address. The client's own waits ErasureGrace, during which they
// can cancel it; an admin's is carried out at once. A coach is not erased
// here: their clients must be moved to another coach or released first.
func (s *Service) RequestErasure(ctx context.Context, clientID int64, confirm string) (*Erasure, error) {
	a, u, err := s.subject(ctx, clientID)
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(strings.TrimSpace(confirm), u.Email) {
		return nil, app.Invalid(map[string]string{"confirm": "type the email address of the person to erase, " + u.Email + ", to confirm"})
	}
	now := s.Clock.Now().UTC()
	e := &Erasure{UserID: clientID, RequestedBy: a.UserID, RequestedAt: now, DueAt: now.Add(ErasureGrace)}
	if a.UserID != clientID {
		e.DueAt = now
	}
	if err := s.Erasures.AddErasure(ctx, e); err != nil {
		if app.ErrorCode(err) == app.ECONFLICT {
			return nil, app.Errorf(app.ECONFLICT, "an erasure of %s is waiting already", u.DisplayName())
		}
		return nil, err
	}
	detail := "due " + e.DueAt.Format(time.DateOnly)
	if err := audit.Record(ctx, s.Audit, s.Clock, audit.ErasureRequested, clientID, detail); err != nil {
		return nil, err
	}
	if e.DueAt.After(now) {
		return e, nil
	}
	return e, s.erase(ctx, e)
}

// CancelErasure undoes a client's erasure while it waits.
func (s *Service) CancelErasure(ctx context.Context, clientID int64) error {
	if _, _, err := s.subject(ctx, clientID); err != nil {
		return err
	}
	if err := s.Erasures.CancelErasure(ctx, clientID, s.Clock.Now()); err != nil {
		if app.ErrorCode(err) == app.ENOTFOUND {
			return app.Errorf(app.ENOTFOUND, "no erasure is waiting")
		}
		return err
	}
	return audit.Record(ctx, s.Audit, s.Clock, audit.ErasureCancelled, clientID, "")
}

// PendingErasure returns a client's waiting erasure, or ENOTFOUND.
func (s *Service) PendingErasure(ctx context.Context, clientID int64) (*Erasure, error) {
	if _, _, err := s.subject(ctx, clientID); err != nil {
		return nil, err
	}
	return s.Erasures.PendingErasure(ctx, clientID)
}

// EraseDue carries out the erasures whose grace has passed, and says how
// many (the nightly job, on one server at a time).
func (s *Service) EraseDue(ctx context.Context) (int, error) {
	due, err := s.Erasures.DueErasures(ctx, s.Clock.Now())
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range due {
		if err := s.erase(ctx, e); err != nil {
			return n, fmt.Errorf("erase person %d: %w", e.UserID, err)
		}
		n++
	}
	return n, nil
}

// erase carries an erasure out and records it.
func (s *Service) erase(ctx context.Context, e *Erasure) error {
	if err := s.Erasures.EraseClient(ctx, e, s.Clock.Now().UTC()); err != nil {
		return err
	}
	return audit.Record(ctx, s.Audit, s.Clock, audit.Erased, e.UserID, e.Detail)
}
