package record

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

// The limits of a goal: a title is a line, a note a paragraph or two, and
// a client and coach keep a list they can read at a glance.
const (
	MaxGoalTitle = 200  // characters
	MaxGoalNote  = 2000 // characters
	MaxGoals     = 100  // per client and coach
)

// Goal is a goal of a client's with one of their coaches. Both of them
// write it: its coach (while the client is theirs) and the client.
type Goal struct {
	ID       int64
	CoachID  int64
	ClientID int64
	Title    string
	// Progress is how far along it is, from 0 to 100.
	Progress int
	Note     string
	// Done says it was marked achieved by hand.
	Done bool
	// AchievedAt is when it became achieved (Achieved); nil while it is not.
	AchievedAt *time.Time
	CreatedBy  int64 // 0: a person since erased
	CreatedAt  time.Time
	UpdatedBy  int64
	UpdatedAt  time.Time

	// Filled by reads, for display: the coach's name and who wrote it last.
	CoachName     string
	UpdatedByName string
}

// Achieved reports whether the goal is reached: its progress is 100, or
// it was marked done.
func (g *Goal) Achieved() bool { return g.Done || g.Progress >= 100 }

// settle keeps AchievedAt true to Achieved: set at now when the goal
// becomes achieved, kept while it stays so, cleared when it no longer is.
func (g *Goal) settle(now time.Time) {
	switch {
	case !g.Achieved():
		g.AchievedAt = nil
	case g.AchievedAt == nil:
		g.AchievedAt = &now
	}
}

// GoalDraft is a new goal.
type GoalDraft struct {
	// CoachID is the coach the goal is with: needed from a client who
	// has several coaches; a coach's goals are with themself.
	CoachID  int64
	Title    string
	Progress int
	Note     string
	Done     bool
}

// GoalChange is an edit of a goal; nil fields stay as they are.
type GoalChange struct {
	Title    *string
	Progress *int
	Note     *string
	Done     *bool
}

// GoalStore keeps the goals (store.DB). A missing goal is ENOTFOUND.
type GoalStore interface {
	// CreateGoal stores a new goal and sets its ID.
	CreateGoal(ctx context.Context, g *Goal) error
	// GoalByID returns a goal with its coach's name and its last writer's.
	GoalByID(ctx context.Context, id int64) (*Goal, error)
	// UpdateGoal stores a goal's title, progress, note, done, when it was
	// achieved, and who changed it when.
	UpdateGoal(ctx context.Context, g *Goal) error
	DeleteGoal(ctx context.Context, id int64) error
	// ListGoals lists the scope's goals, oldest first, with their names.
	ListGoals(ctx context.Context, s Scope) ([]*Goal, error)
	// CountGoals counts a client's goals with a coach.
	CountGoals(ctx context.Context, coachID, clientID int64) (int, error)
}

// Goals lists a client's goals: with the calling coach, or, for the
// client, with every coach. Anyone else is told there is no such client.
func (s *Service) Goals(ctx context.Context, clientID int64) ([]*Goal, error) {
	_, sc, err := s.scope(ctx, clientID)
	if err != nil {
		return nil, err
	}
	return s.Store.ListGoals(ctx, sc)
}

// CheckGoals tells whether the caller may read and set the client's
// goals: nil for a coach of theirs and the client, ENOTFOUND for anyone
// else. Handlers ask it before they read a body.
func (s *Service) CheckGoals(ctx context.Context, clientID int64) error {
	_, _, err := s.scope(ctx, clientID)
	return err
}

// Goal returns a goal to its coach and its client.
func (s *Service) Goal(ctx context.Context, id int64) (*Goal, error) {
	_, g, err := s.goal(ctx, id)
	return g, err
}

// CheckGoal tells whether the caller may change a goal: nil for its coach
// and its client, ENOTFOUND for anyone else.
func (s *Service) CheckGoal(ctx context.Context, id int64) error {
	_, _, err := s.goal(ctx, id)
	return err
}

// CreateGoal sets a new goal of the client's: by a coach of theirs (with
// themself), or by the client (with the coach the draft names, or with
// their one coach). Nothing is stored unless all of it is right.
func (s *Service) CreateGoal(ctx context.Context, clientID int64, d GoalDraft) (*Goal, error) {
	a, sc, err := s.scope(ctx, clientID)
	if err != nil {
		return nil, err
	}
	fields := map[string]string{}
	title, note := strings.TrimSpace(d.Title), strings.TrimSpace(d.Note)
	checkGoal(fields, title, d.Progress, note)
	coachID, err := s.coachOf(ctx, fields, sc, d.CoachID)
	if err != nil {
		return nil, err
	}
	if err := app.Invalid(fields); err != nil {
		return nil, err
	}
	if n, err := s.Store.CountGoals(ctx, coachID, clientID); err != nil {
		return nil, err
	} else if n >= MaxGoals {
		return nil, app.Errorf(app.ECONFLICT, "there are %d goals already: delete one that is done with first", MaxGoals)
	}
	now := s.Clock.Now()
	g := &Goal{CoachID: coachID, ClientID: clientID, Title: title, Progress: d.Progress, Note: note, Done: d.Done,
		CreatedBy: a.UserID, CreatedAt: now, UpdatedBy: a.UserID, UpdatedAt: now}
	g.settle(now)
	if err := s.Store.CreateGoal(ctx, g); err != nil {
		return nil, fmt.Errorf("create goal: %w", err)
	}
	return s.Store.GoalByID(ctx, g.ID)
}

