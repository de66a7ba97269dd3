DROP TABLE messages;
DROP TABLE call_sessions;
CREATE TABLE call_sessions (
	id               INTEGER PRIMARY KEY,
	appointment_id   INTEGER NOT NULL REFERENCES appointments (id) ON DELETE CASCADE,
	started_at       TEXT NOT NULL,
	ended_at         TEXT,
	duration_seconds INTEGER
);
CREATE INDEX call_sessions_appointment ON call_sessions (appointment_id, started_at);
CREATE TABLE messages (
	id         INTEGER PRIMARY KEY,
	session_id INTEGER NOT NULL REFERENCES call_sessions (id) ON DELETE CASCADE,
	sender_id  INTEGER REFERENCES users (id),
	kind       TEXT NOT NULL,
	body       TEXT NOT NULL,
	seq        INTEGER NOT NULL,
	created_at TEXT NOT NULL,
	UNIQUE (session_id, seq)
);
