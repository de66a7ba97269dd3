package coaching

import (
	"slices"
	"strings"

	"rapport/internal/app"
)

// Signup says who may become a user by signing in. The zero value is
// invitation only: people Rapport already knows (invited by a coach,
// created by an operator, brought in by the membership sync).
type Signup struct {
	// Open admits anyone with a verified email.
	Open bool
	// Domains admit any verified email of these domains (lower case).
	Domains []string
	// HostedDomain asks the identity's hosted domain (Google's hd claim) to
	// be the email's domain too: a consumer Google account may carry an
	// address of any domain, a Workspace account only its own.
	HostedDomain bool
}

// Admits reports whether id, with its normalized email, may sign up.
func (p Signup) Admits(id Identity, email string) bool {
	if p.Open {
		return true
	}
	domain := strings.ToLower(email[strings.LastIndexByte(email, '@')+1:])
	if !slices.Contains(p.Domains, domain) {
		return false
	}
	return !p.HostedDomain || strings.EqualFold(id.HostedDomain, domain)
}

// errByInvitation is the answer to someone the sign-up policy does not admit.
func errByInvitation(email string) error {
	return app.Errorf(app.EFORBIDDEN, "Rapport is by invitation here, and %s has none yet: ask your coach to invite you, then sign in again", email)
}
