package membership

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"rapport/internal/app"
)

// Store is what a sync reads and writes (store.DB).
type Store interface {
	MembershipState(ctx context.Context) (*State, error)
	StartMembershipRun(ctx context.Context, at time.Time) (int64, error)
	FinishMembershipRun(ctx context.Context, r *Run) error
	ApplyMembershipPlan(ctx context.Context, p Plan, r *Run) error
}

// Syncer runs syncs: it reads both communities, reconciles, and applies
// the plan, keeping a record of each run.
type Syncer struct {
	Scraper   Scraper
	Store     Store
	GraceDays int
	// Threshold is the safety stop's share of the last good run (Input).
	Threshold float64
	Now       func() time.Time
	Log       *slog.Logger
	// Lease, when set, keeps one run at a time across every node (the
	// command, the admin page's button and the nightly run alike); Holder
	// names this process for it.
	Lease  RunLease
	Holder string
	// Notify, when set, tells the operators when the safety stop holds.
	Notify Notifier
}

// RunLease is a lease taken for the length of a run (store.DB).
type RunLease interface {
	AcquireLease(ctx context.Context, name, holder string, until, now time.Time) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
}

// runLease is the lease a run holds while it goes on.
const runLease = "skool-sync running"

// ErrBusy is a run refused because another is going on.
var ErrBusy = app.Errorf(app.ECONFLICT, "a Skool sync is running already (here or on another node); try again when it ends")

// Options say what a run does.
type Options struct {
	DryRun bool      // make the plan and write nothing but the run's record
	Only   Community // read only this community ("" both); the other stays as last read
	// Progress, when set, is told how far the reading got.
	Progress func(c Community, read, total int)
}

// Report is what a run did.
type Report struct {
	Run  Run
	Plan Plan
}

// ErrStopped is a run the safety stop held: nothing was changed.
var ErrStopped = errors.New("the safety stop held the sync")

// Run syncs once. A run the safety stop holds returns its report and an
// error wrapping ErrStopped; a failed read is recorded and returned.
func (s *Syncer) Run(ctx context.Context, o Options) (*Report, error) {
	now := s.now()
	if s.Lease != nil {
		ok, err := s.Lease.AcquireLease(ctx, runLease, s.Holder, now.Add(time.Hour), now)
		if err != nil {
			return nil, fmt.Errorf("take the sync's lease: %w", err)
		}
		if !ok {
			return nil, ErrBusy
		}
		defer s.Lease.ReleaseLease(context.WithoutCancel(ctx), runLease, s.Holder)
	}
	id, err := s.Store.StartMembershipRun(ctx, now)
	if err != nil {
		return nil, fmt.Errorf("record the run: %w", err)
	}
	rep := &Report{Run: Run{ID: id, Started: now, Outcome: Running}}
	plan, err := s.plan(ctx, o, &rep.Run)
	if err != nil {
		return rep, s.finish(ctx, rep, Failed, err.Error(), err)
	}
	rep.Plan = plan
	rep.Run.Changes = len(plan.Users)
	switch {
	case plan.Stopped != "":
		rep.Run.Changes = 0
		s.alert(ctx, plan.Stopped)
		return rep, s.finish(ctx, rep, Stopped, plan.Stopped, fmt.Errorf("%w: %s", ErrStopped, plan.Stopped))
	case o.DryRun:
		return rep, s.finish(ctx, rep, DryRun, "dry run: nothing was written", nil)
	}
	fin := s.now()
	rep.Run.Finished, rep.Run.Outcome = &fin, OK
	if err := s.Store.ApplyMembershipPlan(ctx, plan, &rep.Run); err != nil {
		return rep, s.finish(ctx, rep, Failed, "the plan could not be applied: "+err.Error(), err)
	}
	s.log().Info("skool sync", "run", id, "coaches", rep.Run.Coaches, "clients", rep.Run.Clients, "changes", rep.Run.Changes)
	return rep, nil
}

// plan reads the communities and reconciles them with today's state.
func (s *Syncer) plan(ctx context.Context, o Options, run *Run) (Plan, error) {
	st, err := s.Store.MembershipState(ctx)
	if err != nil {
		return Plan{}, fmt.Errorf("read the users and memberships: %w", err)
	}
	lists := map[Community][]Member{}
	for _, c := range []Community{Coaches, Clients} {
		if o.Only != "" && o.Only != c {
			lists[c] = asRead(st.Records, c)
			continue
		}
		progress := func(read, total int) {
			if o.Progress != nil {
				o.Progress(c, read, total)
			}
		}
		members, err := s.Scraper.Members(ctx, c, progress)
		if err != nil {
			return Plan{}, fmt.Errorf("read the %s' community: %w", c, err)
		}
		lists[c] = members
	}
	run.Coaches, run.Clients = len(lists[Coaches]), len(lists[Clients])
	return Reconcile(Input{Coaches: lists[Coaches], Clients: lists[Clients], Users: st.Users, Records: st.Records,
		Now: s.now(), GraceDays: s.GraceDays, LastGood: st.LastGood, Threshold: s.Threshold}), nil
}

// asRead is a community as the last run read it: its records still in the
// list, for a run that reads only the other community.
func asRead(records []Record, c Community) []Member {
	var out []Member
	for _, r := range records {
		if r.Community == c && !r.Gone {
			out = append(out, Member{Email: r.Email, Status: r.Status, Joined: r.Joined, AccessEnds: r.AccessEnds})
		}
	}
	return out
}

// finish records how a run ended and returns err.
func (s *Syncer) finish(ctx context.Context, rep *Report, outcome Outcome, message string, err error) error {
	fin := s.now()
	rep.Run.Finished, rep.Run.Outcome, rep.Run.Message = &fin, outcome, message
	if ferr := s.Store.FinishMembershipRun(context.WithoutCancel(ctx), &rep.Run); ferr != nil {
		return errors.Join(err, fmt.Errorf("record the run's end: %w", ferr))
	}
	if outcome == Failed || outcome == Stopped {
		s.log().Warn("skool sync did not change anything", "run", rep.Run.ID, "outcome", outcome, "why", message)
	}
	return err
}

// alert tells the operators that the safety stop held.
func (s *Syncer) alert(ctx context.Context, why string) {
	if s.Notify == nil {
		return
	}
	body := why + "\n\nA sign-in that silently failed, or a change of Skool's pages, reads fewer members than there are; the roles stay as the last good run left them. Check the screenshot and page in the logs directory, or run `rapport sync-skool --dry-run`."
	if err := s.Notify.Notify(ctx, "Skool sync stopped: nothing was changed", body); err != nil {
		s.log().Error("skool sync: the operators could not be told", "err", err)
	}
}

func (s *Syncer) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Syncer) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}
