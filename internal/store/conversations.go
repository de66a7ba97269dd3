package store

import (
	"context"
	"database/sql"
	"time"

	"rapport/internal/conversation"
	"rapport/internal/mail"
)

var _ conversation.Store = (*DB)(nil)

// around scans a row whose middle columns another scanner reads: pre
// before them, post after.
type around struct {
	rows      *sql.Rows
	pre, post []any
}

func (a around) Scan(dest ...any) error {
	return a.rows.Scan(append(append(append([]any{}, a.pre...), dest...), a.post...)...)
}

const conversationColumns = `id, coach_id, client_id, last_seq, created_at`

func scanConversation(s interface{ Scan(...any) error }) (*conversation.Conversation, error) {
	var c conversation.Conversation
	err := s.Scan(&c.ID, &c.CoachID, &c.ClientID, &c.LastSeq, timeScan{&c.CreatedAt})
	if err != nil {
		return nil, mapErr(err)
	}
	return &c, nil
}

// ConversationOf returns the pair's conversation, creating it the first
// time (two first times at once make one).
func (db *DB) ConversationOf(ctx context.Context, coachID, clientID int64, at time.Time) (*conversation.Conversation, error) {
	if _, err := db.queries.exec(ctx, `INSERT INTO conversations (coach_id, client_id, created_at) VALUES (?, ?, ?)
		ON CONFLICT (coach_id, client_id) DO NOTHING`, coachID, clientID, db.Dialect.Time(at)); err != nil {
		return nil, err
	}
	return notFoundAs(scanConversation(db.queries.writeRow(ctx, `SELECT `+conversationColumns+`
		FROM conversations WHERE coach_id = ? AND client_id = ?`, coachID, clientID)))("conversation")
}

// ConversationByID returns a conversation.
func (db *DB) ConversationByID(ctx context.Context, id int64) (*conversation.Conversation, error) {
	return notFoundAs(scanConversation(db.queries.row(ctx, `SELECT `+conversationColumns+`
		FROM conversations WHERE id = ?`, id)))("conversation")
}

