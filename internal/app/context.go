package app

import "context"

// Role is what a user is on the platform.
type Role string

// The roles. An admin sees and manages everything; a coach works with their
// own clients; a client sees their own appointments and coaches.
const (
	RoleAdmin  Role = "admin"
	RoleCoach  Role = "coach"
	RoleClient Role = "client"
)

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool {
	return r == RoleAdmin || r == RoleCoach || r == RoleClient
}

// Actor is who is asking: the signed-in user, as the domain rules see them.
type Actor struct {
	UserID int64
	Role   Role
	Email  string
}

type actorKey struct{}

// WithActor returns a context that carries the signed-in actor.
func WithActor(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the signed-in actor of ctx, or nil for anonymous.
func ActorFrom(ctx context.Context) *Actor {
	a, _ := ctx.Value(actorKey{}).(*Actor)
	return a
}

// Operator is the actor for commands an operator runs on the server itself
// (`rapport user ...`): they have admin rights and no user row.
var Operator = &Actor{UserID: -1, Role: RoleAdmin, Email: "operator@localhost"}
