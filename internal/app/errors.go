package app

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error codes shared by every layer. The web layer turns each into a status.
const (
	ECONFLICT     = "conflict"     // the thing exists already, or clashes with another
	EINTERNAL     = "internal"     // a fault of ours; the details go to the log only
	EINVALID      = "invalid"      // the input breaks a rule; Fields say which
	ENOTFOUND     = "not_found"    // missing, or not visible to the caller
	EUNAUTHORIZED = "unauthorized" // nobody is signed in
	EFORBIDDEN    = "forbidden"    // visible, but the caller may not change it
	ERATELIMITED  = "rate_limited" // slow down
	EUNAVAILABLE  = "unavailable"  // the server is restarting: try again in a moment
)

// Error is an application error: a code, a message fit for the user, and
// optionally the fields of the input that were wrong and why.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string
}

// Error implements the error interface.
func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " " + e.Fields[k]
	}
	if all := strings.Join(parts, "; "); all != e.Message { // a message that is the one field's reason says it once
		return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, all)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an application error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error for the fields that broke a rule, or nil
// when fields is empty, so that validators can end with `return app.Invalid(f)`.
func Invalid(fields map[string]string) error {
	if len(fields) == 0 {
		return nil
	}
	msg := "please correct the highlighted fields"
	if len(fields) == 1 {
		for k, v := range fields {
			msg = k + " " + v
		}
	}
	return &Error{Code: EINVALID, Message: msg, Fields: fields}
}

// ErrorCode returns the code of the first application error in err's chain,
// EINTERNAL for any other error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err. Internal errors get a
// generic message, so that no detail of ours reaches a user.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "Something went wrong on our side. Please try again."
}

// ErrorFields returns the per-field reasons of an EINVALID error, or nil.
func ErrorFields(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
