package store

import (
	"database/sql"
	"fmt"
	"time"
)

// timeScan reads a stored time from either dialect into *T, in UTC.
type timeScan struct{ t *time.Time }

// Scan implements sql.Scanner.
func (s timeScan) Scan(src any) error {
	t, err := parseTime(src)
	if err != nil {
		return err
	}
	*s.t = t
	return nil
}

// nullTimeScan reads a time that may be NULL.
type nullTimeScan struct{ t **time.Time }

// Scan implements sql.Scanner.
func (s nullTimeScan) Scan(src any) error {
	if src == nil {
		*s.t = nil
		return nil
	}
	t, err := parseTime(src)
	if err != nil {
		return err
	}
	*s.t = &t
	return nil
}

func parseTime(src any) (time.Time, error) {
	switch v := src.(type) {
	case time.Time:
		return v.UTC(), nil
	case string:
		return time.Parse(timeLayout, v)
	case []byte:
		return time.Parse(timeLayout, string(v))
	}
	return time.Time{}, fmt.Errorf("cannot read a time from %T", src)
}

// nullString stores "" as NULL.
func nullString(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}
