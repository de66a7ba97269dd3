package privacy

import (
	"context"
	"fmt"
	"strings"
	"time"

	"rapport/internal/app"
	"rapport/internal/audit"
	"rapport/internal/coaching"
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
	PendingErasure(ctx context.Context, userID int64) (*Erasure, error)
	DueErasures(ctx context.Context, now time.Time) ([]*Erasure, error)
	// InErasureTx runs fn in one transaction: it commits when fn returns
	// nil and rolls back otherwise, so that an erasure's change and its
	// audit entry are written both or neither.
	InErasureTx(ctx context.Context, fn func(q ErasureTx) error) error
}

// ErasureTx is what one transaction of an erasure writes; as an
// audit.Recorder it records the entry of the change with it.
type ErasureTx interface {
	audit.Recorder
	// AddErasure records an erasure asked for; one already waiting for
	// the same person is ECONFLICT.
	AddErasure(ctx context.Context, e *Erasure) error
	// CancelErasure cancels the person's waiting erasure, or answers
	// ENOTFOUND.
	CancelErasure(ctx context.Context, userID int64, at time.Time) error
	// EraseClient erases the person of e and marks e done, with Detail and
	// ErasedAt set; someone who is not a client is ECONFLICT, and nothing
	// is erased.
	EraseClient(ctx context.Context, e *Erasure, at time.Time) error
}

// RequestErasure asks for a client's erasure, confirmed by typing their
// email address. The client's own waits ErasureGrace, during which they
// can cancel it; an admin's is carried out at once, in the same
// transaction. A coach is not erased here: their clients must be moved to
// another coach or released first. The request and its audit entry (and
// an admin's erasure and its entry) are written together or not at all.
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
	if err := s.Erasures.InErasureTx(ctx, func(q ErasureTx) error { return s.request(ctx, q, e, u) }); err != nil {
		return nil, err
	}
	return e, nil
}

// request records the erasure e of u and its audit entry in the
// transaction q, and carries it out there when it is due already.
func (s *Service) request(ctx context.Context, q ErasureTx, e *Erasure, u *coaching.User) error {
	if err := q.AddErasure(ctx, e); app.ErrorCode(err) == app.ECONFLICT {
		return app.Errorf(app.ECONFLICT, "an erasure of %s is waiting already", u.DisplayName())
	} else if err != nil {
		return err
	}
	if err := audit.Record(ctx, q, s.Clock, audit.ErasureRequested, e.UserID, "due "+e.DueAt.Format(time.DateOnly)); err != nil {
		return err
	}
	if e.DueAt.After(e.RequestedAt) {
		return nil
	}
	return s.eraseTx(ctx, q, e)
}

// CancelErasure undoes a person's erasure while it waits: their own, or
// anyone's for an admin, whatever their role now. The cancellation and
// its audit entry are written together.
func (s *Service) CancelErasure(ctx context.Context, userID int64) error {
	if err := self(ctx, userID); err != nil {
		return err
	}
	return s.cancel(ctx, userID, "")
}

// cancel cancels a person's waiting erasure and records it, with detail,
// in one transaction.
func (s *Service) cancel(ctx context.Context, userID int64, detail string) error {
	err := s.Erasures.InErasureTx(ctx, func(q ErasureTx) error {
		if err := q.CancelErasure(ctx, userID, s.Clock.Now()); err != nil {
			return err
		}
		return audit.Record(ctx, q, s.Clock, audit.ErasureCancelled, userID, detail)
	})
	if app.ErrorCode(err) == app.ENOTFOUND {
		return app.Errorf(app.ENOTFOUND, "no erasure is waiting")
	}
	return err
}

// PendingErasure returns a person's waiting erasure, or ENOTFOUND: their
// own, whatever their role now, or anyone's for an admin.
func (s *Service) PendingErasure(ctx context.Context, userID int64) (*Erasure, error) {
	if err := self(ctx, userID); err != nil {
		return nil, err
	}
	return s.Erasures.PendingErasure(ctx, userID)
}

// EraseDue carries out the erasures whose grace has passed, and says how
// many (the nightly job, on one server at a time). One whose person is no
// longer a client (they became a coach meanwhile) is cancelled instead,
// with the reason in the audit log, and not counted.
func (s *Service) EraseDue(ctx context.Context) (int, error) {
	due, err := s.Erasures.DueErasures(ctx, s.Clock.Now())
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range due {
		erased, err := s.eraseDue(ctx, e)
		if err != nil {
			return n, fmt.Errorf("erase person %d: %w", e.UserID, err)
		}
		if erased {
			n++
		}
	}
	return n, nil
}

// eraseDue carries out one due erasure, or cancels it when its person is
// no longer a client; erased says which.
func (s *Service) eraseDue(ctx context.Context, e *Erasure) (erased bool, err error) {
	err = s.Erasures.InErasureTx(ctx, func(q ErasureTx) error { return s.eraseTx(ctx, q, e) })
	if app.ErrorCode(err) != app.ECONFLICT {
		return err == nil, err
	}
	u, uerr := s.Store.UserByID(ctx, e.UserID)
	if uerr != nil || u.Role == app.RoleClient {
		return false, err
	}
	return false, s.cancel(ctx, e.UserID, "became a "+string(u.Role))
}

// eraseTx carries an erasure out in the transaction q and records it there.
func (s *Service) eraseTx(ctx context.Context, q ErasureTx, e *Erasure) error {
	if err := q.EraseClient(ctx, e, s.Clock.Now().UTC()); err != nil {
		return err
	}
	return audit.Record(ctx, q, s.Clock, audit.Erased, e.UserID, e.Detail)
}
