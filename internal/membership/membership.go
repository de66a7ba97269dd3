// Package membership turns the members of two paid Skool communities into
// roles: the coaches' community makes coaches, the clients' community
// makes clients, with a grace period for cancelled coaches. Skool has no
// API: a scraper (package membership/skool) reads the member lists with a
// headless browser; Reconcile, a pure function, turns them and today's
// users into a plan of changes; the store applies a plan in one
// transaction, with a history of every change.
package membership

import (
	"context"
	"time"
)

// Community says which of the two communities a list is from.
type Community string

// The two communities.
const (
	Coaches Community = "coaches" // "Ultra" in the original: members are coaches
	Clients Community = "clients" // "Vagus" in the original: members are clients
)

// Status is a member's standing in a community, as Skool shows it.
type Status string

// The statuses Skool shows.
const (
	Active    Status = "active"
	Cancelled Status = "cancelled" // cancelled, but may have paid access until AccessEnds
	Churned   Status = "churned"   // gone
)

// Member is one person in a community's member list.
type Member struct {
	Name   string `json:"name"`
	Email  string `json:"email"`
	Status Status `json:"status"`
	// Joined is when they joined the community; zero when not shown.
	Joined time.Time `json:"joined"`
	// AccessEnds is the end of the paid period of a cancelled member, where
	// the page shows it; nil otherwise.
	AccessEnds *time.Time `json:"access_ends,omitempty"`
}

// Scraper reads a community's member list. Progress, when set, is told how
// far it got (members read so far, and the total when the page says it, or
// 0).
type Scraper interface {
	Members(ctx context.Context, c Community, progress func(read, total int)) ([]Member, error)
	Close() error
}

// Notifier tells the operators of trouble: a safety stop, a failed nightly
// run. alert.Email, alert.Webhook and alert.All are Notifiers.
type Notifier interface {
	Notify(ctx context.Context, subject, body string) error
}

// State is what the practice knows before a run: its users, their
// records, and the member counts of the last run that changed something.
type State struct {
	Users    []User
	Records  []Record
	LastGood map[Community]int
}

// Outcome is how a run ended.
type Outcome string

// The outcomes of a run.
const (
	Running Outcome = "running"
	OK      Outcome = "ok"
	DryRun  Outcome = "dry_run"
	Stopped Outcome = "stopped" // the safety stop: nothing changed
	Failed  Outcome = "failed"
)

// Run is one sync, as the history keeps it.
type Run struct {
	ID       int64
	Started  time.Time
	Finished *time.Time
	Outcome  Outcome
	Coaches  int // members read
	Clients  int
	Changes  int
	Message  string
}

// HistoryEvent is a change a run made, as the history keeps it.
type HistoryEvent struct {
	Event
	RunID int64
	At    time.Time
}