// Conversations lists userID's conversations, the most recent first, with
// the other person, the last message and how many userID has not read.
func (db *DB) Conversations(ctx context.Context, userID int64) ([]*conversation.Summary, error) {
	rows, err := db.queries.query(ctx, `SELECT `+prefixed("c.", conversationColumns)+`, `+prefixed("u.", userColumns)+`,
			(SELECT count(*) FROM conversation_messages m WHERE m.conversation_id = c.id AND m.sender_id <> ?
				AND m.seq > COALESCE((SELECT r.read_seq FROM conversation_reads r WHERE r.conversation_id = c.id AND r.user_id = ?), 0))
		FROM conversations c JOIN users u ON u.id = CASE WHEN c.coach_id = ? THEN c.client_id ELSE c.coach_id END
		WHERE c.coach_id = ? OR c.client_id = ?
		ORDER BY c.last_seq = 0, (SELECT max(m.created_at) FROM conversation_messages m WHERE m.conversation_id = c.id) DESC, c.id DESC`,
		userID, userID, userID, userID, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []*conversation.Summary
	for rows.Next() {
		var s conversation.Summary
		other, err := scanUser(around{rows, []any{&s.ID, &s.CoachID, &s.ClientID, &s.LastSeq, timeScan{&s.CreatedAt}}, []any{&s.Unread}})
		if err != nil {
			return nil, err
		}
		s.Other = other
		list = append(list, &s)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	for _, s := range list {
		if s.LastSeq == 0 {
			continue
		}
		last, err := db.queries.conversationMessages(ctx, s.ID, `m.seq = ?`, s.LastSeq)
		if err != nil {
			return nil, err
		}
		if len(last) > 0 {
			s.Last = last[0]
		}
	}
	return list, nil
}

// AddMessage stores m with the conversation's next sequence number, and
// its file, in one transaction; a ClientID the sender used already in the
// conversation gives back the stored message (stored false).
func (db *DB) AddMessage(ctx context.Context, m *conversation.Message, data []byte) (bool, error) {
	stored := false
	err := db.inTx(ctx, func(q *queries) error {
		var last int64
		if err := q.row(ctx, `SELECT last_seq FROM conversations WHERE id = ?`+q.d.ForUpdate(), m.ConversationID).Scan(&last); err != nil {
			return notFoundErr(mapErr(err), "conversation")
		}
		if prior, err := q.conversationMessages(ctx, m.ConversationID, `m.sender_id = ? AND m.client_id = ?`, m.SenderID, m.ClientID); err != nil {
			return err
		} else if len(prior) > 0 {
			*m = *prior[0]
			return nil
		}
		if m.File != nil {
			if err := q.addFile(ctx, m, data); err != nil {
				return err
			}
		}
		m.Seq = last + 1
		var fileID sql.NullInt64
		if m.File != nil {
			fileID = sql.NullInt64{Int64: m.File.ID, Valid: true}
		}
		if err := q.writeRow(ctx, `INSERT INTO conversation_messages (conversation_id, seq, sender_id, client_id, body, file_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, m.ConversationID, m.Seq, m.SenderID, m.ClientID, m.Body, fileID,
			q.d.Time(m.CreatedAt)).Scan(&m.ID); err != nil {
			return mapErr(err)
		}
		if _, err := q.exec(ctx, `UPDATE conversations SET last_seq = ? WHERE id = ?`, m.Seq, m.ConversationID); err != nil {
			return err
		}
		stored = true
		return q.markRead(ctx, m.ConversationID, m.SenderID, m.Seq) // one's own message is read
	})
	return stored, err
}

// addFile stores m's file and its bytes, and sets its ID.
func (q *queries) addFile(ctx context.Context, m *conversation.Message, data []byte) error {
	f := m.File
	if err := q.writeRow(ctx, `INSERT INTO conversation_files (conversation_id, uploader_id, name, type, size, sha256, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, m.ConversationID, m.SenderID, f.Name, f.Type, f.Size, f.SHA256,
		q.d.Time(m.CreatedAt)).Scan(&f.ID); err != nil {
		return mapErr(err)
	}
	_, err := q.exec(ctx, `INSERT INTO conversation_file_data (file_id, data) VALUES (?, ?)`, f.ID, data)
	return err
}

// Messages pages a conversation: after a sequence number (oldest first),
// or the newest before one (or the newest of all), newest last.
func (db *DB) Messages(ctx context.Context, conversationID int64, p conversation.Page) ([]*conversation.Message, error) {
	if p.Forward {
		return db.queries.conversationMessages(ctx, conversationID, `m.seq > ? ORDER BY m.seq LIMIT ?`, p.After, p.Limit)
	}
	before := p.Before
	if before == 0 {
		before = 1 << 62
	}
	list, err := db.queries.conversationMessages(ctx, conversationID, `m.seq < ? ORDER BY m.seq DESC LIMIT ?`, before, p.Limit)
	for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
		list[i], list[j] = list[j], list[i]
	}
	return list, err
}

// conversationMessages reads a conversation's messages with their files, where the
// condition (and order) holds.
func (q *queries) conversationMessages(ctx context.Context, conversationID int64, where string, args ...any) ([]*conversation.Message, error) {
	rows, err := q.query(ctx, `SELECT m.id, m.conversation_id, m.seq, m.sender_id, m.client_id, m.body, m.created_at,
			f.id, f.name, f.type, f.size, f.sha256
		FROM conversation_messages m LEFT JOIN conversation_files f ON f.id = m.file_id
		WHERE m.conversation_id = ? AND `+where, append([]any{conversationID}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []*conversation.Message
	for rows.Next() {
		var m conversation.Message
		var fid, fsize sql.NullInt64
		var fname, ftype, fsum sql.NullString
		if err := rows.Scan(&m.ID, &m.ConversationID, &m.Seq, &m.SenderID, &m.ClientID, &m.Body, timeScan{&m.CreatedAt},
			&fid, &fname, &ftype, &fsize, &fsum); err != nil {
			return nil, mapErr(err)
		}
		if fid.Valid {
			m.File = &conversation.File{ID: fid.Int64, Name: fname.String, Type: ftype.String, Size: fsize.Int64, SHA256: fsum.String}
		}
		list = append(list, &m)
	}
	return list, mapErr(rows.Err())
}

// MarkRead records that userID has read up to seq, never backwards.
func (db *DB) MarkRead(ctx context.Context, conversationID, userID, seq int64) error {
	return db.queries.markRead(ctx, conversationID, userID, seq)
}

func (q *queries) markRead(ctx context.Context, conversationID, userID, seq int64) error {
	_, err := q.exec(ctx, `INSERT INTO conversation_reads (conversation_id, user_id, read_seq) VALUES (?, ?, ?)
		ON CONFLICT (conversation_id, user_id) DO UPDATE SET read_seq = excluded.read_seq
		WHERE conversation_reads.read_seq < excluded.read_seq`, conversationID, userID, seq)
	return err
}

// UnreadCount is how many messages to userID, in all their conversations,
// they have not read.
func (db *DB) UnreadCount(ctx context.Context, userID int64) (int, error) {
	var n int
	err := db.queries.row(ctx, `SELECT count(*) FROM conversations c
		JOIN conversation_messages m ON m.conversation_id = c.id AND m.sender_id <> ?
		LEFT JOIN conversation_reads r ON r.conversation_id = c.id AND r.user_id = ?
		WHERE (c.coach_id = ? OR c.client_id = ?) AND m.seq > COALESCE(r.read_seq, 0)`,
		userID, userID, userID, userID).Scan(&n)
	return n, mapErr(err)
}

// FileByID returns a file's description and its conversation's ID.
func (db *DB) FileByID(ctx context.Context, id int64) (*conversation.File, int64, error) {
	var f conversation.File
	var convID int64
	err := db.queries.row(ctx, `SELECT id, conversation_id, name, type, size, sha256 FROM conversation_files WHERE id = ?`, id).
		Scan(&f.ID, &convID, &f.Name, &f.Type, &f.Size, &f.SHA256)
	if err != nil {
		return nil, 0, notFoundErr(mapErr(err), "file")
	}
	return &f, convID, nil
}

// FileData returns a file's bytes.
func (db *DB) FileData(ctx context.Context, id int64) ([]byte, error) {
	var data []byte
	err := db.queries.row(ctx, `SELECT data FROM conversation_file_data WHERE file_id = ?`, id).Scan(&data)
	return data, notFoundErr(mapErr(err), "file")
}

// UnreadNotices lists who is due an email about an unread message at now:
// someone active (never a person disabled or erased) who did not turn
// these emails off, with a message from the other
// person unread since before now-after and newer than their last notice,
// whose last notice of that conversation is older than now-every.
func (db *DB) UnreadNotices(ctx context.Context, now time.Time, after, every time.Duration) ([]*conversation.UnreadNotice, error) {
	rows, err := db.queries.query(ctx, `SELECT c.id, p.user_id, max(m.seq), count(*)
		FROM conversations c
		JOIN (SELECT id AS conversation_id, coach_id AS user_id FROM conversations
			UNION ALL SELECT id, client_id FROM conversations) p ON p.conversation_id = c.id
		JOIN users u ON u.id = p.user_id AND u.status = 'active'
		JOIN conversation_messages m ON m.conversation_id = c.id AND m.sender_id <> p.user_id
		LEFT JOIN conversation_reads r ON r.conversation_id = c.id AND r.user_id = p.user_id
		LEFT JOIN email_preferences ep ON ep.user_id = p.user_id
		WHERE m.seq > COALESCE(r.read_seq, 0) AND m.seq > COALESCE(r.notified_seq, 0) AND COALESCE(ep.messages, 1) = 1
		GROUP BY c.id, p.user_id, r.notified_at
		HAVING min(m.created_at) <= ? AND (r.notified_at IS NULL OR r.notified_at <= ?)
		ORDER BY c.id, p.user_id`, db.Dialect.Time(now.Add(-after)), db.Dialect.Time(now.Add(-every)))
	if err != nil {
		return nil, err
	}
	type due struct {
		conv, user, seq int64
		unread          int
	}
	var list []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.conv, &d.user, &d.seq, &d.unread); err != nil {
			rows.Close()
			return nil, mapErr(err)
		}
		list = append(list, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	out := make([]*conversation.UnreadNotice, 0, len(list))
	for _, d := range list {
		n, err := db.unreadNotice(ctx, d.conv, d.user, d.seq, d.unread)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// unreadNotice fills in a due notice's conversation and people.
func (db *DB) unreadNotice(ctx context.Context, convID, userID, seq int64, unread int) (*conversation.UnreadNotice, error) {
	c, err := db.ConversationByID(ctx, convID)
	if err != nil {
		return nil, err
	}
	to, err := db.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	from, err := db.UserByID(ctx, c.Other(userID))
	if err != nil {
		return nil, err
	}
	return &conversation.UnreadNotice{Conversation: c, To: to, From: from, Seq: seq, Unread: unread}, nil
}

// NoticeSent records a notice and queues its email in one transaction.
func (db *DB) NoticeSent(ctx context.Context, n *conversation.UnreadNotice, at time.Time, email *mail.Message) error {
	return db.inTx(ctx, func(q *queries) error {
		if _, err := q.exec(ctx, `INSERT INTO conversation_reads (conversation_id, user_id, notified_seq, notified_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (conversation_id, user_id) DO UPDATE SET notified_seq = excluded.notified_seq, notified_at = excluded.notified_at`,
			n.Conversation.ID, n.To.ID, n.Seq, q.d.Time(at)); err != nil {
			return err
		}
		return q.EnqueueMail(ctx, email)
	})
}
