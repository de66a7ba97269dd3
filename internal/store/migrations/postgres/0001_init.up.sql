CREATE TABLE users (
	id              BIGSERIAL PRIMARY KEY,
	email           TEXT NOT NULL,
	name            TEXT NOT NULL DEFAULT '',
	avatar_url      TEXT NOT NULL DEFAULT '',
	oidc_issuer     TEXT,
	oidc_subject    TEXT,
	role            TEXT NOT NULL CHECK (role IN ('coach', 'client', 'admin')),
	status          TEXT NOT NULL CHECK (status IN ('active', 'invited', 'disabled')),
	session_version BIGINT NOT NULL DEFAULT 0,
	created_at      TIMESTAMPTZ NOT NULL,
	updated_at      TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX users_email_lower ON users (lower(email));
CREATE UNIQUE INDEX users_oidc ON users (oidc_issuer, oidc_subject);
CREATE INDEX users_role ON users (role, id);

CREATE TABLE profiles (
	user_id    BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	data       JSONB NOT NULL DEFAULT '{}',
	updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE coach_clients (
	coach_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	client_id  BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (coach_id, client_id)
);
CREATE INDEX coach_clients_client ON coach_clients (client_id);

CREATE TABLE appointments (
	id               BIGSERIAL PRIMARY KEY,
	coach_id         BIGINT NOT NULL REFERENCES users (id),
	client_id        BIGINT NOT NULL REFERENCES users (id),
	title            TEXT NOT NULL,
	starts_at        TIMESTAMPTZ NOT NULL,
	ends_at          TIMESTAMPTZ NOT NULL,
	duration_minutes INTEGER NOT NULL CHECK (duration_minutes BETWEEN 15 AND 240),
	status           TEXT NOT NULL CHECK (status IN ('scheduled', 'cancelled', 'completed', 'no_show')),
	room_id          TEXT NOT NULL UNIQUE CHECK (length(room_id) >= 22),
	notes            TEXT NOT NULL DEFAULT '',
	cancel_reason    TEXT NOT NULL DEFAULT '',
	created_at       TIMESTAMPTZ NOT NULL,
	updated_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX appointments_coach ON appointments (coach_id, starts_at);
CREATE INDEX appointments_client ON appointments (client_id, starts_at);

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
