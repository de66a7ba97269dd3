-- Conversations between a coach and a client outside any call: one per
-- pair. last_seq is the newest message's sequence number: the next message
-- takes last_seq + 1 in the same transaction.
CREATE TABLE conversations (
	id         INTEGER PRIMARY KEY,
	coach_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	client_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	last_seq   INTEGER NOT NULL DEFAULT 0,
	created_at TEXT NOT NULL,
	UNIQUE (coach_id, client_id)
);
CREATE INDEX conversations_client ON conversations (client_id);

-- The files attached to messages: a description here, the bytes in
-- conversation_file_data (read only for a download).
CREATE TABLE conversation_files (
	id              INTEGER PRIMARY KEY,
	conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
	uploader_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name            TEXT NOT NULL,
	type            TEXT NOT NULL,
	size            INTEGER NOT NULL,
	sha256          TEXT NOT NULL,
	created_at      TEXT NOT NULL
);
CREATE INDEX conversation_files_conversation ON conversation_files (conversation_id);
CREATE TABLE conversation_file_data (
	file_id INTEGER PRIMARY KEY REFERENCES conversation_files (id) ON DELETE CASCADE,
	data    BLOB NOT NULL
);

-- The messages, in order by seq; (sender, client_id) is the sender's own
-- ID of a message, so that one sent twice is stored once.
CREATE TABLE conversation_messages (
	id              INTEGER PRIMARY KEY,
	conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
	seq             INTEGER NOT NULL,
	sender_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	client_id       TEXT NOT NULL,
	body            TEXT NOT NULL,
	file_id         INTEGER REFERENCES conversation_files (id) ON DELETE SET NULL,
	created_at      TEXT NOT NULL,
	UNIQUE (conversation_id, seq),
	UNIQUE (conversation_id, sender_id, client_id)
);

-- How far each person has read, and the last unread-message email they
-- were sent: notified_seq is the newest message it covered.
CREATE TABLE conversation_reads (
	conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
	user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	read_seq        INTEGER NOT NULL DEFAULT 0,
	notified_seq    INTEGER NOT NULL DEFAULT 0,
	notified_at     TEXT,
	PRIMARY KEY (conversation_id, user_id)
);

-- The email about a message left unread is a choice of its own, on until
-- the person turns it off.
ALTER TABLE email_preferences ADD COLUMN messages INTEGER NOT NULL DEFAULT 1;
