package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"rapport/internal/chat"
)

var _ chat.Store = (*DB)(nil)

// messageColumns are the columns written per message, in order.
const messageColumns = `session_id, sender_id, kind, body, seq, client_msg_id, created_at`

// maxInsertRows is the most messages one INSERT statement carries on
// SQLite. A batch is split into chunks of powers of two (45 = 32 + 8 + 4 +
// 1), so that seven prepared statements serve every batch: parsing the
// VALUES of 64 rows costs SQLite a third of storing them.
const maxInsertRows = 64

// postgresInsertRows is the most messages one INSERT carries on
// PostgreSQL, where every statement is a round trip and pgx keeps the
// prepared statements itself.
const postgresInsertRows = 100

// insertChunk is how many of n messages the next INSERT takes on SQLite:
// the largest power of two not above n or maxInsertRows.
func insertChunk(n int) int {
	k := 1
	for k*2 <= min(n, maxInsertRows) {
		k *= 2
	}
	return k
}

func insertMessagesSQL(rows int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO messages (` + messageColumns + `) VALUES `)
	for i := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?)")
	}
	b.WriteString(` RETURNING id, session_id, seq`)
	return b.String()
}

// AppendMessages stores a batch of messages in one transaction, many rows to
// a statement, and sets their IDs.
func (db *DB) AppendMessages(ctx context.Context, msgs []*chat.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	return db.inTx(ctx, func(q *queries) error {
		for rest := msgs; len(rest) > 0; {
			n := db.insertRows(len(rest))
			text := db.insertSQLOf(n)
			query := func(args ...any) (*sql.Rows, error) { return q.w.QueryContext(ctx, text, args...) }
			if err := insertMessages(query, q.d, rest[:n]); err != nil {
				return err
			}
			rowsClosed(q.w, text) // a batch of 200 runs the INSERT of 64 three times
			rest = rest[n:]
		}
		return nil
	})
}

// insertRows is how many of n messages the next INSERT takes.
func (db *DB) insertRows(n int) int {
	if db.Dialect.Name() == "sqlite" {
		return insertChunk(n)
	}
	return min(n, postgresInsertRows)
}

// insertSQLOf is the INSERT of rows messages in the database's dialect,
// made once for each number of rows.
func (db *DB) insertSQLOf(rows int) string {
	if s, ok := db.insertSQL.Load(rows); ok {
		return s.(string)
	}
	s := db.Dialect.Rebind(insertMessagesSQL(rows))
	db.insertSQL.Store(rows, s)
	return s
}

type sessionSeq struct{ session, seq int64 }

// insertMessages runs the INSERT of msgs through query and sets the
// messages' IDs from what it returns.
func insertMessages(query func(args ...any) (*sql.Rows, error), d Dialect, msgs []*chat.Message) error {
	args := make([]any, 0, len(msgs)*7)
	for _, m := range msgs {
		args = append(args, m.SessionID, sql.NullInt64{Int64: m.SenderID, Valid: m.SenderID != 0}, m.Kind, m.Body,
			m.Seq, nullString(m.ClientID), d.Time(m.CreatedAt))
	}
	rows, err := query(args...)
	if err != nil {
		return mapErr(err)
	}
	ids := make(map[sessionSeq]int64, len(msgs))
	for rows.Next() {
		var id int64
		var k sessionSeq
		if err := rows.Scan(&id, &k.session, &k.seq); err != nil {
			rows.Close()
			return mapErr(err)
		}
		ids[k] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return mapErr(err)
	}
	for _, m := range msgs {
		id, ok := ids[sessionSeq{m.SessionID, m.Seq}]
		if !ok {
			return fmt.Errorf("message %d of session %d was not stored", m.Seq, m.SessionID)
		}
		m.ID = id
	}
	return nil
}

// ClientIDs returns the client IDs of a session's messages, with their
// senders (0 for the AI's seat) and sequence numbers.
func (db *DB) ClientIDs(ctx context.Context, sessionID int64) ([]chat.SentID, error) {
	rows, err := db.query(ctx, `SELECT COALESCE(sender_id, 0), client_msg_id, seq FROM messages
		WHERE session_id = ? AND client_msg_id IS NOT NULL`, sessionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []chat.SentID
	for rows.Next() {
		var id chat.SentID
		if err := rows.Scan(&id.SenderID, &id.ClientID, &id.Seq); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, id)
	}
	return out, mapErr(rows.Err())
}

const messageSelect = `SELECT id, session_id, sender_id, kind, body, seq, client_msg_id, created_at FROM messages`

// MessagesAfter returns up to limit messages with seq above after, oldest first.
func (db *DB) MessagesAfter(ctx context.Context, sessionID, after int64, limit int) ([]*chat.Message, error) {
	return db.messages(ctx, messageSelect+` WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?`, sessionID, after, limit)
}

// MessagesBefore returns up to limit messages below before (0: the newest),
// oldest first.
func (db *DB) MessagesBefore(ctx context.Context, sessionID, before int64, limit int) ([]*chat.Message, error) {
	if before <= 0 {
		before = 1<<63 - 1
	}
	list, err := db.messages(ctx, messageSelect+` WHERE session_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`, sessionID, before, limit)
	for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
		list[i], list[j] = list[j], list[i]
	}
	return list, err
}

// LastSeq returns the highest sequence number of a session, 0 for none.
func (db *DB) LastSeq(ctx context.Context, sessionID int64) (int64, error) {
	var seq sql.NullInt64
	err := db.row(ctx, `SELECT max(seq) FROM messages WHERE session_id = ?`, sessionID).Scan(&seq)
	return seq.Int64, mapErr(err)
}

func (db *DB) messages(ctx context.Context, query string, args ...any) ([]*chat.Message, error) {
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*chat.Message
	for rows.Next() {
		var m chat.Message
		var sender sql.NullInt64
		var clientID sql.NullString
		if err := rows.Scan(&m.ID, &m.SessionID, &sender, &m.Kind, &m.Body, &m.Seq, &clientID, timeScan{&m.CreatedAt}); err != nil {
			return nil, mapErr(err)
		}
		m.SenderID, m.ClientID = sender.Int64, clientID.String
		out = append(out, &m)
	}
	return out, mapErr(rows.Err())
}
