-- What clients book from: each coach's availability (weekly hours,
-- overrides, buffers, notice, horizon, a cap a day, as JSON in the coach's
-- time zone) and the session types they offer.
CREATE TABLE availability (
	coach_id   BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	data       JSONB NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE session_types (
	id               BIGSERIAL PRIMARY KEY,
	coach_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name             TEXT NOT NULL,
	duration_minutes INTEGER NOT NULL CHECK (duration_minutes BETWEEN 15 AND 240),
	description      TEXT NOT NULL DEFAULT '',
	call_mode        TEXT NOT NULL DEFAULT '',
	audience         TEXT NOT NULL CHECK (audience IN ('clients', 'public')),
	archived         INTEGER NOT NULL DEFAULT 0,
	created_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX session_types_coach ON session_types (coach_id, archived);
