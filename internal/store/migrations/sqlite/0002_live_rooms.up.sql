-- Live rooms: a call session opens when the first person joins, starts (the
-- timer) when the second arrives, and ends when the room has stayed empty.
-- Both tables were written by nothing before this migration, so they are
-- made anew rather than altered (SQLite cannot drop a NOT NULL in place).
DROP TABLE messages;
DROP TABLE call_sessions;

CREATE TABLE call_sessions (
	id               INTEGER PRIMARY KEY,
	appointment_id   INTEGER NOT NULL REFERENCES appointments (id) ON DELETE CASCADE,
	opened_at        TEXT NOT NULL,
	started_at       TEXT,
	ended_at         TEXT,
	last_active_at   TEXT NOT NULL,
	duration_seconds INTEGER
);
CREATE INDEX call_sessions_appointment ON call_sessions (appointment_id, opened_at);
CREATE UNIQUE INDEX call_sessions_one_open ON call_sessions (appointment_id) WHERE ended_at IS NULL;

CREATE TABLE messages (
	id            INTEGER PRIMARY KEY,
	session_id    INTEGER NOT NULL REFERENCES call_sessions (id) ON DELETE CASCADE,
	sender_id     INTEGER REFERENCES users (id),
	kind          TEXT NOT NULL CHECK (kind IN ('text', 'system', 'ai')),
	body          TEXT NOT NULL,
	seq           INTEGER NOT NULL,
	client_msg_id TEXT,
	created_at    TEXT NOT NULL,
	UNIQUE (session_id, seq)
);
