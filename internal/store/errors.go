package store

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"rapport/internal/app"
)

// mapErr turns a driver error into an app error with the right code, keeping
// the driver's error in the chain for the log. It never drops an error.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return app.Errorf(app.ENOTFOUND, "not found")
	}
	if code := constraintCode(err); code != "" {
		return &wrapped{app: app.Errorf(code, "%s", constraintMessage(code)), cause: err}
	}
	return err
}

// constraintCode is the app code for a broken constraint, or "".
func constraintCode(err error) string {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return app.ECONFLICT
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY, sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			return app.EINVALID
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505": // unique_violation
			return app.ECONFLICT
		case "23503", "23514", "23502", "22001": // foreign key, check, not null, too long
			return app.EINVALID
		}
	}
	return ""
}

func constraintMessage(code string) string {
	if code == app.ECONFLICT {
		return "that already exists"
	}
	return "that refers to something that does not exist or breaks a rule"
}

// wrapped is an app error that keeps the driver error it came from.
type wrapped struct {
	app   *app.Error
	cause error
}

func (w *wrapped) Error() string { return fmt.Sprintf("%v (%v)", w.app, w.cause) }

// Unwrap gives both the app error, for app.ErrorCode, and the cause.
func (w *wrapped) Unwrap() []error { return []error{w.app, w.cause} }
