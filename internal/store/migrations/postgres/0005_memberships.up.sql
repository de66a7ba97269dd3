-- The Skool sync: each person's membership of the two communities (by
-- lower-case email), every run with its outcome, a history row for every
-- change it made, roles an admin pinned by hand, and leases so that one
-- run at a time goes on across every node.
ALTER TABLE users ADD COLUMN role_pinned INTEGER NOT NULL DEFAULT 0;

CREATE TABLE memberships (
	email          TEXT NOT NULL,
	community      TEXT NOT NULL CHECK (community IN ('coaches', 'clients')),
	status         TEXT NOT NULL CHECK (status IN ('active', 'cancelled', 'churned')),
	joined_at      TIMESTAMPTZ,
	access_ends_at TIMESTAMPTZ,
	left_at        TIMESTAMPTZ,
	grace_until    TIMESTAMPTZ,
	last_seen_at   TIMESTAMPTZ,
	gone           INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (email, community)
);

CREATE TABLE membership_runs (
	id          BIGSERIAL PRIMARY KEY,
	started_at  TIMESTAMPTZ NOT NULL,
	finished_at TIMESTAMPTZ,
	outcome     TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'dry_run', 'stopped', 'failed')),
	coaches     INTEGER NOT NULL DEFAULT 0,
	clients     INTEGER NOT NULL DEFAULT 0,
	changes     INTEGER NOT NULL DEFAULT 0,
	message     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX membership_runs_started ON membership_runs (started_at);

CREATE TABLE membership_events (
	id         BIGSERIAL PRIMARY KEY,
	run_id     BIGINT NOT NULL REFERENCES membership_runs (id) ON DELETE CASCADE,
	user_id    BIGINT REFERENCES users (id) ON DELETE SET NULL,
	email      TEXT NOT NULL,
	what       TEXT NOT NULL,
	from_value TEXT NOT NULL,
	to_value   TEXT NOT NULL,
	reason     TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX membership_events_email ON membership_events (email, id);
CREATE INDEX membership_events_run ON membership_events (run_id, id);

CREATE TABLE leases (
	name       TEXT PRIMARY KEY,
	holder     TEXT NOT NULL,
	expires_at TIMESTAMPTZ NOT NULL
);
