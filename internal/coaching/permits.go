package coaching

import (
	"context"

	"rapport/internal/app"
)

// Act is something a person may do by their role alone, whatever the
// thing it is done to.
type Act int

// The acts a role allows.
const (
	ActBook         Act = iota // book appointments: coaches, and admins for a coach
	ActInvite                  // invite clients: coaches
	ActManageUsers             // list, create and change users: admins
	ActSetAIPersona            // tell the AI co-coach how to work: coaches and admins
)

// actRoles are the roles allowed each act.
var actRoles = map[Act][]app.Role{
	ActBook:         {app.RoleCoach, app.RoleAdmin},
	ActInvite:       {app.RoleCoach},
	ActManageUsers:  {app.RoleAdmin},
	ActSetAIPersona: {app.RoleCoach, app.RoleAdmin},
}

// May returns nil when the caller's role allows act, EFORBIDDEN when it
// does not, and EUNAUTHORIZED when nobody is signed in. The service checks
// it itself; handlers ask it before they read a request's body, so that a
// person who may not act is told so, not how their input would be judged.
func May(ctx context.Context, act Act) error {
	_, err := allowed(ctx, act)
	return err
}

// allowed returns the caller when their role allows act.
func allowed(ctx context.Context, act Act) (*app.Actor, error) {
	return requireRole(ctx, actRoles[act]...)
}
