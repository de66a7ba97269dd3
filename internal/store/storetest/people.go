package storetest

import (
	"context"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/store"
)

// MustUser creates an active user of the role, named "Name of " and the
// email address, created and updated at at.
func MustUser(tb testing.TB, db *store.DB, email string, role app.Role, at time.Time) *coaching.User {
	tb.Helper()
	u := &coaching.User{Email: email, Name: "Name of " + email, Role: role, Status: coaching.StatusActive, CreatedAt: at, UpdatedAt: at}
	if err := db.CreateUser(context.Background(), u); err != nil {
		tb.Fatalf("create user %s: %v", email, err)
	}
	return u
}

// MustLink makes client a client of coach from at.
func MustLink(tb testing.TB, db *store.DB, coach, client *coaching.User, at time.Time) {
	tb.Helper()
	if err := db.LinkCoachClient(context.Background(), coach.ID, client.ID, at); err != nil {
		tb.Fatalf("link coach %d and client %d: %v", coach.ID, client.ID, err)
	}
}

// As returns a context in which u is the signed-in caller, for calling
// the services over the store; nil is nobody signed in.
func As(u *coaching.User) context.Context {
	if u == nil {
		return context.Background()
	}
	return app.WithActor(context.Background(), u.Actor())
}
