package store

import (
	"strconv"
	"strings"
	"time"
)

// Dialect is what differs between SQLite and PostgreSQL.
type Dialect interface {
	// Name is "sqlite" or "postgres": the folder of its migrations.
	Name() string
	// Rebind turns ? placeholders into the dialect's own.
	Rebind(query string) string
	// Time turns a time into the value stored for it.
	Time(t time.Time) any
	// ForUpdate is the clause that locks selected rows in a transaction.
	ForUpdate() string
}

// timeLayout is how SQLite stores times: UTC, microseconds, fixed width, so
// that text order is time order (PostgreSQL keeps microseconds too).
const timeLayout = "2006-01-02T15:04:05.000000Z"

type sqliteDialect struct{}

func (sqliteDialect) Name() string           { return "sqlite" }
func (sqliteDialect) Rebind(q string) string { return q }
func (sqliteDialect) ForUpdate() string      { return "" } // the one writer already serializes
func (sqliteDialect) Time(t time.Time) any {
	return t.UTC().Truncate(time.Microsecond).Format(timeLayout)
}

type postgresDialect struct{}

func (postgresDialect) Name() string      { return "postgres" }
func (postgresDialect) ForUpdate() string { return " FOR UPDATE" }
func (postgresDialect) Time(t time.Time) any {
	return t.UTC().Truncate(time.Microsecond)
}

// Rebind numbers the placeholders: ? becomes $1, $2, ... Our SQL has no ?
// inside string literals.
func (postgresDialect) Rebind(q string) string {
	n := strings.Count(q, "?")
	if n == 0 {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 2*n)
	i := 0
	for {
		j := strings.IndexByte(q, '?')
		if j < 0 {
			b.WriteString(q)
			return b.String()
		}
		i++
		b.WriteString(q[:j])
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(i))
		q = q[j+1:]
	}
}
