package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"

	"rapport/internal/chat"
)

var _ chat.Store = (*DB)(nil)

// messageColumns are the columns written per message, in order.
const messageColumns = `session_id, sender_id, kind, body, seq, client_msg_id, created_at`

// insertChunk is how many messages one INSERT statement carries.
const insertChunk = 100

// insertSQL caches the multi-row INSERT for each row count.
var insertSQL sync.Map // map[int]string

func insertMessagesSQL(rows int) string {
	if s, ok := insertSQL.Load(rows); ok {
		return s.(string)
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO messages (` + messageColumns + `) VALUES `)
	for i := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?)")
	}
	b.WriteString(` RETURNING id, session_id, seq`)
	insertSQL.Store(rows, b.String())
	return b.String()
}

// AppendMessages stores a batch of messages in one transaction, many rows to
// a statement, and sets their IDs.
func (db *DB) AppendMessages(ctx context.Context, msgs []*chat.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	return db.inTx(ctx, func(q *queries) error {
		for start := 0; start < len(msgs); start += insertChunk {
			if err := q.insertMessages(ctx, msgs[start:min(start+insertChunk, len(msgs))]); err != nil {
				return err
			}
		}
		return nil
	})
}

type sessionSeq struct{ session, seq int64 }

func (q *queries) insertMessages(ctx context.Context, msgs []*chat.Message) error {
	args := make([]any, 0, len(msgs)*7)
	for _, m := range msgs {
		args = append(args, m.SessionID, sql.NullInt64{Int64: m.SenderID, Valid: m.SenderID != 0}, m.Kind, m.Body,
			m.Seq, nullString(m.ClientID), q.d.Time(m.CreatedAt))
	}
	rows, err := q.w.QueryContext(ctx, q.d.Rebind(insertMessagesSQL(len(msgs))), args...)
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
