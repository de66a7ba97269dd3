DROP TABLE messages;
DROP TABLE call_sessions;
CREATE TABLE call_sessions (
	id               BIGSERIAL PRIMARY KEY,
	appointment_id   BIGINT NOT NULL REFERENCES appointments (id) ON DELETE CASCADE,
	started_at       TIMESTAMPTZ NOT NULL,
	ended_at         TIMESTAMPTZ,
	duration_seconds INTEGER
);
CREATE INDEX call_sessions_appointment ON call_sessions (appointment_id, started_at);
CREATE TABLE messages (
	id         BIGSERIAL PRIMARY KEY,
	session_id BIGINT NOT NULL REFERENCES call_sessions (id) ON DELETE CASCADE,
	sender_id  BIGINT REFERENCES users (id),
	kind       TEXT NOT NULL,
	body       TEXT NOT NULL,
	seq        BIGINT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	UNIQUE (session_id, seq)
);
