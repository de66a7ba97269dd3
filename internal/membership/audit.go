package membership

import (
	"time"

	"rapport/internal/audit"
)

// Audit is the change as the audit log keeps it, done by the system (actor
// 0) to the user userID at at: a new user's role, or the role and the
// status that changed, each with why.
func (c UserChange) Audit(userID int64, at time.Time) []audit.Entry {
	entry := func(a audit.Action, detail string) audit.Entry {
		return audit.Entry{At: at, Action: a, SubjectID: userID, Detail: detail + " (Skool sync: " + c.Why + ")"}
	}
	if c.ID == 0 {
		return []audit.Entry{entry(audit.RoleChanged, "new user: "+string(c.ToRole)+", "+string(c.ToStatus))}
	}
	var out []audit.Entry
	if c.FromRole != c.ToRole {
		out = append(out, entry(audit.RoleChanged, string(c.FromRole)+" -> "+string(c.ToRole)))
	}
	if c.FromStatus != c.ToStatus {
		out = append(out, entry(audit.StatusChanged, string(c.FromStatus)+" -> "+string(c.ToStatus)))
	}
	return out
}