// UpdateGoal changes a goal: its coach's or its client's to do. Nothing
// is stored unless all of the change is right.
func (s *Service) UpdateGoal(ctx context.Context, id int64, ch GoalChange) (*Goal, error) {
	a, g, err := s.goal(ctx, id)
	if err != nil {
		return nil, err
	}
	if ch.Title != nil {
		g.Title = strings.TrimSpace(*ch.Title)
	}
	if ch.Progress != nil {
		g.Progress = *ch.Progress
	}
	if ch.Note != nil {
		g.Note = strings.TrimSpace(*ch.Note)
	}
	if ch.Done != nil {
		g.Done = *ch.Done
	}
	fields := map[string]string{}
	checkGoal(fields, g.Title, g.Progress, g.Note)
	if err := app.Invalid(fields); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	g.UpdatedBy, g.UpdatedAt = a.UserID, now
	g.settle(now)
	if err := s.Store.UpdateGoal(ctx, g); err != nil {
		return nil, fmt.Errorf("update goal: %w", err)
	}
	return s.Store.GoalByID(ctx, g.ID)
}

// DeleteGoal removes a goal: its coach's or its client's to do.
func (s *Service) DeleteGoal(ctx context.Context, id int64) error {
	if _, _, err := s.goal(ctx, id); err != nil {
		return err
	}
	if err := s.Store.DeleteGoal(ctx, id); err != nil {
		return fmt.Errorf("delete goal: %w", err)
	}
	return nil
}

// goal returns a goal and the caller when the caller may read and change
// it: its client, or its coach while the client is theirs. Anyone else is
// told it does not exist.
func (s *Service) goal(ctx context.Context, id int64) (*app.Actor, *Goal, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, nil, err
	}
	g, err := s.Store.GoalByID(ctx, id)
	if err != nil {
		return nil, nil, orNotFound(err, "goal")
	}
	switch {
	case a.Role == app.RoleClient && a.UserID == g.ClientID:
		return a, g, nil
	case a.Role == app.RoleCoach && a.UserID == g.CoachID:
		ok, err := s.Store.IsCoachOf(ctx, a.UserID, g.ClientID)
		if err == nil && ok {
			return a, g, nil
		}
		return nil, nil, orNotFound(err, "goal")
	}
	return nil, nil, notFound("goal")
}

// coachOf is the coach a new goal in scope is with: the calling coach, or
// the coach the client chose (one of theirs now), or the client's one
// coach. A choice that is not right is added to fields.
func (s *Service) coachOf(ctx context.Context, fields map[string]string, sc Scope, chosen int64) (int64, error) {
	if sc.CoachID != 0 {
		if chosen != 0 && chosen != sc.CoachID {
			fields["coach_id"] = "must be you: a coach sets goals with their own clients"
		}
		return sc.CoachID, nil
	}
	if chosen != 0 {
		ok, err := s.Store.IsCoachOf(ctx, chosen, sc.ClientID)
		if err != nil {
			return 0, err
		}
		if !ok {
			fields["coach_id"] = "is not one of your coaches"
		}
		return chosen, nil
	}
	coaches, err := s.Store.ListCoaches(ctx, sc.ClientID, coaching.Page{Limit: 2})
	switch {
	case err != nil:
		return 0, err
	case len(coaches) == 1:
		return coaches[0].ID, nil
	case len(coaches) == 0:
		fields["coach_id"] = "you have no coach to set a goal with"
	default:
		fields["coach_id"] = "is required: choose which of your coaches the goal is with"
	}
	return 0, nil
}

// checkGoal adds to fields what is wrong with a goal's title, progress
// and note.
func checkGoal(fields map[string]string, title string, progress int, note string) {
	switch {
	case title == "":
		fields["title"] = "is required"
	case utf8.RuneCountInString(title) > MaxGoalTitle:
		fields["title"] = fmt.Sprintf("must be at most %d characters", MaxGoalTitle)
	default:
		if msg := coaching.CheckText(title, coaching.SingleLine); msg != "" {
			fields["title"] = msg
		}
	}
	if progress < 0 || progress > 100 {
		fields["progress"] = "must be a whole number from 0 to 100"
	}
	if utf8.RuneCountInString(note) > MaxGoalNote {
		fields["note"] = fmt.Sprintf("must be at most %d characters", MaxGoalNote)
	} else if msg := coaching.CheckText(note, coaching.MultiLine); msg != "" {
		fields["note"] = msg
	}
}
